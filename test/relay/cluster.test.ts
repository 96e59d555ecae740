/**
 * Several relay processes on one Redis (PROTOCOL §14): one order per group across processes,
 * fan-out from one relay's appends to another relay's subscribers, and durability when a relay
 * or Redis itself is killed with SIGKILL. Real processes, a real redis-server; skipped (saying
 * why) only when redis-server is not installed.
 */
import { once } from 'node:events';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createGroup, sendMessage, type TestGroup } from './fixtures/group.ts';
import { chained, epochFields, message, mid } from './fixtures/ops.ts';
import { TestClient, type AnyFrame } from './fixtures/relay.ts';
import { spawnClusterRelay, type ChildServer } from '../kit/child.ts';
import { hasRedis, NO_REDIS, startRedis, type TestRedis } from '../kit/redis.ts';
import { until } from '../kit/until.ts';
import { startRelay } from '../kit/relay.ts';
import { defaults, startClient, texts, type TestClient as HeadlessClient } from '../integration/harness.ts';

/** A subscriber (as the group's admin) on `url`, collecting entries from seq 1 on. */
async function subscriber(url: string, g: TestGroup): Promise<TestClient> {
	const reader = await TestClient.connect(url);
	await reader.auth(g.admin);
	await reader.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 0 });
	await reader.waitFor((f) => f.t === 'live');
	return reader;
}

/** Every stored entry of the group, read through `url`. */
async function readAll(url: string, g: TestGroup): Promise<AnyFrame[]> {
	const reader = await subscriber(url, g);
	reader.close();
	return reader.entries(g.group);
}

const seqs = (frames: AnyFrame[]) => frames.map((f) => f.seq as number);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe.skipIf(!hasRedis)('several relay processes on one Redis (PROTOCOL §14)', { timeout: 120_000 }, () => {
	let redis: TestRedis;
	let a: ChildServer;
	let b: ChildServer;
	const open: { stop(): unknown }[] = [];

	beforeAll(async () => {
		redis = await startRedis();
	});
	afterAll(async () => {
		await redis?.stop();
	});
	afterEach(async () => {
		for (const c of open.splice(0)) await c.stop();
		await a?.stop();
		await b?.stop();
	});
	const relays = async () => {
		[a, b] = await Promise.all([spawnClusterRelay(redis.url), spawnClusterRelay(redis.url)]);
	};

	test('headless clients on different relays chat in one group and read the same words in the same order', async () => {
		await relays();
		const ash: HeadlessClient = await startClient(a.wsUrl);
		const bo: HeadlessClient = await startClient(b.wsUrl);
		open.push({ stop: () => ash.client.stop() }, { stop: () => bo.client.stop() });
		const group = await ash.client.createGroup({ ...defaults, name: 'Two rooms', pseudonym: 'Ash' });
		const invite = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 5, role: 'member' });
		await bo.client.joinWithInvite(invite.link, 'Bo');
		await ash.client.send(group, { text: 'hello from relay A' });
		await until(() => texts(bo, group).includes('hello from relay A'), 10_000, 'Bo reading Ash');
		await bo.client.send(group, { text: 'hello from relay B' });
		await until(() => texts(ash, group).includes('hello from relay B'), 10_000, 'Ash reading Bo');
		await ash.client.send(group, { text: 'lovely' });
		await until(() => texts(bo, group).includes('lovely'), 10_000, 'Bo reading again');
		expect(texts(ash, group)).toEqual(['hello from relay A', 'hello from relay B', 'lovely']);
		expect(texts(bo, group)).toEqual(texts(ash, group));
	});

	test('concurrent appends through both relays get one gapless order, seen live by each relay\'s subscriber; the losing admin gets RELAY_CONFLICT', async () => {
		await relays();
		const ca = await TestClient.connect(a.wsUrl);
		const g = await createGroup(ca);
		const cb = await TestClient.connect(b.wsUrl);
		await cb.auth(g.admin);
		const [subA, subB] = await Promise.all([subscriber(a.wsUrl, g), subscriber(b.wsUrl, g)]);
		open.push({ stop: () => ca.close() }, { stop: () => cb.close() }, { stop: () => subA.close() }, { stop: () => subB.close() });

		const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => sendMessage(i % 2 ? ca : cb, g, g.admin, i)));
		expect(replies.every((r) => r.t === 'ok')).toBe(true);
		expect(seqs(replies).sort((x, y) => x - y)).toEqual(oneTo(301).slice(1));
		for (const sub of [subA, subB]) {
			await until(() => sub.entries(g.group).length >= 301, 10_000, 'every entry live');
			expect(seqs(sub.entries(g.group))).toEqual(oneTo(301));
		}

		// Two admins' ops on the same head, one through each relay at once: one wins, one conflicts.
		const op1 = chained(g.at, g.admin, 'rekey', epochFields(1, [g.admin.sign]));
		const op2 = chained(g.at, g.admin, 'rekey', epochFields(1, [g.admin.sign]));
		const [r1, r2] = await Promise.all([
			ca.request({ t: 'append', group: g.group, mid: mid(), entry: { op: op1 } }),
			cb.request({ t: 'append', group: g.group, mid: mid(), entry: { op: op2 } })
		]);
		expect([r1.t, r2.t].sort()).toEqual(['err', 'ok']);
		expect([r1, r2].find((r) => r.t === 'err')).toMatchObject({ code: 'RELAY_CONFLICT' });
		expect((await readAll(b.wsUrl, g)).map((f) => f.seq)).toEqual(oneTo(302));
	});

	test('P11 kill -9 of one relay mid-burst: its client carries on through the other, nothing acknowledged is lost, the other relay\'s subscriber sees one gapless order', async () => {
		await relays();
		let client = await TestClient.connect(a.wsUrl);
		const g = await createGroup(client);
		const subB = await subscriber(b.wsUrl, g);
		open.push({ stop: () => subB.close() });

		const acked = new Map<number, string>();
		const sentMids = new Map<string, string>();
		let sent = 0;
		let stop = false;
		const pump = async () => {
			while (!stop) {
				const msg = message(g.group, g.admin.sign, 0, sent++);
				const id = mid();
				sentMids.set(id, msg.c);
				const reply = await client.request({ t: 'append', group: g.group, mid: id, entry: { msg } }, 2000).catch(() => null);
				if (reply?.t === 'ok') acked.set(reply.seq, msg.c);
				if (acked.size >= 200 && a.process.exitCode === null && !a.process.killed) a.process.kill('SIGKILL');
				if (!reply) await new Promise((r) => setTimeout(r, 20));
			}
		};
		let pumps = Array.from({ length: 10 }, pump);
		await once(a.process, 'exit');
		// The client reconnects to the other relay and goes on.
		client.ws.terminate();
		stop = true;
		await Promise.allSettled(pumps);
		const before = acked.size;
		client = await TestClient.connect(b.wsUrl);
		await client.auth(g.admin);
		stop = false;
		pumps = Array.from({ length: 10 }, pump);
		await until(() => acked.size >= before + 100, 20_000, 'appends through relay B');
		stop = true;
		await Promise.allSettled(pumps);
		client.close();

		const stored = await readAll(b.wsUrl, g);
		expect(seqs(stored)).toEqual(oneTo(stored.length));
		const byseq = new Map(stored.map((e) => [e.seq, e.entry.msg?.c]));
		for (const [seq, c] of acked) expect(byseq.get(seq)).toBe(c);
		await until(() => subB.entries(g.group).length >= stored.length, 10_000, 'the subscriber on B catching up');
		expect(seqs(subB.entries(g.group))).toEqual(oneTo(stored.length));
	});

	test('a relay whose connection to the feed drops mid-burst reads what it missed from Redis: its subscriber sees one gapless order', async () => {
		await relays();
		const client = await TestClient.connect(a.wsUrl);
		const g = await createGroup(client);
		const subB = await subscriber(b.wsUrl, g);
		open.push({ stop: () => subB.close() }, { stop: () => client.close() });
		const admin = createClient({ url: redis.url }).on('error', () => undefined);
		await admin.connect();
		open.push({ stop: () => admin.close() });

		let acked = 0;
		let stop = false;
		const pump = async () => {
			for (let i = 0; !stop; i++) {
				const reply = await sendMessage(client, g, g.admin, i);
				if (reply.t === 'ok') acked++;
			}
		};
		const pumps = Array.from({ length: 10 }, pump);
		for (let k = 1; k <= 5; k++) {
			await until(() => acked >= k * 60, 20_000, 'a burst');
			// Drops every feed connection (both relays'); entries published before they reconnect are missed.
			await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
		}
		stop = true;
		await Promise.all(pumps);
		const stored = await readAll(b.wsUrl, g);
		expect(stored.length).toBe(acked + 1);
		await until(() => subB.entries(g.group).length >= stored.length, 10_000, 'the subscriber on B catching up');
		expect(seqs(subB.entries(g.group))).toEqual(oneTo(stored.length));
	});

	test('the per-key append budget is shared among the relay processes alive: a key spread over both gets about the configured burst, not twice it', async () => {
		const frozen = () => 1_700_000_000_000; // no refill during the test
		const config = { redisUrl: redis.url, keyRate: { perSecond: 1, burst: 6 }, now: frozen };
		const ra = await startRelay(config);
		const rb = await startRelay(config);
		open.push(ra, rb);
		await until(() => ra.relay.peers === 2 && rb.relay.peers === 2, 40_000, 'each relay counting two processes (a relay killed earlier drops out after 15 s)');
		const ca = await TestClient.connect(ra.wsUrl);
		const g = await createGroup(ca); // charged: 1 of relay A's 3
		const cb = await TestClient.connect(rb.wsUrl);
		await cb.auth(g.admin);
		open.push({ stop: () => ca.close() }, { stop: () => cb.close() });
		const codes = async (c: TestClient) => {
			const out: string[] = [];
			for (let i = 0; i < 4; i++) {
				const r = await sendMessage(c, g, g.admin, i);
				out.push(r.t === 'ok' ? 'ok' : r.code);
			}
			return out;
		};
		expect(await codes(ca)).toEqual(['ok', 'ok', 'RELAY_RATE_LIMITED', 'RELAY_RATE_LIMITED']);
		expect(await codes(cb)).toEqual(['ok', 'ok', 'ok', 'RELAY_RATE_LIMITED']);
	});

	test('P11 kill -9 of redis-server: appends meanwhile get RELAY_STORAGE_UNAVAILABLE, the relays recover on their own, nothing acknowledged is lost and the other relay\'s subscriber resumes without a gap', async () => {
		await relays();
		const client = await TestClient.connect(a.wsUrl);
		const g = await createGroup(client);
		const subB = await subscriber(b.wsUrl, g);
		open.push({ stop: () => subB.close() }, { stop: () => client.close() });

		const acked = new Map<number, string>();
		const refused: string[] = [];
		let sent = 0;
		let stop = false;
		const pump = async () => {
			while (!stop) {
				const msg = message(g.group, g.admin.sign, 0, sent++);
				const reply = await client.request({ t: 'append', group: g.group, mid: mid(), entry: { msg } }, 5000);
				if (reply.t === 'ok') acked.set(reply.seq, msg.c);
				else {
					refused.push(reply.code);
					await new Promise((r) => setTimeout(r, 20));
				}
			}
		};
		// A second group relay B has never loaded: read for the first time while Redis is away.
		const other = await TestClient.connect(a.wsUrl);
		const g2 = await createGroup(other);
		other.close();
		const reader = await TestClient.connect(b.wsUrl);
		await reader.auth(g2.admin);
		open.push({ stop: () => reader.close() });
		const pumps = Array.from({ length: 10 }, pump);
		await until(() => acked.size >= 150, 20_000, 'a first burst');
		await redis.kill9();
		await until(() => refused.length >= 5, 20_000, 'appends refused while Redis is away');
		expect(await reader.request({ t: 'sub', group: g2.group, as: g2.admin.sign, after: 0 })).toMatchObject({ t: 'err', code: 'RELAY_STORAGE_UNAVAILABLE' });
		const duringOutage = acked.size;
		await redis.restart();
		// Nothing of the failed read stays behind: the group is readable as soon as Redis is back.
		let answer: AnyFrame = {};
		for (let i = 0; i < 100 && answer.t !== 'ok'; i++) {
			if (i > 0) await new Promise((r) => setTimeout(r, 100));
			answer = await reader.request({ t: 'sub', group: g2.group, as: g2.admin.sign, after: 0 });
		}
		expect(answer).toMatchObject({ t: 'ok' });
		await until(() => acked.size >= duringOutage + 150, 30_000, 'appends after Redis is back');
		stop = true;
		await Promise.all(pumps);

		expect(new Set(refused)).toEqual(new Set(['RELAY_STORAGE_UNAVAILABLE']));
		const stored = await readAll(b.wsUrl, g);
		expect(seqs(stored)).toEqual(oneTo(stored.length));
		const byseq = new Map(stored.map((e) => [e.seq, e.entry.msg?.c]));
		for (const [seq, c] of acked) expect(byseq.get(seq)).toBe(c);
		await until(() => subB.entries(g.group).length >= stored.length, 10_000, 'the subscriber on B catching up');
		expect(seqs(subB.entries(g.group))).toEqual(oneTo(stored.length));
	});
});

if (!hasRedis) test.skip(`several relay processes on one Redis: ${NO_REDIS}`, () => undefined);
