/**
 * The line protocol of a server run in its own process (the child relay here, the benchmark's
 * plain-`ws` baseline): it prints `{"port": N}` once listening, and answers a line "rss" on stdin
 * with `{"rss": bytes}` after a garbage collection when run with --expose-gc. `spawnChild`
 * (child.ts) is the other end.
 */
import { createInterface } from 'node:readline';

export function announceChild(port: number): void {
	createInterface({ input: process.stdin }).on('line', (line) => {
		if (line === 'rss') {
			globalThis.gc?.();
			process.stdout.write(JSON.stringify({ rss: process.memoryUsage().rss }) + '\n');
		}
	});
	process.stdout.write(JSON.stringify({ port }) + '\n');
}
