/**
 * §9.5, §13.8 on the relay: a pending requester subscribes to the group's ops only, never a
 * message entry, until its approve; a decline ends its subscription; a join that bypasses
 * approval is refused. The relay applies the clients' own rules (§3.3).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toB64 } from '../../src/lib/core/bytes.ts';
import { chained, epochFields, rand } from './fixtures/ops.ts';
import { identity, type TestIdentity } from '../kit/identities.ts';
import { appendOp, createGroup, sendMessage, type TestGroup } from './fixtures/group.ts';
import { TestClient } from './fixtures/relay.ts';
import { startRelay, type TestRelay } from '../kit/relay.ts';

let relay: TestRelay;
beforeAll(async () => (relay = await startRelay()));
afterAll(() => relay.stop());

const clients: TestClient[] = [];
async function client(): Promise<TestClient> {
	const c = await TestClient.connect(relay.wsUrl);
	clients.push(c);
	return c;
}
afterAll(() => clients.forEach((c) => c.close()));

/** A group with approval on, an invite from its admin, and `who` asking to join through it. */
async function waiting(who: TestIdentity = identity()) {
	const admin = await client();
	const g = await createGroup(admin, { approve: true });
	const key = identity();
	const invite = { key: key.sign, expires: Date.now() + 60_000, maxUses: 2, role: 'member' };
	expect((await appendOp(admin, g, chained(g.at, g.admin, 'invite', { invite, body: rand(64) }))).t).toBe('ok');
	const request = chained(g.at, who, 'request', { member: { sign: who.sign, box: who.box, role: 'member' }, invite: key.sign, rk: identity().box, body: noteBody() }, key);
	expect(await appendOp(admin, g, request)).toMatchObject({ t: 'ok' });
	return { admin, g, key, who };
}

/** A request note of the right shape (§13.8): one wrap, nonce, tag and a short content; random bytes the relay cannot open. */
const noteBody = () => toB64(Buffer.concat([Buffer.from([1]), randomBytes(80 + 24 + 16 + 40)]));

const approve = (g: TestGroup, by: TestIdentity, target: TestIdentity) => chained(g.at, by, 'approve', { target: target.sign, ...epochFields(g.epoch + 1, [g.admin.sign, target.sign]) });

describe('approval of new members on the relay (§13.8)', () => {
	test.each([false, true])('P5: a pending requester subscribes to ops only: no message entry; its feed ends at its approve; as a member it gets no message from before (backlog in batches: %s)', async (batch) => {
		const { admin, g, who } = await waiting();
		await sendMessage(admin, g, g.admin, 0);
		const newcomer = await client();
		await newcomer.auth(who);
		const sub = (as: string) => ({ t: 'sub', group: g.group, as, after: 0, ...(batch ? { batch: true } : {}) });
		expect(await newcomer.request(sub(who.sign))).toMatchObject({ t: 'ok', head: 4 });
		await newcomer.waitFor((f) => f.t === 'live');
		expect(newcomer.entries().map((e) => e.seq)).toEqual([1, 2, 3]);
		// Live: a message while it waits is not sent to it; an op is.
		await sendMessage(admin, g, g.admin, 1);
		expect(await appendOp(admin, g, chained(g.at, g.admin, 'hide', { target: 4 }))).toMatchObject({ t: 'ok', seq: 6 });
		await newcomer.waitFor((f) => f.t === 'entry' && f.seq === 6);
		expect(newcomer.entries().map((e) => e.seq)).toEqual([1, 2, 3, 6]);
		// Its approve ends the ops-only feed; subscribed again as a member, even from the start, it
		// gets every op but no message entry from before it was let in (H1), and those after.
		expect(await appendOp(admin, g, approve(g, g.admin, who))).toMatchObject({ t: 'ok', seq: 7 });
		await newcomer.waitFor((f) => f.t === 'entry' && f.seq === 7);
		await sendMessage(admin, g, g.admin, 0);
		const again = await client();
		await again.auth(who);
		await again.request(sub(who.sign));
		await again.waitFor((f) => f.t === 'live');
		expect(again.entries().map((e) => e.seq)).toEqual([1, 2, 3, 6, 7, 8]);
		if (batch) expect(again.frames.some((f) => f.t === 'entries')).toBe(true);
		expect(newcomer.entries().map((e) => e.seq)).toEqual([1, 2, 3, 6, 7]);
	});

	test('H1: an approve during a slow ops-only backlog sends no message entry from before it', async () => {
		const { admin, g, who } = await waiting();
		for (let i = 0; i < 40; i++) await sendMessage(admin, g, g.admin, i);
		const newcomer = await client();
		await newcomer.auth(who);
		void newcomer.request({ t: 'sub', group: g.group, as: who.sign, after: 0 });
		expect(await appendOp(admin, g, approve(g, g.admin, who))).toMatchObject({ t: 'ok', seq: 44 });
		await newcomer.waitFor((f) => f.t === 'entry' && f.seq === 44);
		expect(newcomer.entries().map((e) => e.seq)).toEqual([1, 2, 3, 44]);
	});

	test('a pending requester may not post (RELAY_FORBIDDEN)', async () => {
		const { g, who } = await waiting();
		const newcomer = await client();
		await newcomer.auth(who);
		expect(await sendMessage(newcomer, g, who, 0)).toMatchObject({ code: 'RELAY_FORBIDDEN' });
	});

	test('a decline ends the requester\'s subscription after the decline; subscribing again, it gets the ops up to its decline only (R2-1), and past it RELAY_FORBIDDEN', async () => {
		const { admin, g, who } = await waiting();
		const newcomer = await client();
		await newcomer.auth(who);
		await newcomer.request({ t: 'sub', group: g.group, as: who.sign, after: 0 });
		await newcomer.waitFor((f) => f.t === 'live');
		expect(await appendOp(admin, g, chained(g.at, g.admin, 'decline', { target: who.sign }))).toMatchObject({ t: 'ok', seq: 4 });
		await newcomer.waitFor((f) => f.t === 'entry' && f.seq === 4);
		expect(await appendOp(admin, g, chained(g.at, g.admin, 'hide', { target: 1 }))).toMatchObject({ t: 'ok', seq: 5 });
		await sendMessage(admin, g, g.admin, 0);
		const later = await client();
		await later.auth(g.admin);
		await later.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 0 });
		await later.waitFor((f) => f.t === 'entry' && f.seq === 6);
		expect(newcomer.entries().map((e) => e.seq)).toEqual([1, 2, 3, 4]);
		// Declined while away: from a cursor before its decline it is served the ops up to and
		// including the decline, `live` there, and nothing after (not the hide, not the message).
		const back = await client();
		await back.auth(who);
		expect(await back.request({ t: 'sub', group: g.group, as: who.sign, after: 2 })).toMatchObject({ t: 'ok', head: 4 });
		await back.waitFor((f) => f.t === 'live');
		expect(back.frames.find((f) => f.t === 'live')).toMatchObject({ seq: 4 });
		await appendOp(admin, g, chained(g.at, g.admin, 'hide', { target: 1 }));
		await later.waitFor((f) => f.t === 'entry' && f.seq === 7);
		expect(back.entries().map((e) => e.seq)).toEqual([3, 4]);
		expect(await back.request({ t: 'sub', group: g.group, as: who.sign, after: 4 })).toMatchObject({ code: 'RELAY_FORBIDDEN' });
	});

	test('a requester whose link was revoked while it was away gets the ops up to that revocation only (R2-1), and past it RELAY_FORBIDDEN', async () => {
		const { admin, g, key, who } = await waiting();
		expect(await appendOp(admin, g, chained(g.at, g.admin, 'revoke', { invite: key.sign }))).toMatchObject({ t: 'ok', seq: 4 });
		expect(await appendOp(admin, g, chained(g.at, g.admin, 'hide', { target: 1 }))).toMatchObject({ t: 'ok', seq: 5 });
		const back = await client();
		await back.auth(who);
		expect(await back.request({ t: 'sub', group: g.group, as: who.sign, after: 3 })).toMatchObject({ t: 'ok', head: 4 });
		await back.waitFor((f) => f.t === 'live');
		expect(back.frames.find((f) => f.t === 'live')).toMatchObject({ seq: 4 });
		expect(back.entries().map((e) => e.seq)).toEqual([4]);
		expect(await back.request({ t: 'sub', group: g.group, as: who.sign, after: 4 })).toMatchObject({ code: 'RELAY_FORBIDDEN' });
		// A key that never asked is refused whatever its cursor.
		const stranger = identity();
		const other = await client();
		await other.auth(stranger);
		expect(await other.request({ t: 'sub', group: g.group, as: stranger.sign, after: 0 })).toMatchObject({ code: 'RELAY_FORBIDDEN' });
	});

	test('P2: while approval is on, a join through a usable invite is refused (RELAY_INVALID_OP, PROTOCOL_NOT_ALLOWED)', async () => {
		const admin = await client();
		const g = await createGroup(admin, { approve: true });
		const key = identity();
		expect((await appendOp(admin, g, chained(g.at, g.admin, 'invite', { invite: { key: key.sign, expires: Date.now() + 60_000, maxUses: 2, role: 'member' }, body: rand(64) }))).t).toBe('ok');
		const joiner = identity();
		const join = chained(g.at, joiner, 'join', { member: { sign: joiner.sign, box: joiner.box, role: 'member' }, invite: key.sign, ...epochFields(1, [g.admin.sign, joiner.sign]), body: rand(64) }, key);
		const reply = await appendOp(admin, g, join);
		expect(reply).toMatchObject({ code: 'RELAY_INVALID_OP' });
		expect(String(reply.message)).toMatch(/^PROTOCOL_NOT_ALLOWED/);
	});

	test('only a moderator or admin approves: a member\'s approve, or the requester\'s own, is refused', async () => {
		const member = identity();
		const admin = await client();
		const g = await createGroup(admin, { approve: true }, identity(), [{ who: member, role: 'member' }]);
		const key = identity();
		expect((await appendOp(admin, g, chained(g.at, g.admin, 'invite', { invite: { key: key.sign, expires: Date.now() + 60_000, maxUses: 2, role: 'member' }, body: rand(64) }))).t).toBe('ok');
		const who = identity();
		expect((await appendOp(admin, g, chained(g.at, who, 'request', { member: { sign: who.sign, box: who.box, role: 'member' }, invite: key.sign, rk: identity().box, body: noteBody() }, key))).t).toBe('ok');
		const all = [g.admin.sign, member.sign, who.sign];
		const byMember = await appendOp(admin, g, chained(g.at, member, 'approve', { target: who.sign, ...epochFields(1, all) }));
		expect(String(byMember.message)).toMatch(/^PROTOCOL_NOT_ALLOWED/);
		const bySelf = await appendOp(admin, g, chained(g.at, who, 'approve', { target: who.sign, ...epochFields(1, all) }));
		expect(String(bySelf.message)).toMatch(/^PROTOCOL_UNKNOWN_MEMBER/);
		// The requester may withdraw.
		expect(await appendOp(admin, g, chained(g.at, who, 'decline', { target: who.sign }))).toMatchObject({ t: 'ok' });
	});
});
