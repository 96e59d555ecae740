/**
 * P11 limits: per-connection and per-key token buckets answer RELAY_RATE_LIMITED, and a reader
 * that stops reading is cut off instead of being buffered without bound, while others go on.
 */
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { appendOp, createGroup, sendMessage } from './fixtures/group.ts';
import { chained, epochFields, message, mid } from './fixtures/ops.ts';
import { identity } from '../kit/identities.ts';
import { TestClient } from './fixtures/relay.ts';
import { startRelay, type TestRelay } from '../kit/relay.ts';
import { REKEYS_PER_HOUR } from '../../server/groups.ts';
import { fakeClock } from '../kit/clock.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';
import { ready, sodium } from '../../src/lib/crypto/sodium.ts';

let relay: TestRelay | undefined;
afterEach(async () => {
	await relay?.stop();
	relay = undefined;
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(() => ready());

describe('P11 relay robustness: rate limits and slow readers', () => {
	test('P11 a connection over its frame rate gets RELAY_RATE_LIMITED, and is served again after a pause', async () => {
		const clock = fakeClock();
		relay = await startRelay({ connectionRate: { perSecond: 5, burst: 10 }, now: clock.now });
		const client = await TestClient.connect(relay.wsUrl);
		const replies = await Promise.all(Array.from({ length: 30 }, () => client.auth(identity())));
		const limited = replies.filter((r) => r.code === 'RELAY_RATE_LIMITED');
		expect(replies.filter((r) => r.t === 'ok').length).toBeLessThanOrEqual(11);
		expect(limited.length).toBeGreaterThanOrEqual(19);
		expect(limited[0]!.re).toBeTypeOf('string');
		clock.advance(500);
		expect((await client.auth(identity())).t).toBe('ok');
		client.close();
	});

	test('P11 a member over its ops per hour in a group gets RELAY_OP_LIMIT; other members and messages go on', async () => {
		relay = await startRelay({ opsPerHour: 3 });
		const client = await TestClient.connect(relay.wsUrl);
		const other = identity();
		const g = await createGroup(client, {}, identity(), [{ who: other, role: 'member' }]);
		const members = [g.admin.sign, other.sign].sort();
		for (let i = 1; i <= 3; i++) expect((await appendOp(client, g, chained(g.at, g.admin, 'rekey', epochFields(g.epoch + 1, members)))).t).toBe('ok');
		const refused = await appendOp(client, g, chained(g.at, g.admin, 'rekey', epochFields(g.epoch + 1, members)));
		expect(refused).toMatchObject({ t: 'err', code: 'RELAY_OP_LIMIT' });
		expect((await appendOp(client, g, chained(g.at, other, 'rekey', epochFields(g.epoch + 1, members)))).t).toBe('ok');
		expect((await sendMessage(client, g, g.admin, 0)).t).toBe('ok');
		client.close();
	});

	test('P11 a member\'s rekeys cannot use up another member\'s op budget through the key ops they call for: the admin still removes it, and key ops are not capped', async () => {
		relay = await startRelay({ opsPerHour: 3 });
		const client = await TestClient.connect(relay.wsUrl);
		const other = identity();
		const g = await createGroup(client, {}, identity(), [{ who: other, role: 'member' }]);
		await client.auth(other);
		const members = [g.admin.sign, other.sign].sort();
		const freshKey = () => toB64(sodium().crypto_box_keypair().publicKey);
		// Other rekeys up to its cap; after each the admin publishes a fresh receive key (§4.4).
		for (let i = 1; i <= 3; i++) {
			expect((await appendOp(client, g, chained(g.at, other, 'rekey', epochFields(g.epoch + 1, members)))).t).toBe('ok');
			expect((await appendOp(client, g, chained(g.at, g.admin, 'key', { epoch: g.epoch, rk: freshKey() }))).t).toBe('ok');
		}
		expect(await appendOp(client, g, chained(g.at, other, 'rekey', epochFields(g.epoch + 1, members)))).toMatchObject({ t: 'err', code: 'RELAY_OP_LIMIT' });
		// Over its own cap, Other still publishes its key for this epoch.
		expect((await appendOp(client, g, chained(g.at, other, 'key', { epoch: g.epoch, rk: freshKey() }))).t).toBe('ok');
		// The admin's three key ops did not count: it removes Other.
		expect((await appendOp(client, g, chained(g.at, g.admin, 'remove', { target: other.sign, ...epochFields(g.epoch + 1, [g.admin.sign]) }))).t).toBe('ok');
		client.close();
	});

	test('P11 a member\'s rekeys are capped on their own (each calls for a key op from every other member), while its other changes and the others\' rekeys go on', async () => {
		relay = await startRelay();
		const client = await TestClient.connect(relay.wsUrl);
		const other = identity();
		const g = await createGroup(client, {}, identity(), [{ who: other, role: 'member' }]);
		await client.auth(other);
		const members = [g.admin.sign, other.sign].sort();
		for (let i = 1; i <= REKEYS_PER_HOUR; i++) expect((await appendOp(client, g, chained(g.at, other, 'rekey', epochFields(g.epoch + 1, members)))).t).toBe('ok');
		expect(await appendOp(client, g, chained(g.at, other, 'rekey', epochFields(g.epoch + 1, members)))).toMatchObject({ t: 'err', code: 'RELAY_OP_LIMIT' });
		// The admin's rekeys have their own count.
		expect((await appendOp(client, g, chained(g.at, g.admin, 'rekey', epochFields(g.epoch + 1, members)))).t).toBe('ok');
		client.close();
	});

	test('P11 one key appending over two connections shares one per-key budget', async () => {
		relay = await startRelay({ keyRate: { perSecond: 1, burst: 4 } });
		const a = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(a);
		const b = await TestClient.connect(relay.wsUrl);
		await b.auth(g.admin);
		const replies = await Promise.all(
			Array.from({ length: 8 }, (_, i) => sendMessage(i % 2 ? a : b, g, g.admin, i))
		);
		// The genesis used one token; three messages fit, the rest are refused.
		expect(replies.filter((r) => r.t === 'ok')).toHaveLength(3);
		expect(replies.filter((r) => r.code === 'RELAY_RATE_LIMITED')).toHaveLength(5);
		a.close();
		b.close();
	});

	test('P11 appends naming someone else’s key do not use up that key’s budget', async () => {
		relay = await startRelay({ keyRate: { perSecond: 1, burst: 4 } });
		const owner = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(owner);
		const attacker = await TestClient.connect(relay.wsUrl);
		const spam = await Promise.all(Array.from({ length: 10 }, (_, i) => sendMessage(attacker, g, g.admin, i)));
		expect(spam.every((r) => r.code === 'RELAY_NOT_AUTHENTICATED')).toBe(true);
		const own = await Promise.all([0, 1, 2].map((i) => sendMessage(owner, g, g.admin, i)));
		expect(own.map((r) => r.t)).toEqual(['ok', 'ok', 'ok']);
		owner.close();
		attacker.close();
	});

	test('P11 a reader that stops reading is closed while another subscriber keeps receiving', { timeout: 60_000 }, async () => {
		const unlimited = { perSecond: 1_000_000, burst: 1_000_000 };
		relay = await startRelay({ highWaterMark: 256 * 1024, connectionRate: unlimited, keyRate: unlimited });
		const writer = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(writer);
		const slow = await TestClient.connect(relay.wsUrl);
		const fast = await TestClient.connect(relay.wsUrl);
		for (const c of [slow, fast]) {
			await c.auth(g.admin);
			await c.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 1 });
			await c.waitFor((f) => f.t === 'live');
		}
		slow.ws.pause();
		// ~27 MB of entries (as base64): more than the kernel's socket buffers plus the high-water mark.
		const total = 500;
		for (let i = 0; i < total; i += 50) {
			await Promise.all(
				Array.from({ length: 50 }, (_, k) =>
					writer.request({ t: 'append', group: g.group, mid: mid(), entry: { msg: message(g.group, g.admin.sign, 0, i + k, 40 * 1024) } })
				)
			);
		}
		await fast.waitFor((f) => f.t === 'entry' && f.seq === total + 1, 30_000);
		expect(fast.entries()).toHaveLength(total);
		// The slow one is closed (politely, then for good after the grace period).
		const r = relay;
		await expect.poll(() => r.relay.connectionCount, { timeout: 5000 }).toBe(2);
		slow.ws.resume();
		expect([1013, 1006]).toContain(await slow.closed());
		expect(slow.entries().length).toBeLessThan(total);
		writer.close();
		fast.close();
	});

	test('P11 readers that keep up are not taken for slow ones when one group commit fans out more than the high-water mark', { timeout: 60_000 }, async () => {
		const unlimited = { perSecond: 1_000_000, burst: 1_000_000 };
		relay = await startRelay({ highWaterMark: 256 * 1024, connectionRate: unlimited, keyRate: unlimited });
		const writer = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(writer);
		const readers = [await TestClient.connect(relay.wsUrl), await TestClient.connect(relay.wsUrl)];
		for (const c of readers) {
			await c.auth(g.admin);
			await c.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 1 });
			await c.waitFor((f) => f.t === 'live');
		}
		// 50 appends sent at once are written in one or a few group commits: ~2.7 MB (as base64) for
		// each reader in one turn of the relay, ten times its high-water mark.
		const total = 50;
		const acks = await Promise.all(
			Array.from({ length: total }, (_, k) => writer.request({ t: 'append', group: g.group, mid: mid(), entry: { msg: message(g.group, g.admin.sign, 0, k, 40 * 1024) } }))
		);
		expect(acks.every((a) => a.t === 'ok')).toBe(true);
		for (const c of readers) {
			await c.waitFor((f) => f.t === 'entry' && f.seq === total + 1, 30_000);
			expect(c.entries().map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 2));
		}
		expect(relay.relay.connectionCount).toBe(3);
		for (const c of [writer, ...readers]) c.close();
	});

	test('P11 a peer that stops answering pings is terminated while a live one stays connected', async () => {
		relay = await startRelay({ heartbeatMs: 100 });
		const live = await TestClient.connect(relay.wsUrl);
		const dead = await TestClient.connect(relay.wsUrl);
		await live.auth(identity());
		await dead.auth(identity());
		// A paused socket reads nothing, so it never sees the ping and never answers it.
		dead.ws.pause();
		const r = relay;
		await expect.poll(() => r.relay.connectionCount, { timeout: 3000 }).toBe(1);
		await sleep(300);
		expect((await live.auth(identity())).t).toBe('ok');
		live.close();
	});
});
