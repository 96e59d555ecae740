/**
 * §9.6 invite fetch and §9.8 reports. A newcomer proves possession of an invite key and gets
 * the op log (never messages); a revoked, expired or used-up invite gets RELAY_INVITE_INVALID.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LABEL } from '../../src/lib/core/labels.ts';
import { appendOp, createGroup, sendMessage, type TestGroup } from './fixtures/group.ts';
import { chained, epochFields, rand } from './fixtures/ops.ts';
import { identity, signWith, type TestIdentity } from '../kit/identities.ts';
import { TestClient } from './fixtures/relay.ts';
import { startRelay, type TestRelay } from '../kit/relay.ts';
import { fakeClock } from '../kit/clock.ts';

let relay: TestRelay;
let admin: TestClient;
/** The relay's clock: the expiry test moves it instead of sleeping. */
const clock = fakeClock();

beforeAll(async () => {
	relay = await startRelay({ moderator: { sign: identity().sign, box: rand(32) }, now: clock.now });
	admin = await TestClient.connect(relay.wsUrl);
});
afterAll(async () => {
	admin.close();
	await relay.stop();
});

async function withInvite(g: TestGroup, fields: Partial<{ expires: number; maxUses: number }> = {}): Promise<TestIdentity> {
	const key = identity();
	const invite = { key: key.sign, expires: Date.now() + 60_000, maxUses: 5, role: 'member', ...fields };
	expect((await appendOp(admin, g, chained(g.at, g.admin, 'invite', { invite, body: rand(64) }))).t).toBe('ok');
	return key;
}

async function fetchInvite(g: TestGroup, key: TestIdentity) {
	const newcomer = await TestClient.connect(relay.wsUrl);
	const sig = signWith(key, LABEL.inviteFetch, { challenge: newcomer.hello.challenge, group: g.group, key: key.sign });
	const reply = await newcomer.request({ t: 'invite', group: g.group, key: key.sign, sig });
	return { newcomer, reply };
}

describe('paged invite fetch', () => {
	test('P11 the invite fetch answers one page at a time; following `more` returns every op once, in order', async () => {
		const paged = await startRelay({ pageSize: 2 });
		try {
			const client = await TestClient.connect(paged.wsUrl);
			const g = await createGroup(client);
			const key = identity();
			const invite = { key: key.sign, expires: Date.now() + 60_000, maxUses: 5, role: 'member' };
			expect((await appendOp(client, g, chained(g.at, g.admin, 'invite', { invite, body: rand(64) }))).t).toBe('ok');
			for (let i = 1; i <= 4; i++) expect((await appendOp(client, g, chained(g.at, g.admin, 'rekey', epochFields(i, [g.admin.sign])))).t).toBe('ok');
			await sendMessage(client, g, g.admin, 0);
			const newcomer = await TestClient.connect(paged.wsUrl);
			const sig = signWith(key, LABEL.inviteFetch, { challenge: newcomer.hello.challenge, group: g.group, key: key.sign });
			const pages: { seq: number }[][] = [];
			let after = 0;
			for (;;) {
				const reply = await newcomer.request({ t: 'invite', group: g.group, key: key.sign, sig, after });
				expect(reply.t).toBe('ok');
				expect(reply.ops.length).toBeLessThanOrEqual(2);
				pages.push(reply.ops);
				if (!reply.more) break;
				after = reply.ops.at(-1).seq;
			}
			expect(pages.length).toBe(3);
			expect(pages.flat().map((o) => o.seq)).toEqual([1, 2, 3, 4, 5, 6]);
			client.close();
			newcomer.close();
		} finally {
			await paged.stop();
		}
	});
});

describe('invite fetch', () => {
	test('a valid invite proof returns every op of the group and no message', async () => {
		const g = await createGroup(admin);
		await sendMessage(admin, g, g.admin, 0);
		const key = await withInvite(g);
		const { newcomer, reply } = await fetchInvite(g, key);
		expect(reply.t).toBe('ok');
		expect(reply.ops.map((o: { seq: number; op: { kind: string } }) => [o.seq, o.op.kind])).toEqual([
			[1, 'genesis'],
			[3, 'invite']
		]);
		// The newcomer joins with a join op co-signed by the invite key, without anyone online.
		const joiner = identity();
		await newcomer.auth(joiner);
		const join = chained(g.at, joiner, 'join', { member: { sign: joiner.sign, box: joiner.box, role: 'member' }, invite: key.sign, ...epochFields(1, [g.admin.sign, joiner.sign]), body: rand(64) }, key);
		expect((await appendOp(newcomer, g, join)).t).toBe('ok');
		newcomer.close();
	});

	test('a proof signed over another connection’s challenge gets RELAY_INVITE_INVALID', async () => {
		const g = await createGroup(admin);
		const key = await withInvite(g);
		const newcomer = await TestClient.connect(relay.wsUrl);
		const sig = signWith(key, LABEL.inviteFetch, { challenge: admin.hello.challenge, group: g.group, key: key.sign });
		expect(await newcomer.request({ t: 'invite', group: g.group, key: key.sign, sig })).toMatchObject({ code: 'RELAY_INVITE_INVALID' });
		newcomer.close();
	});

	test('a revoked invite gets RELAY_INVITE_INVALID', async () => {
		const g = await createGroup(admin);
		const key = await withInvite(g);
		expect((await appendOp(admin, g, chained(g.at, g.admin, 'revoke', { invite: key.sign }))).t).toBe('ok');
		const { newcomer, reply } = await fetchInvite(g, key);
		expect(reply).toMatchObject({ t: 'err', code: 'RELAY_INVITE_INVALID' });
		newcomer.close();
	});

	test('an expired invite gets RELAY_INVITE_INVALID', async () => {
		const g = await createGroup(admin);
		const key = await withInvite(g, { expires: clock.now() + 300 });
		clock.advance(400);
		const { newcomer, reply } = await fetchInvite(g, key);
		expect(reply).toMatchObject({ t: 'err', code: 'RELAY_INVITE_INVALID' });
		newcomer.close();
	});

	test('a used-up invite gets RELAY_INVITE_INVALID', async () => {
		const g = await createGroup(admin);
		const key = await withInvite(g, { maxUses: 1 });
		const joiner = identity();
		const join = chained(g.at, joiner, 'join', { member: { sign: joiner.sign, box: joiner.box, role: 'member' }, invite: key.sign, ...epochFields(1, [g.admin.sign, joiner.sign]), body: rand(64) }, key);
		expect((await appendOp(admin, g, join)).t).toBe('ok');
		const { newcomer, reply } = await fetchInvite(g, key);
		expect(reply).toMatchObject({ t: 'err', code: 'RELAY_INVITE_INVALID' });
		newcomer.close();
	});
});

describe('reports', () => {
	test('a report to a group is listed for its admin and refused to a plain member with RELAY_FORBIDDEN', async () => {
		const member = identity();
		const g = await createGroup(admin, {}, identity(), [{ who: member, role: 'member' }]);
		const reporter = await TestClient.connect(relay.wsUrl);
		const sealed = [{ to: rand(32), box: rand(200) }];
		expect(await reporter.request({ t: 'report', group: g.group, sealed })).toMatchObject({ t: 'ok' });
		const list = await admin.request({ t: 'reports', as: g.admin.sign, group: g.group, after: 0 });
		expect(list).toMatchObject({ t: 'ok', reports: [{ seq: 1, sealed }] });
		await reporter.auth(member);
		expect(await reporter.request({ t: 'reports', as: member.sign, group: g.group, after: 0 })).toMatchObject({ code: 'RELAY_FORBIDDEN' });
		reporter.close();
	});

	test('reports to the deployment moderator are listed only for that key', async () => {
		const reporter = await TestClient.connect(relay.wsUrl);
		const sealed = [{ to: rand(32), box: rand(100) }];
		expect((await reporter.request({ t: 'report', sealed })).t).toBe('ok');
		const someone = identity();
		await reporter.auth(someone);
		expect(await reporter.request({ t: 'reports', as: someone.sign, after: 0 })).toMatchObject({ code: 'RELAY_FORBIDDEN' });
		reporter.close();
	});
});
