/**
 * `startServer`: one HTTP server on one port serving the app and, on upgrade at /relay, the
 * relay, over a LevelDB in `dataDir` (or the Redis at `redisUrl`, PROTOCOL §14). Used by `npm start` (start.ts), the tests and the bench.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { resolveConfig, type ServerConfig } from './config.ts';
import { loadAppHandler, requestListener } from './http.ts';
import { Relay } from './relay.ts';
import { RetentionSweeper } from './retention.ts';
import { LevelStore } from './store-level.ts';
import { RedisStore } from './store-redis.ts';
import type { RelayStore } from './store.ts';

export interface RunningServer {
	url: string;
	port: number;
	dataDir: string;
	relay: Relay;
	sweeper: RetentionSweeper;
	/** Stops accepting, finishes pending writes, closes sockets and LevelDB. Idempotent. */
	close(): Promise<void>;
}

export async function startServer(partial: Partial<ServerConfig> = {}): Promise<RunningServer> {
	const config = resolveConfig(partial);
	const dataDir = resolve(config.dataDir);
	const store: RelayStore = config.redisUrl ? new RedisStore(config.redisUrl) : new LevelStore(dataDir);
	await store.open();
	const relay = new Relay(config, store);
	await relay.start();
	const sweeper = new RetentionSweeper(store, config.retentionSweepMs, config.now);
	sweeper.start();

	const app = await loadAppHandler(config.app);
	const server = createServer(requestListener(app, config.quickExitUrl));
	server.on('upgrade', (req, socket, head) => relay.handleUpgrade(req, socket, head));
	server.on('clientError', (_error, socket) => socket.destroy());
	try {
		await new Promise<void>((ok, fail) => {
			server.once('error', fail);
			server.listen(config.port, config.host, () => {
				server.off('error', fail);
				ok();
			});
		});
	} catch (error) {
		// Port taken or not allowed: release the database before reporting it.
		await relay.close();
		await sweeper.stop();
		await store.close();
		throw error;
	}
	const { port } = server.address() as AddressInfo;
	const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
	config.log(`unseen: listening on port ${port}${app ? '' : ' (relay only)'}`);

	let closing: Promise<void> | undefined;
	const close = () =>
		(closing ??= (async () => {
			const stopped = new Promise<void>((ok) => server.close(() => ok()));
			await relay.close();
			server.closeAllConnections();
			await stopped;
			await sweeper.stop();
			await store.close();
			config.log(`unseen: stopped after ${relay.stats.frames} frames`);
		})());

	return { url: `http://${host}:${port}`, port, dataDir, relay, sweeper, close };
}
