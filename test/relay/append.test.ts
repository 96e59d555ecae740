/**
 * §9.4 append: the relay numbers entries per group, acknowledges only after storing, and fans
 * out to subscribers in sequence order. A retried `mid` is stored once.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { epochFields, message, mid } from './fixtures/ops.ts';
import { identity } from '../kit/identities.ts';
import { appendOp, createGroup, sendMessage } from './fixtures/group.ts';
import { chained } from './fixtures/ops.ts';
import { TestClient } from './fixtures/relay.ts';
import { startRelay, type TestRelay } from '../kit/relay.ts';

let relay: TestRelay;
beforeAll(async () => (relay = await startRelay()));
afterAll(() => relay.stop());

describe('append, acknowledgement and fan-out', () => {
	test('entries get consecutive sequence numbers, non-decreasing times and a stamp for messages', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(client);
		const acks = [];
		for (let i = 0; i < 5; i++) acks.push(await sendMessage(client, g, g.admin, i));
		expect(acks.map((a) => a.seq)).toEqual([2, 3, 4, 5, 6]);
		for (let i = 1; i < acks.length; i++) expect(acks[i]!.ts).toBeGreaterThanOrEqual(acks[i - 1]!.ts);
		for (const a of acks) expect(Buffer.from(a.stamp, 'base64url')).toHaveLength(32);
		client.close();
	});

	test('every subscriber receives every entry once, in sequence order, after the sender’s ack', async () => {
		const sender = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(sender);
		const readers = await Promise.all([0, 1, 2].map(() => TestClient.connect(relay.wsUrl)));
		for (const r of readers) {
			await r.auth(g.admin);
			const ok = await r.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 1 });
			expect(ok).toMatchObject({ t: 'ok', head: 1 });
			await r.waitFor((f) => f.t === 'live');
		}
		const acks = await Promise.all(Array.from({ length: 40 }, (_, i) => sendMessage(sender, g, g.admin, i)));
		const seqs = acks.map((a) => a.seq).sort((x, y) => x - y);
		expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
		for (const r of readers) {
			await r.waitFor((f) => f.t === 'entry' && f.seq === 41);
			expect(r.entries(g.group).map((e) => e.seq)).toEqual(seqs);
			r.close();
		}
		sender.close();
	});

	test('the appending connection sees its ack before its own entry comes back', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(client);
		await client.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 1 });
		await client.waitFor((f) => f.t === 'live');
		const ack = await sendMessage(client, g, g.admin, 0);
		const ackIndex = client.frames.indexOf(ack);
		const entry = await client.waitFor((f) => f.t === 'entry' && f.seq === ack.seq);
		expect(client.frames.indexOf(entry)).toBeGreaterThan(ackIndex);
		expect(entry.stamp).toBe(ack.stamp);
		client.close();
	});

	test('a resent mid is stored once and answered with the original seq, time and stamp', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(client);
		const id = mid();
		const msg = message(g.group, g.admin.sign, 0, 0);
		const [first, concurrent] = await Promise.all([
			client.request({ t: 'append', group: g.group, mid: id, entry: { msg } }),
			client.request({ t: 'append', group: g.group, mid: id, entry: { msg } })
		]);
		const later = await client.request({ t: 'append', group: g.group, mid: id, entry: { msg } });
		expect(concurrent).toEqual({ ...first, re: concurrent.re });
		expect(later).toEqual({ ...first, re: later.re });
		const next = await sendMessage(client, g, g.admin, 1);
		expect(next.seq).toBe(first.seq + 1);
		client.close();
	});

	test('a message from a key the connection has not authenticated is refused with RELAY_NOT_AUTHENTICATED', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(client);
		const stranger = identity();
		expect(await sendMessage(client, g, stranger, 0)).toMatchObject({ t: 'err', code: 'RELAY_NOT_AUTHENTICATED' });
		client.close();
	});

	test('a message from an authenticated non-member is refused with RELAY_FORBIDDEN', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(client);
		const stranger = identity();
		await client.auth(stranger);
		expect(await sendMessage(client, g, stranger, 0)).toMatchObject({ t: 'err', code: 'RELAY_FORBIDDEN' });
		client.close();
	});

	test('a listener cannot post: RELAY_FORBIDDEN', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const listener = identity();
		const g = await createGroup(client, {}, identity(), [{ who: listener, role: 'listener' }]);
		await client.auth(listener);
		expect(await sendMessage(client, g, listener, 0)).toMatchObject({ t: 'err', code: 'RELAY_FORBIDDEN' });
		client.close();
	});

	test('a message for an old epoch, or while a rekey is pending, is refused with RELAY_STALE_EPOCH', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const member = identity();
		const g = await createGroup(client, {}, identity(), [{ who: member, role: 'member' }]);
		await client.auth(member);
		expect((await appendOp(client, g, chained(g.at, g.admin, 'rekey', epochFields(1, [g.admin.sign, member.sign])))).t).toBe('ok');
		const stale = await client.request({ t: 'append', group: g.group, mid: mid(), entry: { msg: message(g.group, g.admin.sign, 0, 0) } });
		expect(stale).toMatchObject({ t: 'err', code: 'RELAY_STALE_EPOCH' });
		expect((await appendOp(client, g, chained(g.at, member, 'leave'))).t).toBe('ok');
		expect(await sendMessage(client, g, g.admin, 0)).toMatchObject({ t: 'err', code: 'RELAY_STALE_EPOCH' });
		expect((await appendOp(client, g, chained(g.at, g.admin, 'rekey', epochFields(2, [g.admin.sign])))).t).toBe('ok');
		expect(await sendMessage(client, g, g.admin, 0)).toMatchObject({ t: 'ok' });
		client.close();
	});

	test('a message to a group that does not exist is refused with RELAY_NO_GROUP', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const who = identity();
		await client.auth(who);
		const group = identity().sign;
		const reply = await client.request({ t: 'append', group, mid: mid(), entry: { msg: message(group, who.sign, 0) } });
		expect(reply).toMatchObject({ t: 'err', code: 'RELAY_NO_GROUP' });
		client.close();
	});
});
