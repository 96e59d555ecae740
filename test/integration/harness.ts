/**
 * Test harness: the real relay (test/kit/relay.ts: LevelDB in a temporary folder, random port)
 * and real headless clients with in-memory stores, speaking over Node's WebSocket.
 */
import { rm } from 'node:fs/promises';
import type { RunningServer } from '../../server/app.ts';
import { startRelay as startKitRelay } from '../kit/relay.ts';
import { until } from '../kit/until.ts';
import { createClient, type UnseenClient } from '../../src/lib/client/index.ts';
import type { ClientEvent } from '../../src/lib/client/api.ts';
import { memoryKv, type Kv } from '../../src/lib/storage/kv.ts';
import type { ServerConfig } from '../../server/config.ts';
import { WebSocket as WsWebSocket } from 'ws';
import { getJson, keys } from '../../src/lib/client/store.ts';
import { DeviceState } from '../../src/lib/protocol/session/device.ts';
import type { SessionData } from '../../src/lib/protocol/session/types.ts';
import type { Envelope } from '../../src/lib/core/schema.ts';
import { labelled } from '../../src/lib/core/cjson.ts';
import { LABEL } from '../../src/lib/core/labels.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';
import { sodium } from '../../src/lib/crypto/sodium.ts';

export { until };

export interface Relay {
	server: RunningServer;
	dir: string;
	url: string;
	port: number;
}

/** The kit's relay, in `dir` when given (a restart over the same LevelDB); `stopAll` deletes the folder. */
export async function startRelay(config: Partial<ServerConfig> = {}, dir?: string): Promise<Relay> {
	const relay = await startKitRelay(dir === undefined ? config : { ...config, dataDir: dir }, true);
	return { server: relay, dir: relay.dataDir, url: relay.wsUrl, port: relay.port };
}

export async function removeDir(dir: string): Promise<void> {
	await rm(dir, { recursive: true, force: true });
}

/** Test teardown: stops every client, then closes the relay and deletes its data folder. */
export async function stopAll(clients: TestClient[], relay: Relay | null): Promise<void> {
	for (const c of clients.splice(0)) await c.client.stop();
	if (relay) {
		await relay.server.close();
		await removeDir(relay.dir);
	}
}

export interface TestClient {
	client: UnseenClient;
	store: Kv;
	events: ClientEvent[];
}

export async function startClient(relayUrl: string, store: Kv = memoryKv(), extra: { keyPause?: () => Promise<void> } = {}): Promise<TestClient> {
	const client = createClient({ relayUrl, store, origin: 'https://unseen.test', backoff: { initialMs: 50, maxMs: 400 }, ...extra });
	const events: ClientEvent[] = [];
	client.on((e) => events.push(e));
	await client.start();
	await until(() => client.connection === 'online');
	return { client, store, events };
}


/**
 * Waits until every client sees every member's receive key published at the current epoch:
 * after joins and removals each member sends a `key` op after a random pause (§4.4), so a
 * test that needs a head nobody is about to move waits for this first.
 */
export async function untilKeysSettled(clients: TestClient[], group: string, ms = 20_000): Promise<void> {
	await until(() => {
		const heads = new Set<string>();
		for (const c of clients) {
			const s = c.client.state(group);
			if (!s || !Object.values(s.members).every((m) => m.rkAt === s.epoch)) return false;
			heads.add(s.head);
		}
		return heads.size === 1;
	}, ms, 'every receive key published at the current epoch');
}

/** Texts of a group's shown messages (not system lines), in order. */
export function texts(c: TestClient, group: string): string[] {
	return c.client
		.messages(group)
		.filter((m) => m.kind === 'text' && !m.deleted && !m.hidden)
		.map((m) => m.text);
}

export function warningKinds(c: TestClient, group: string): string[] {
	return c.client.warnings(group).map((w) => w.kind);
}

export const defaults = { description: 'a quiet place', retention: 0, listeners: true, listenersMaySpeak: false, invite: 'admins' as const };

export type Captured = { seq: number; ts: number; entry: { op?: { kind: string }; msg?: Envelope }; stamp?: string };

/** Subscribes as `member` on a fresh raw socket and collects every stored entry of `group`. */
export async function captureEntries(url: string, member: TestClient, group: string): Promise<Captured[]> {
	const data = (await getJson<SessionData>(member.store, keys.session(group)))!;
	const device = DeviceState.fromJSON(await getJson(member.store, keys.device));
	const id = device.identity(data.nonce);
	const ws = new WsWebSocket(url);
	const frames: Record<string, unknown>[] = [];
	const entries: Captured[] = [];
	ws.on('message', (raw) => {
		const f = JSON.parse(String(raw)) as Record<string, unknown>;
		frames.push(f);
		if (f.t === 'entry') entries.push(f as unknown as Captured);
		if (f.t === 'hello') {
			const sig = sodium().crypto_sign_detached(labelled(LABEL.relayAuth, { challenge: f.challenge as string, key: data.me }), id.signSk);
			ws.send(JSON.stringify({ t: 'auth', id: 'a', key: data.me, sig: toB64(sig) }));
		}
		if (f.t === 'ok' && f.re === 'a') ws.send(JSON.stringify({ t: 'sub', id: 's', group, as: data.me, after: 0 }));
	});
	await until(() => frames.some((f) => f.t === 'live'), 5_000, 'backlog');
	ws.close();
	return entries;
}
