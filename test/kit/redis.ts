/**
 * A real redis-server for the cluster tests (PROTOCOL §14): its own process on a free loopback
 * port, with a temporary folder and the settings the README asks for (`appendonly yes`,
 * `appendfsync always`, no RDB snapshots; uncompressed, so that a test can search the files for
 * bytes that must be gone, as with LevelDB). It can be killed with SIGKILL and started again on
 * the same port and folder. Tests that need it skip, saying why, when redis-server is missing
 * (`.ci/run` installs it from Debian).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether `redis-server` is installed (the cluster tests skip otherwise). */
export const hasRedis: boolean = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
export const NO_REDIS = 'redis-server is not installed (apt-get install redis-server; .ci/run does it)';

export interface TestRedis {
	port: number;
	url: string;
	dir: string;
	process: ChildProcess;
	/** SIGKILL: no shutdown save, as in a crash. */
	kill9(): Promise<void>;
	/** Starts redis-server again on the same port and folder (it replays its append-only file). */
	restart(): Promise<void>;
	/** Stops it and deletes its folder. */
	stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise((resolve) => server.close(resolve));
	return port;
}

function launch(port: number, dir: string): Promise<ChildProcess> {
	const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'yes', '--rdbcompression', 'no'];
	const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
	return new Promise((resolve, reject) => {
		let out = '';
		const exited = () => reject(new Error(`redis-server exited before it was ready:\n${out}`));
		child.once('exit', exited);
		child.stdout!.on('data', (chunk: Buffer) => {
			out += chunk.toString();
			if (/Ready to accept connections/.test(out)) {
				child.off('exit', exited);
				child.stdout!.resume();
				resolve(child);
			}
		});
	});
}

export async function startRedis(): Promise<TestRedis> {
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), 'unseen-redis-'));
	const redis: TestRedis = {
		port,
		url: `redis://127.0.0.1:${port}/0`,
		dir,
		process: await launch(port, dir),
		async kill9() {
			const p = redis.process;
			if (p.exitCode !== null || p.signalCode !== null) return;
			const exited = new Promise((resolve) => p.once('exit', resolve));
			p.kill('SIGKILL');
			await exited;
		},
		async restart() {
			redis.process = await launch(port, dir);
		},
		async stop() {
			await redis.kill9();
			rmSync(dir, { recursive: true, force: true });
		}
	};
	return redis;
}
