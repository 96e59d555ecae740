/** Starts a server script in its own Node process and speaks its line protocol (child-line.ts). */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ChildServer {
	process: ChildProcess;
	port: number;
	/** The relay's WebSocket address (for the child relay). */
	wsUrl: string;
	/** The child's resident set size in bytes, measured after a GC when run with --expose-gc. */
	rss(): Promise<number>;
	/** SIGTERM, then waits for the process to exit. */
	stop(): Promise<void>;
}

/** Runs `node [...nodeArgs] script [...args]` and resolves once it has announced its port. */
export async function spawnChild(script: string, args: string[] = [], nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<ChildServer> {
	const child = spawn(process.execPath, [...nodeArgs, script, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
	const lines = createInterface({ input: child.stdout! });
	const next = () =>
		new Promise<Record<string, number>>((resolve, reject) => {
			const exited = () => reject(new Error(`${script} exited before answering`));
			child.once('exit', exited);
			lines.once('line', (line) => {
				child.off('exit', exited);
				resolve(JSON.parse(line) as Record<string, number>);
			});
		});
	const { port } = await next();
	return {
		process: child,
		port: port!,
		wsUrl: `ws://127.0.0.1:${port}/relay`,
		async rss() {
			const reply = next();
			child.stdin!.write('rss\n');
			return (await reply).rss!;
		},
		async stop() {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGTERM');
			await exited;
		}
	};
}

/** The relay (child-relay.ts) over the LevelDB in `dataDir`, in its own process. */
export function spawnRelay(dataDir: string, nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<ChildServer> {
	return spawnChild(join(import.meta.dirname, 'child-relay.ts'), [dataDir], nodeArgs, { REDIS_URL: '', ...env });
}

/** A relay process storing in the Redis at `redisUrl` (several may share it, PROTOCOL §14). */
export function spawnClusterRelay(redisUrl: string, nodeArgs: string[] = []): Promise<ChildServer> {
	return spawnChild(join(import.meta.dirname, 'child-relay.ts'), ['-'], nodeArgs, { REDIS_URL: redisUrl });
}
