/**
 * `npm run dev`: a Vite plugin that attaches the real relay to the dev server's HTTP server at
 * /relay, over the LevelDB in DATA_DIR (same variables as `npm start`), so that the app served
 * with hot reload talks to a relay on its own port. Other upgrades (Vite's HMR) are left alone.
 * Not active under Vitest, which also starts a Vite server.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Plugin } from 'vite';
import { configFromEnv, resolveConfig } from './config.ts';
import { Relay, RELAY_PATH } from './relay.ts';
import { RetentionSweeper } from './retention.ts';
import { LevelStore } from './store-level.ts';

export function devRelay(): Plugin {
	return {
		name: 'unseen-dev-relay',
		apply: 'serve',
		async configureServer(server) {
			const http = server.httpServer;
			if (!http || process.env.VITEST) return;
			const config = resolveConfig(configFromEnv(process.env));
			const store = new LevelStore(config.dataDir);
			await store.open();
			const relay = new Relay(config, store);
			await relay.start();
			const sweeper = new RetentionSweeper(store, config.retentionSweepMs);
			sweeper.start();
			http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
				if ((req.url ?? '').split('?')[0] === RELAY_PATH) relay.handleUpgrade(req, socket, head);
			});
			http.once('close', () => {
				void (async () => {
					await relay.close();
					await sweeper.stop();
					await store.close();
				})();
			});
			config.log(`unseen: dev relay at ${RELAY_PATH}, data in ${config.dataDir}`);
		}
	};
}
