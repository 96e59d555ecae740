/**
 * Headless members for the browser specs: the real client code in Node, talking to the test
 * relay, for what would take minutes by hand (a backlog, a long history, a group of hundreds).
 */
import { test } from '@playwright/test';
import { WebSocket as WsWebSocket } from 'ws';
import { createClient, type UnseenClient } from '../../src/lib/client/index.ts';
import { memoryKv, type Kv } from '../../src/lib/storage/kv.ts';
import { until } from '../kit/until.ts';
import { BASE_URL } from './helpers.ts';

export { until };

const RELAY_URL = `${BASE_URL.replace(/^http/, 'ws')}/relay`;

/**
 * `start(store?)` starts a client and waits (up to `onlineMs`) until it is online; `started`
 * lists the clients still running, which an afterEach registered here stops.
 */
export function useHeadless(onlineMs = 10_000): { start: (store?: Kv) => Promise<UnseenClient>; started: UnseenClient[] } {
	const started: UnseenClient[] = [];
	test.afterEach(async () => {
		for (const c of started.splice(0)) await c.stop();
	});
	const start = async (store: Kv = memoryKv()): Promise<UnseenClient> => {
		const client = createClient({ relayUrl: RELAY_URL, store, origin: BASE_URL, WebSocket: WsWebSocket as unknown as typeof WebSocket, backoff: { initialMs: 50, maxMs: 400 } });
		started.push(client);
		await client.start();
		await until(() => client.connection === 'online', onlineMs, 'headless client online');
		return client;
	};
	return { start, started };
}
