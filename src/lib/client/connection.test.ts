import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { rm } from 'node:fs/promises';
import { startRelay } from '../../../test/kit/relay.ts';
import { until } from '../../../test/kit/until.ts';
import { ready, sodium } from '../crypto/sodium.ts';
import { toB64 } from '../core/bytes.ts';
import { Connection, DEFAULT_BACKOFF, RelayError, backoffDelay } from './connection.ts';
import type { ConnectionState } from './api.ts';

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
