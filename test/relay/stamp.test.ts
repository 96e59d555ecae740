/**
 * P8 relay side (§6.2, §9.7): the relay stamps each message's commitment under its own
 * secret; a stamp verifies for a moderator and fails when any stamped field is changed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createGroup, sendMessage, type TestGroup } from './fixtures/group.ts';
import { rand } from './fixtures/ops.ts';
import { identity } from '../kit/identities.ts';
import { TestClient, type AnyFrame } from './fixtures/relay.ts';
import { startRelay, tempDir, type TestRelay } from '../kit/relay.ts';

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

	test('P8 a pair’s stamps are checked without a key (§9.7, §6.3 "Reports from a pair"); any other group’s are not, and an unknown group gets the same answer', async () => {
		const [a, b] = [identity(), identity()];
		const pairClient = await TestClient.connect(relay.wsUrl);
		const pair = await createGroup(pairClient, { retention: 0, rotate: 0, invite: 'admins', listeners: false, listenersMaySpeak: false, pair: true }, a, [{ who: b, role: 'member' }]);
		await pairClient.auth(b);
		await pairClient.request({ t: 'sub', group: pair.group, as: b.sign, after: 1 });
		const sent = await sendMessage(pairClient, pair, b, 0);
		const delivered = await pairClient.waitFor((f) => f.t === 'entry' && f.seq === sent.seq);
		pairClient.close();
		const keyless = await TestClient.connect(relay.wsUrl);
		const asked = { t: 'verify', group: pair.group, seq: delivered.seq, ts: delivered.ts, sender: b.sign, c: delivered.entry.msg.c, stamp: delivered.stamp };
		expect(await keyless.request(asked)).toMatchObject({ t: 'ok', valid: true });
		expect(await keyless.request({ ...asked, sender: a.sign })).toMatchObject({ t: 'ok', valid: false });
		expect(await keyless.request({ ...asked, stamp: rand(32) })).toMatchObject({ t: 'ok', valid: false });
		const { as: _as, ...groupStamp } = presented();
		const refused = await keyless.request(groupStamp);
		expect(refused).toMatchObject({ t: 'err', code: 'RELAY_FORBIDDEN' });
		const unknown = await keyless.request({ ...groupStamp, group: rand(32) });
		expect(unknown).toEqual({ ...refused, re: unknown.re });
		keyless.close();
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
