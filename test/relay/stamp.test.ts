/**
 * P8 relay side (§6.2, §9.7): the relay stamps each message's commitment under its own
 * secret; a stamp verifies for a moderator and fails when any stamped field is changed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appendOp, createGroup, sendMessage, type TestGroup } from './fixtures/group.ts';
import { chained, genesis, rand } from './fixtures/ops.ts';
import { identity } from '../kit/identities.ts';
import { TestClient, type AnyFrame } from './fixtures/relay.ts';
import { startRelay, tempDir, type TestRelay } from '../kit/relay.ts';
import { pairMetTag } from '../../server/stamp.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';

const deploymentModerator = identity();
let relay: TestRelay;
let client: TestClient;
let g: TestGroup;
let member: ReturnType<typeof identity>;
let ack: AnyFrame;
let entry: AnyFrame;

beforeAll(async () => {
	relay = await startRelay({ moderator: { sign: deploymentModerator.sign, box: rand(32) } });
	client = await TestClient.connect(relay.wsUrl);
	member = identity();
	g = await createGroup(client, {}, identity(), [{ who: member, role: 'member' }]);
	await client.auth(member);
	await client.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 1 });
	ack = await sendMessage(client, g, member, 0);
	entry = await client.waitFor((f) => f.t === 'entry' && f.seq === ack.seq);
});
afterAll(async () => {
	client.close();
	await relay.stop();
});

/**
 * A pair (a, b) whose genesis carries the tag of `met` under a fresh s (none when `met` is
 * undefined), one message of b in it, and the verify frame a moderator of `met` would send.
 */
async function pairWithMessage(on: TestRelay, met: string | undefined, moderator: ReturnType<typeof identity> = g.admin) {
	const [a, b] = [identity(), identity()];
	const s = rand(32);
	const c = await TestClient.connect(on.wsUrl);
	const settings = { retention: 0, rotate: 0, invite: 'admins' as const, listeners: false, listenersMaySpeak: false, pair: true, ...(met ? { met: toB64(pairMetTag(met, s)) } : {}) };
	const pair = await createGroup(c, settings, a, [{ who: b, role: 'member' }]);
	await c.auth(b);
	await c.request({ t: 'sub', group: pair.group, as: b.sign, after: 1 });
	const sent = await sendMessage(c, pair, b, 0);
	const delivered = await c.waitFor((f) => f.t === 'entry' && f.seq === sent.seq);
	c.close();
	const asked = { t: 'verify', as: moderator.sign, via: met ?? rand(32), s, group: pair.group, seq: delivered.seq, ts: delivered.ts, sender: b.sign, c: delivered.entry.msg.c, stamp: delivered.stamp };
	return { asked, pair, a, b };
}

const presented = () => ({
	t: 'verify',
	as: g.admin.sign,
	group: g.group,
	seq: entry.seq,
	ts: entry.ts,
	sender: entry.entry.msg.sender,
	c: entry.entry.msg.c,
	stamp: entry.stamp
});

describe('P8 franking stamps on the relay', () => {
	test('P8 the stamp delivered with a message verifies for an admin of the group', async () => {
		expect(entry.stamp).toBe(ack.stamp);
		expect(await client.request(presented())).toMatchObject({ t: 'ok', valid: true });
	});

	test.each([
		['commitment', { c: rand(32) }],
		['sender', { sender: identity().sign }],
		['group', { group: rand(32) }],
		['sequence', { seq: 999 }],
		['timestamp', { ts: 1 }],
		['stamp', { stamp: rand(32) }]
	])('P8 a stamp with a changed %s does not verify', async (_field, change) => {
		const frame = { ...presented(), ...change };
		const reply = await client.request(frame);
		if (frame.group !== g.group) expect(reply).toMatchObject({ t: 'err', code: 'RELAY_NO_GROUP' });
		else expect(reply).toMatchObject({ t: 'ok', valid: false });
	});

	test('P8 the deployment moderator verifies stamps of any group, even one it is not in', async () => {
		const mod = await TestClient.connect(relay.wsUrl);
		expect(mod.hello.moderator).toEqual({ sign: deploymentModerator.sign, box: expect.any(String) });
		await mod.auth(deploymentModerator);
		expect(await mod.request({ ...presented(), as: deploymentModerator.sign })).toMatchObject({ t: 'ok', valid: true });
		expect(await mod.request({ ...presented(), as: deploymentModerator.sign, group: rand(32) })).toMatchObject({ t: 'ok', valid: false });
		mod.close();
	});

	test('P8 a pair’s stamps are checked only by a moderator of the met group who holds s (§9.7, §6.3 "Reports from a pair"); everyone else gets one same refusal', async () => {
		const { asked, pair, a } = await pairWithMessage(relay, g.group);
		const mod = await TestClient.connect(relay.wsUrl);
		await mod.auth(g.admin);
		await mod.auth(member);
		expect(await mod.request(asked)).toMatchObject({ t: 'ok', valid: true });
		expect(await mod.request({ ...asked, sender: a.sign })).toMatchObject({ t: 'ok', valid: false });
		expect(await mod.request({ ...asked, stamp: rand(32) })).toMatchObject({ t: 'ok', valid: false });
		const untagged = await pairWithMessage(relay, undefined);
		const refusals = [
			['without s', { ...asked, s: undefined }],
			['s without via', { ...asked, via: undefined }],
			['a wrong s', { ...asked, s: rand(32) }],
			['another group as via (not the met group)', { ...asked, via: pair.group }],
			['an unknown via', { ...asked, via: rand(32) }],
			['a non-moderator as (a plain member of the met group)', { ...asked, as: member.sign }],
			['a group that is not a pair', { ...asked, group: g.group, sender: entry.entry.msg.sender, seq: entry.seq, ts: entry.ts, c: entry.entry.msg.c, stamp: entry.stamp }],
			['an unknown group', { ...asked, group: rand(32) }],
			['a pair with no met tag (made from an out-of-band code)', { ...untagged.asked, s: asked.s }]
		] as const;
		const answers = [];
		for (const [why, frame] of refusals) {
			const reply = await mod.request(JSON.parse(JSON.stringify(frame)));
			expect(reply, why).toMatchObject({ t: 'err', code: 'RELAY_FORBIDDEN' });
			answers.push({ ...reply, re: undefined });
		}
		// No oracle: the very same answer whether the id is a pair, a group or nothing at all.
		expect(new Set(answers.map((x) => JSON.stringify(x))).size).toBe(1);
		mod.close();
	});

	test('P8 there is no keyless verify: an outsider holding a pair message, its stamp and s gets nothing', async () => {
		const { asked } = await pairWithMessage(relay, g.group);
		const outsider = await TestClient.connect(relay.wsUrl);
		const { as: _as, ...keyless } = asked;
		expect(await outsider.request(keyless)).toMatchObject({ t: 'err', code: 'RELAY_BAD_FRAME' });
		// Not authenticated as the moderator key it names:
		expect(await outsider.request(asked)).toMatchObject({ t: 'err', code: 'RELAY_NOT_AUTHENTICATED' });
		// A group of their own, with themselves as admin, opens nothing: the tag names the met group.
		const own = await createGroup(outsider, {}, identity());
		expect(await outsider.request({ ...asked, as: own.admin.sign, via: own.group })).toMatchObject({ t: 'err', code: 'RELAY_FORBIDDEN' });
		outsider.close();
	});

	test('settings.met exists only in a pair’s genesis (§3.2): a group’s genesis or settings op carrying it is refused', async () => {
		const c = await TestClient.connect(relay.wsUrl);
		const admin = identity();
		await c.auth(admin);
		const { op, group } = genesis(admin, { met: rand(32) });
		expect(await c.request({ t: 'append', group, mid: rand(16), entry: { op } })).toMatchObject({ t: 'err', code: 'RELAY_INVALID_OP', message: expect.stringContaining('settings.met') });
		const plain = await createGroup(c, {}, admin);
		const settings = chained(plain.at, admin, 'settings', { settings: { retention: 60, rotate: 0, invite: 'admins', listeners: false, listenersMaySpeak: false, pair: false, met: rand(32) }, body: rand(64) });
		expect(await appendOp(c, plain, settings)).toMatchObject({ t: 'err', code: 'RELAY_INVALID_OP', message: expect.stringContaining('settings.met') });
		c.close();
	});

	test('P8 a pair’s stamp checks are rate-limited per moderator key, apart from its other checks (L3)', async () => {
		const limited = await startRelay({ keyRate: { perSecond: 0.001, burst: 2 } });
		try {
			const setup = await TestClient.connect(limited.wsUrl);
			const met = await createGroup(setup, {}, identity());
			setup.close();
			const { asked } = await pairWithMessage(limited, met.group, met.admin);
			const mod = await TestClient.connect(limited.wsUrl);
			await mod.auth(met.admin);
			expect(await mod.request(asked)).toMatchObject({ t: 'ok', valid: true });
			expect(await mod.request(asked)).toMatchObject({ t: 'ok', valid: true });
			expect(await mod.request(asked)).toMatchObject({ t: 'err', code: 'RELAY_RATE_LIMITED' });
			mod.close();
		} finally {
			await limited.stop();
		}
	});

	test('P8 a plain member cannot use the relay as a stamp oracle: RELAY_FORBIDDEN', async () => {
		expect(await client.request({ ...presented(), as: member.sign })).toMatchObject({ t: 'err', code: 'RELAY_FORBIDDEN' });
	});

	test('P8 the stamp secret is kept in DATA_DIR, so stamps still verify after a restart', async () => {
		const dataDir = tempDir();
		const first = await startRelay({ dataDir }, true);
		const a = await TestClient.connect(first.wsUrl);
		const group = await createGroup(a);
		const sent = await sendMessage(a, group, group.admin, 0);
		a.close();
		await first.stop();
		const second = await startRelay({ dataDir });
		const b = await TestClient.connect(second.wsUrl);
		await b.auth(group.admin);
		const frame = { t: 'verify', as: group.admin.sign, group: group.group, seq: sent.seq, ts: sent.ts, sender: group.admin.sign, stamp: sent.stamp };
		await b.request({ t: 'sub', group: group.group, as: group.admin.sign, after: 1 });
		const c = (await b.waitFor((f) => f.t === 'entry')).entry.msg.c;
		expect(await b.request({ ...frame, c })).toMatchObject({ t: 'ok', valid: true });
		b.close();
		await second.stop();
	});
});
