/**
 * `npm start`: builds the app when there is no build yet, then serves app and relay on one
 * port. SIGTERM/SIGINT stop accepting, let pending writes reach the disk, close LevelDB, exit 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from './app.ts';
import { ConfigError, configFromEnv } from './config.ts';
import { BUILD_HANDLER } from './http.ts';

const root = join(import.meta.dirname, '..');

if (!existsSync(BUILD_HANDLER)) {
	// The same two steps as `npm run build`: the app, then its pinned manifest and fingerprint
	// (§15), without which the service worker would refuse to install.
	console.log('unseen: no build/ yet, building the app first (npm run build)');
	const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
	for (const step of [[vite, 'build'], [join(root, 'bin', 'pin-build.ts')]]) {
		const built = spawnSync(process.execPath, step, { cwd: root, stdio: 'inherit' });
		if (built.status !== 0) {
			console.error('unseen: the build failed');
			process.exit(1);
		}
	}
}

let partial;
try {
	partial = configFromEnv(process.env);
} catch (error) {
	if (error instanceof ConfigError) {
		console.error(`unseen: ${error.message}`);
		process.exit(2);
	}
	throw error;
}

let server: Awaited<ReturnType<typeof startServer>>;
try {
	server = await startServer(partial);
} catch (error) {
	const code = (error as { code?: string }).code;
	if (code === 'EADDRINUSE') console.error(`unseen: port ${partial.port ?? 3000} is already in use (set PORT)`);
	else if (partial.redisUrl && (code === 'ECONNREFUSED' || (error as Error).name === 'ConnectionTimeoutError')) console.error('unseen: cannot reach Redis at REDIS_URL (is redis-server running?)');
	else if (code === 'LEVEL_DATABASE_NOT_OPEN' || code === 'LEVEL_LOCKED') console.error('unseen: cannot open DATA_DIR (is another Unseen running on it?)');
	else console.error(`unseen: could not start: ${(error as Error).message}`);
	process.exit(1);
}
console.log(`unseen: open ${server.url} (relay at ${server.url.replace(/^http/, 'ws')}/relay)`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
	process.on(signal, () => {
		if (stopping) return;
		stopping = true;
		server.close().then(
			() => process.exit(0),
			() => process.exit(1)
		);
	});
}
