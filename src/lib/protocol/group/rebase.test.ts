import { nodePrimitives } from '../../../../server/primitives.ts';
import { beforeAll, describe, expect, test } from 'vitest';
import { openEpochSecret } from '../../crypto/epoch.ts';
import * as b from './build.ts';
import { rebaseOp } from './rebase.ts';
import { applyOp, replayLog } from './state.ts';
import { context, loadSodium, memberOf, newGroup, person, T0, type Person } from './testkit.ts';
import { expectCode } from '../../../../test/kit/expect-code.ts';

// The relay's real implementation (node:crypto plus libsodium's pre-checks), not a copy of it.

let alice: Person, bob: Person, carol: Person, eve: Person;

beforeAll(async () => {
	await loadSodium();
	[alice, bob, carol, eve] = ['alice', 'bob', 'carol', 'eve'].map(person) as [Person, Person, Person, Person];
});

describe('two admins acting at once', () => {
	test('the loser sees a fork if shown both, then rebases on the relay\'s head and both changes land', () => {
		const log = newGroup(alice, [memberOf(bob, 'admin'), memberOf(carol, 'member')]);
		const base = log.state;
		const first = b.buildRemove(base, alice, carol.b64);
		const second = b.buildAdd(base, bob, memberOf(eve, 'member'));
		log.append(first.op);
		expectCode(() => applyOp(log.state, second.op, log.ctx), 'PROTOCOL_FORK');
		const rebased = rebaseOp(log.state, bob, { kind: 'add', member: memberOf(eve, 'member') }, log.ctx);
		expect(rebased.op.kind === 'add' && rebased.op.parent).toBe(log.state.head);
		log.append(rebased.op);
		expect(Object.keys(log.state.members).sort()).toEqual([alice.b64, bob.b64, eve.b64].sort());
		expect(log.state.epoch).toBe(2);
		// The rebased keys go to the members as they are now: eve can open, carol (removed meanwhile) has none.
		expect(openEpochSecret(rebased.op as never, log.state.group, { sign: eve.b64, boxPk: eve.boxPk, boxSk: eve.boxSk })).toEqual(rebased.secret);
		expectCode(() => openEpochSecret(rebased.op as never, log.state.group, { sign: carol.b64, boxPk: carol.boxPk, boxSk: carol.boxSk }), 'PROTOCOL_BAD_KEYS');
	});

	test('a rebase that no longer makes sense fails with the rule\'s code and posts nothing', () => {
		const log = newGroup(alice, [memberOf(bob, 'admin'), memberOf(carol, 'member')]);
		log.append(b.buildRemove(log.state, alice, carol.b64).op);
		expectCode(() => rebaseOp(log.state, bob, { kind: 'remove', target: carol.b64 }, log.ctx), 'PROTOCOL_UNKNOWN_MEMBER');
		log.append(b.buildRole(log.state, alice, bob.b64, 'member'));
		expectCode(() => rebaseOp(log.state, bob, { kind: 'add', member: memberOf(eve, 'member') }, log.ctx), 'PROTOCOL_NOT_ALLOWED');
	});

	test('a settings change written under an older epoch is re-sealed under the current meta key when rebased', () => {
		const log = newGroup(alice, [memberOf(bob, 'admin')]);
		const rekey = b.buildRekey(log.state, alice);
		log.append(rekey.op);
		const metaKey = b.metaKeyOf(rekey.secret, log.state.group);
		const intent = { kind: 'settings' as const, settings: { ...log.state.settings, retention: 60 }, content: { name: 'New', description: '' } };
		const { op } = rebaseOp(log.state, bob, intent, log.ctx, { metaKey });
		expect(op.kind).toBe('settings');
	});
});

describe('the relay and the client agree', () => {
	test('replaying a log with node:crypto gives exactly the state libsodium gives', () => {
		const log = newGroup(alice, [memberOf(bob, 'member'), memberOf(carol, 'member')]);
		log.append(b.buildRole(log.state, alice, carol.b64, 'moderator'));
		log.append(b.buildRemove(log.state, carol, bob.b64).op);
		const times = [T0, T0 + 1000, T0 + 2000];
		const relay = replayLog(log.ops, (i) => ({ now: times[i]!, primitives: nodePrimitives }));
		expect(relay).toEqual(log.state);
		expect(replayLog(log.ops, (i) => context(times[i]))).toEqual(relay);
	});

	test('node:crypto rejects a forged signature just as libsodium does', () => {
		const log = newGroup(alice, [memberOf(bob, 'member')]);
		const op = b.buildRole(log.state, alice, bob.b64, 'moderator');
		const forged = { ...op, role: 'admin' as const };
		expectCode(() => applyOp(log.state, forged, { now: T0, primitives: nodePrimitives }), 'PROTOCOL_BAD_SIGNATURE');
		expectCode(() => applyOp(log.state, forged, context()), 'PROTOCOL_BAD_SIGNATURE');
	});
});
