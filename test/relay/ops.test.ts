/**
 * Op authorization on the relay uses the shared state machine (§3) with node:crypto: the relay
 * stores only ops that every client will accept, and answers races with RELAY_CONFLICT.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chained, epochFields, genesis, mid, opHash, rand } from './fixtures/ops.ts';
import { identity } from '../kit/identities.ts';
import { appendOp, createGroup } from './fixtures/group.ts';
import { TestClient } from './fixtures/relay.ts';
import { startRelay, type TestRelay } from '../kit/relay.ts';

let relay: TestRelay;
let client: TestClient;
beforeAll(async () => {
	relay = await startRelay();
	client = await TestClient.connect(relay.wsUrl);
});
afterAll(async () => {
	client.close();
	await relay.stop();
});

describe('group ops on the relay', () => {
	test('a genesis must be appended under its own op hash: RELAY_INVALID_OP otherwise', async () => {
		const { op } = genesis(identity());
		const reply = await client.request({ t: 'append', group: rand(32), mid: mid(), entry: { op } });
		expect(reply).toMatchObject({ t: 'err', code: 'RELAY_INVALID_OP' });
	});

	test('a second genesis for an existing group is refused with RELAY_GROUP_EXISTS', async () => {
		const admin = identity();
		const { op, group } = genesis(admin);
		expect((await client.request({ t: 'append', group, mid: mid(), entry: { op } })).t).toBe('ok');
		expect(await client.request({ t: 'append', group, mid: mid(), entry: { op } })).toMatchObject({ t: 'err', code: 'RELAY_GROUP_EXISTS' });
	});

	test('an op signed by someone other than its author is refused with RELAY_INVALID_OP naming PROTOCOL_BAD_SIGNATURE', async () => {
		const g = await createGroup(client);
		const op = chained(g.at, g.admin, 'settings', { settings: { retention: 60, rotate: 0, invite: 'admins', listeners: true, listenersMaySpeak: true, pair: false }, body: rand(64) });
		const forged = { ...op, sig: chained(g.at, identity(), 'leave').sig };
		const reply = await appendOp(client, g, forged);
		expect(reply).toMatchObject({ t: 'err', code: 'RELAY_INVALID_OP' });
		expect(reply.message).toContain('PROTOCOL_BAD_SIGNATURE');
	});

	test('an add by a non-admin is refused with RELAY_INVALID_OP naming PROTOCOL_NOT_ALLOWED', async () => {
		const member = identity();
		const g = await createGroup(client, {}, identity(), [{ who: member, role: 'member' }]);
		const newcomer = identity();
		const op = chained(g.at, member, 'add', {
			member: { sign: newcomer.sign, box: newcomer.box, role: 'member' },
			...epochFields(1, [g.admin.sign, member.sign, newcomer.sign])
		});
		const reply = await appendOp(client, g, op);
		expect(reply).toMatchObject({ t: 'err', code: 'RELAY_INVALID_OP' });
		expect(reply.message).toContain('PROTOCOL_NOT_ALLOWED');
	});

	test('P11 relay robustness: a listener\'s rekey is refused with RELAY_INVALID_OP naming PROTOCOL_NOT_ALLOWED', async () => {
		const listener = identity();
		const g = await createGroup(client, {}, identity(), [{ who: listener, role: 'listener' }]);
		const reply = await appendOp(client, g, chained(g.at, listener, 'rekey', epochFields(1, [g.admin.sign, listener.sign])));
		expect(reply).toMatchObject({ t: 'err', code: 'RELAY_INVALID_OP' });
		expect(reply.message).toContain('PROTOCOL_NOT_ALLOWED');
		expect((await appendOp(client, g, chained(g.at, g.admin, 'rekey', epochFields(1, [g.admin.sign, listener.sign])))).t).toBe('ok');
	});

	test('of two ops naming the same parent the first is stored and the second gets RELAY_CONFLICT with the head', async () => {
		const other = identity();
		const g = await createGroup(client, {}, identity(), [{ who: other, role: 'admin' }]);
		const base = { ...g.at };
		const first = chained(base, g.admin, 'rekey', epochFields(1, [g.admin.sign, other.sign]));
		const second = chained(base, other, 'rekey', epochFields(1, [g.admin.sign, other.sign]));
		const [a, b] = await Promise.all([
			client.request({ t: 'append', group: g.group, mid: mid(), entry: { op: first } }),
			client.request({ t: 'append', group: g.group, mid: mid(), entry: { op: second } })
		]);
		expect(a).toMatchObject({ t: 'ok' });
		expect(b).toMatchObject({ t: 'err', code: 'RELAY_CONFLICT', head: opHash(first) });
		// The loser rebases on the new head and succeeds.
		const rebased = chained({ group: g.group, head: b.head }, other, 'rekey', epochFields(2, [g.admin.sign, other.sign]));
		expect((await client.request({ t: 'append', group: g.group, mid: mid(), entry: { op: rebased } })).t).toBe('ok');
	});

	test('a replayed op is refused with RELAY_INVALID_OP naming PROTOCOL_REPLAY', async () => {
		const g = await createGroup(client);
		const op = chained(g.at, g.admin, 'rekey', epochFields(1, [g.admin.sign]));
		expect((await appendOp(client, g, op)).t).toBe('ok');
		const reply = await client.request({ t: 'append', group: g.group, mid: mid(), entry: { op } });
		expect(reply).toMatchObject({ t: 'err', code: 'RELAY_INVALID_OP' });
		expect(reply.message).toContain('PROTOCOL_REPLAY');
	});
});
