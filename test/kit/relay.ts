/**
 * The real relay for tests (STYLE rule 9): `server/app.ts` on a random port of 127.0.0.1 over a
 * real LevelDB in a temporary folder, its count-only log lines kept in `logs`. Used by the relay
 * tests, the client integration harness and the malicious-relay tests alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../server/app.ts';
import type { ServerConfig } from '../../server/config.ts';

/** A fresh temporary folder for a relay's LevelDB. */
export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'unseen-relay-test-'));

export interface TestRelay extends RunningServer {
	/** The WebSocket address clients connect to. */
	wsUrl: string;
	logs: string[];
	/** Closes the relay and deletes its folder, unless it was started with `keep`. */
	stop(): Promise<void>;
}

/** Starts the relay (in a new temporary folder unless `config.dataDir` names one). */
export async function startRelay(config: Partial<ServerConfig> = {}, keep = false): Promise<TestRelay> {
	const logs: string[] = [];
	const dataDir = config.dataDir ?? tempDir();
	const server = await startServer({ port: 0, host: '127.0.0.1', app: false, log: (l) => logs.push(l), ...config, dataDir });
	return {
		...server,
		wsUrl: `ws://127.0.0.1:${server.port}/relay`,
		logs,
		async stop() {
			await server.close();
			if (!keep) rmSync(dataDir, { recursive: true, force: true });
		}
	};
}
