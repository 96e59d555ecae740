import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { rm } from 'node:fs/promises';
import { startRelay } from '../../../test/kit/relay.ts';
import { until } from '../../../test/kit/until.ts';
import { ready, sodium } from '../crypto/sodium.ts';
import { toB64 } from '../core/bytes.ts';
import { Connection, DEFAULT_BACKOFF, RelayError, backoffDelay, type EntryFrame } from './connection.ts';
import type { ConnectionState } from './api.ts';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { createGroup, sendMessage } from '../../../test/relay/fixtures/group.ts';
import { TestClient, type AnyFrame } from '../../../test/relay/fixtures/relay.ts';

beforeAll(() => ready());

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
	for (const c of cleanups.splice(0).reverse()) await c();
});

/** The kit's relay, kept on stop: a restart passes the first one's port and folder; the test deletes it. */
const relay = (port = 0, dataDir?: string) => startRelay(dataDir === undefined ? { port } : { port, dataDir }, true);

describe('backoffDelay', () => {
	test('grows exponentially from the initial delay and never exceeds the cap', () => {
		const noJitter = () => 0;
		const delays = [0, 1, 2, 3, 10, 50].map((n) => backoffDelay(n, DEFAULT_BACKOFF, noJitter));
		expect(delays).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
	});

	test('jitter only ever shortens the delay, by at most the jitter fraction', () => {
		expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.999)).toBeGreaterThanOrEqual(2000);
		expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.999)).toBeLessThan(4000);
	});
});

describe('Connection against the real relay', () => {
	test('goes online, fails requests while the relay is down, and comes back with its keys after a restart', async () => {
		const first = await relay();
		const port = first.port;
		cleanups.push(() => rm(first.dataDir, { recursive: true, force: true }));
		const conn = new Connection({ url: first.wsUrl, backoff: { initialMs: 50, maxMs: 200 } });
		cleanups.push(async () => conn.stop());
		const states: ConnectionState[] = [];
		conn.onState((s) => states.push(s));
		let onlineCount = 0;
		conn.onOnline(() => onlineCount++);
		const keys = sodium().crypto_sign_keypair();
		const key = toB64(keys.publicKey);
		await conn.addKey(key, (m) => sodium().crypto_sign_detached(m, keys.privateKey));
		conn.start();
		await until(() => conn.state === 'online');
		expect(onlineCount).toBe(1);

		await first.close();
		await until(() => conn.state !== 'online');
		await expect(conn.request({ t: 'sub', group: key, as: key, after: 0 })).rejects.toMatchObject({ code: 'CLIENT_OFFLINE' });
		// While down, attempts keep failing and back off.
		await until(() => conn.attempt >= 3);
		expect(conn.state).not.toBe('online');

		const second = await relay(port, first.dataDir);
		cleanups.push(() => second.close());
		await until(() => conn.state === 'online');
		expect(onlineCount).toBe(2);
		expect(conn.attempt).toBe(0);
		// The key was logged in again on the new connection: a sub as that key is judged on
		// membership (no such group), not refused as unauthenticated.
		const err = await conn.request({ t: 'sub', group: key, as: key, after: 0 }).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(RelayError);
		expect((err as RelayError).code).not.toBe('RELAY_NOT_AUTHENTICATED');
		expect(conn.hasKey(key)).toBe(true);
		expect(states).toEqual(expect.arrayContaining(['connecting', 'online', 'offline']));
	});

	test('a key the relay refuses is dropped instead of reconnecting forever', async () => {
		const r = await startRelay();
		cleanups.push(() => r.stop());
		const conn = new Connection({ url: r.wsUrl, backoff: { initialMs: 50, maxMs: 100 } });
		cleanups.push(async () => conn.stop());
		const keys = sodium().crypto_sign_keypair();
		// Signs with the wrong key: the relay answers RELAY_AUTH_FAILED.
		const other = sodium().crypto_sign_keypair();
		await conn.addKey(toB64(keys.publicKey), (m) => sodium().crypto_sign_detached(m, other.privateKey));
		conn.start();
		await until(() => conn.state === 'online');
		expect(conn.hasKey(toB64(keys.publicKey))).toBe(false);
	});
});

describe('backlog in batches (§9.5)', () => {
	/** Real entry frames of one group (a genesis and three messages), read from the real relay. */
	async function realEntries(): Promise<{ group: string; entries: AnyFrame[] }> {
		const r = await startRelay();
		cleanups.push(() => r.stop());
		const client = await TestClient.connect(r.wsUrl);
		const g = await createGroup(client);
		for (let i = 0; i < 3; i++) await sendMessage(client, g, g.admin, i);
		await client.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 0 });
		await client.waitFor((f) => f.t === 'live');
		client.close();
		return { group: g.group, entries: client.entries(g.group) };
	}

	/** A stand-in relay: a hello, `ok` to every login, and `onSub` for each subscription. */
	async function fakeRelay(onSub: (frame: AnyFrame, send: (f: AnyFrame) => void) => void): Promise<{ url: string; subs: AnyFrame[] }> {
		const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
		await new Promise<void>((resolve) => server.once('listening', () => resolve()));
		cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
		const subs: AnyFrame[] = [];
		server.on('connection', (socket: WsSocket) => {
			const send = (f: AnyFrame) => socket.send(JSON.stringify(f));
			send({ t: 'hello', v: 1, challenge: toB64(new Uint8Array(32)), time: Date.now(), limits: { maxPayload: 262_144, maxKeys: 64 } });
			socket.on('message', (data) => {
				const frame = JSON.parse(String(data)) as AnyFrame;
				if (frame.t === 'auth') send({ t: 'ok', re: frame.id });
				if (frame.t === 'sub') {
					subs.push(frame);
					onSub(frame, send);
				}
			});
		});
		return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, subs };
	}

	async function follow(url: string, group: string): Promise<{ seqs: number[]; live: () => boolean }> {
		const conn = new Connection({ url, backoff: { initialMs: 50, maxMs: 100 } });
		cleanups.push(async () => conn.stop());
		const keys = sodium().crypto_sign_keypair();
		const key = toB64(keys.publicKey);
		await conn.addKey(key, (m) => sodium().crypto_sign_detached(m, keys.privateKey));
		conn.start();
		await until(() => conn.state === 'online');
		const seqs: number[] = [];
		let live = false;
		await conn.subscribe({ group, as: key, cursor: 0, onEntry: (f: EntryFrame) => void seqs.push(f.seq), onProgress: (p) => void (live ||= p.live) });
		return { seqs, live: () => live };
	}

	test('asks for batches and takes every item in order; an item that is malformed or of another group is dropped alone', async () => {
		const { group, entries } = await realEntries();
		const other = (await realEntries()).group;
		const [e1, e2, e3, e4] = entries;
		const fake = await fakeRelay((sub, send) => {
			send({ t: 'ok', re: sub.id, head: 4 });
			send({ t: 'entries', group, items: [e1, { ...e2, seq: -1 }] });
			send({ t: 'entries', group, items: [{ ...e2, group: other }, e3] });
			send({ t: 'entries', group, items: [e4] });
			send({ t: 'live', group, seq: 4 });
		});
		const seen = await follow(fake.url, group);
		await until(() => seen.live());
		expect(fake.subs[0]).toMatchObject({ batch: true });
		// Entry 2 came only malformed or as another group's: it is missing (the session's gap
		// check names the relay), and its neighbours are all there.
		expect(seen.seqs).toEqual([1, 3, 4]);
	});

	test('a relay that does not know `batch` is asked again without it, and its single frames are taken', async () => {
		const { group, entries } = await realEntries();
		const fake = await fakeRelay((sub, send) => {
			if (sub.batch !== undefined) return send({ t: 'err', re: sub.id, code: 'RELAY_BAD_FRAME', message: 'batch: unknown field' });
			send({ t: 'ok', re: sub.id, head: 4 });
			for (const e of entries) send(e);
			send({ t: 'live', group, seq: 4 });
		});
		const seen = await follow(fake.url, group);
		await until(() => seen.live());
		expect(seen.seqs).toEqual([1, 2, 3, 4]);
		expect(fake.subs.map((s) => s.batch)).toEqual([true, undefined]);
	});
});
