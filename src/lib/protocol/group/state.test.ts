import { beforeAll, describe, expect, test } from 'vitest';
import { fromB64, toB64 } from '../bytes.ts';
import { sodium } from '../../crypto/sodium.ts';
import { opInviteSigningBytes } from './hash.ts';
import { isProtocolError, type ProtocolCode } from '../errors.ts';
import type { Op } from '../schema.ts';
import { inviteKeys, newInvite } from '../../crypto/invite.ts';
import * as b from './build.ts';
import { applyOp, opHashB64, rekeyDue, replayLog } from './state.ts';
import { context, loadSodium, memberOf, newGroup, person, T0, TestLog, type Person } from './testkit.ts';
import type { GroupState } from './types.ts';

function expectCode(fn: () => unknown, code: ProtocolCode): void {
	try {
		fn();
	} catch (error) {
		if (isProtocolError(error)) {
			expect(error.code).toBe(code);
			return;
		}
		throw error;
	}
	throw new Error(`expected ${code}, nothing was thrown`);
}

function deepFreeze<T>(value: T): T {
	if (value && typeof value === 'object') {
		Object.values(value).forEach(deepFreeze);
		Object.freeze(value);
	}
	return value;
}

let alice: Person, bob: Person, carol: Person, dave: Person, eve: Person;

beforeAll(async () => {
	await loadSodium();
	[alice, bob, carol, dave, eve] = ['alice', 'bob', 'carol', 'dave', 'eve'].map(person) as [Person, Person, Person, Person, Person];
});

/** alice admin, bob moderator, carol member, dave listener. */
function fullGroup(settings = {}): TestLog {
	return newGroup(alice, [memberOf(bob, 'moderator'), memberOf(carol, 'member'), memberOf(dave, 'listener')], settings);
}

function invite(log: TestLog, by: Person, opts: Partial<b.InviteParams> = {}) {
	const { secret } = newInvite(log.state.group);
	const op = b.buildInvite(log.state, by, { secret, expires: log.now + 60_000, maxUses: 1, role: 'member', content: { name: 'n', description: 'd', inviter: { name: by.name } }, ...opts });
	return { secret, op, key: op.invite.key };
}

describe('genesis', () => {
	test('creates a group whose id is the genesis op hash, with the creator as admin in epoch 0', () => {
		const log = newGroup(alice, [memberOf(bob, 'member')]);
		expect(log.state.group).toBe(opHashB64(log.ops[0]!, context().primitives));
		expect(log.state.head).toBe(log.state.group);
		expect(log.state.epoch).toBe(0);
		expect(log.state.members[alice.b64]?.role).toBe('admin');
		expect(log.state.members[bob.b64]?.role).toBe('member');
		expect(log.state.commits['0']).toBe(log.ops[0]!.kind === 'genesis' ? log.ops[0]!.commit : '');
	});

	test('rejects a genesis whose creator is not among the members', () => {
		const { op } = b.buildGenesis(alice, { settings: newGroup(alice).state.settings, content: { name: '', description: '', profile: { name: '' } } });
		const forged = b.signOp<typeof op>({ ...op, members: op.members.map((m) => ({ ...m, sign: bob.b64 })), keys: [{ ...op.keys[0]!, to: bob.b64 }] }, alice);
		expectCode(() => applyOp(null, forged, context()), 'PROTOCOL_BAD_GENESIS');
	});

	test('rejects a genesis whose creator is not admin, or lists a member twice', () => {
		const { op } = b.buildGenesis(alice, { settings: newGroup(alice).state.settings, others: [memberOf(bob, 'member')], content: { name: '', description: '', profile: { name: '' } } });
		const notAdmin = b.signOp<typeof op>({ ...op, members: op.members.map((m) => ({ ...m, role: 'member' as const })) }, alice);
		expectCode(() => applyOp(null, notAdmin, context()), 'PROTOCOL_BAD_GENESIS');
		const twice = b.signOp<typeof op>({ ...op, members: [...op.members, op.members[1]!] }, alice);
		expectCode(() => applyOp(null, twice, context()), 'PROTOCOL_BAD_GENESIS');
	});

	test('rejects a log that does not start with a genesis, a second genesis, and a replayed genesis', () => {
		const log = newGroup(alice);
		const other = newGroup(bob);
		expectCode(() => applyOp(null, b.buildLeave(log.state, alice), context()), 'PROTOCOL_BAD_GENESIS');
		expectCode(() => applyOp(log.state, other.ops[0]!, context()), 'PROTOCOL_BAD_GENESIS');
		expectCode(() => applyOp(log.state, log.ops[0]!, context()), 'PROTOCOL_REPLAY');
	});

	test('rejects a genesis with epoch other than 0 or keys not addressed to the members', () => {
		const { op } = b.buildGenesis(alice, { settings: newGroup(alice).state.settings, others: [memberOf(bob, 'member')], content: { name: '', description: '', profile: { name: '' } } });
		expectCode(() => applyOp(null, b.signOp<typeof op>({ ...op, epoch: 1 }, alice), context()), 'PROTOCOL_BAD_EPOCH');
		expectCode(() => applyOp(null, b.signOp<typeof op>({ ...op, keys: op.keys.slice(0, 1) }, alice), context()), 'PROTOCOL_BAD_KEYS');
	});
});

describe('common checks', () => {
	test('P2 members control membership: an op with a flipped signature byte is rejected', () => {
		const log = fullGroup();
		const op = b.buildRole(log.state, alice, carol.b64, 'moderator');
		const sig = fromB64(op.sig);
		sig[5]! ^= 1;
		expectCode(() => applyOp(log.state, { ...op, sig: toB64(sig) }, log.ctx), 'PROTOCOL_BAD_SIGNATURE');
	});

	test('P2 members control membership: an add signed by a key outside the group is rejected', () => {
		const log = fullGroup();
		const { op } = b.buildAdd(log.state, eve, memberOf(eve, 'admin'));
		expectCode(() => applyOp(log.state, op, log.ctx), 'PROTOCOL_UNKNOWN_MEMBER');
	});

	test('P2 members control membership: an op naming an admin as author but signed by another key is rejected', () => {
		const log = fullGroup();
		const { op } = b.buildAdd(log.state, eve, memberOf(eve, 'admin'));
		expectCode(() => applyOp(log.state, { ...op, author: alice.b64 }, log.ctx), 'PROTOCOL_BAD_SIGNATURE');
	});

	test('P2 members control membership: a replayed op is rejected as a replay', () => {
		const log = fullGroup();
		log.append(b.buildRole(log.state, alice, carol.b64, 'moderator'));
		expectCode(() => applyOp(log.state, log.ops[1]!, log.ctx), 'PROTOCOL_REPLAY');
	});

	test('P2 members control membership: a second op on an already-used parent is a fork', () => {
		const log = fullGroup();
		const before = log.state;
		log.append(b.buildRole(before, alice, carol.b64, 'moderator'));
		expectCode(() => applyOp(log.state, b.buildRole(before, alice, dave.b64, 'member'), log.ctx), 'PROTOCOL_FORK');
	});

	test('P2 members control membership: an op whose parent is unknown is rejected', () => {
		const log = fullGroup();
		const op = b.buildRole(log.state, alice, carol.b64, 'moderator');
		const resigned = b.signOp<typeof op>({ ...op, parent: toB64(new Uint8Array(32).fill(7)) }, alice);
		expectCode(() => applyOp(log.state, resigned, log.ctx), 'PROTOCOL_BAD_PARENT');
	});

	test('an op from another group is rejected', () => {
		const log = fullGroup();
		const other = newGroup(alice);
		const op = b.buildRole(other.state, alice, alice.b64, 'member');
		expectCode(() => applyOp(log.state, b.signOp<typeof op>({ ...op, parent: log.state.head }, alice), log.ctx), 'PROTOCOL_BAD_FRAME');
	});

	test('an op that fails the schema is rejected with the bad path', () => {
		const log = fullGroup();
		const op = { ...b.buildLeave(log.state, carol), extra: 1 } as unknown as Op;
		expectCode(() => applyOp(log.state, op, log.ctx), 'PROTOCOL_BAD_FRAME');
		expectCode(() => applyOp(log.state, { ...b.buildLeave(log.state, carol), v: 2 } as unknown as Op, log.ctx), 'PROTOCOL_BAD_FRAME');
	});

	test('applying an op never changes the state it was given', () => {
		const log = fullGroup();
		const before = deepFreeze(structuredClone(log.state));
		const frozen = deepFreeze(structuredClone(log.state));
		const { op } = b.buildRemove(frozen, alice, carol.b64);
		const next = applyOp(frozen, op, log.ctx);
		expect(frozen).toEqual(before);
		expect(next.members[carol.b64]).toBeUndefined();
	});
});

describe('epoch fields', () => {
	test('an epoch op must name the next epoch', () => {
		const log = fullGroup();
		const { op } = b.buildRekey(log.state, carol);
		expectCode(() => applyOp(log.state, b.signOp<typeof op>({ ...op, epoch: 2 }, carol), log.ctx), 'PROTOCOL_BAD_EPOCH');
	});

	test('P5 secrecy after removal: a remove whose keys still include the removed member is rejected', () => {
		const log = fullGroup();
		const { op } = b.buildRekey(log.state, alice);
		const { op: remove } = b.buildRemove(log.state, alice, carol.b64);
		const withCarol = b.signOp<typeof remove>({ ...remove, keys: op.keys }, alice);
		expectCode(() => applyOp(log.state, withCarol, log.ctx), 'PROTOCOL_BAD_KEYS');
	});

	test('keys that miss a member, repeat one or are out of order are rejected', () => {
		const log = fullGroup();
		const { op } = b.buildRekey(log.state, alice);
		const sign = (keys: typeof op.keys) => b.signOp<typeof op>({ ...op, keys }, alice);
		expectCode(() => applyOp(log.state, sign(op.keys.slice(1)), log.ctx), 'PROTOCOL_BAD_KEYS');
		expectCode(() => applyOp(log.state, sign([...op.keys.slice(0, 3), op.keys[2]!]), log.ctx), 'PROTOCOL_BAD_KEYS');
		expectCode(() => applyOp(log.state, sign([...op.keys].reverse()), log.ctx), 'PROTOCOL_BAD_KEYS');
	});

	test('a rekey by any member starts the next epoch and records its commitment', () => {
		const log = fullGroup();
		const { op } = b.buildRekey(log.state, dave);
		log.append(op);
		expect(log.state.epoch).toBe(1);
		expect(log.state.commits['1']).toBe(op.commit);
		expect(log.state.epochStartedAt).toBe(log.now);
	});

	test('a scheduled rekey is due once the epoch is older than settings.rotate', () => {
		const log = fullGroup({ rotate: 3600 });
		expect(rekeyDue(log.state, log.now + 3_599_999)).toBe(false);
		expect(rekeyDue(log.state, log.now + 3_600_000)).toBe(true);
		expect(rekeyDue(fullGroup().state, log.now + 1e12)).toBe(false);
	});
});

describe('invites and joins', () => {
	test('a newcomer holding an active invite joins with its role, and the use is counted', () => {
		const log = fullGroup();
		const inv = invite(log, alice, { role: 'listener', maxUses: 2 });
		log.append(inv.op);
		const { op } = b.buildJoin(log.state, eve, inv.secret, { profile: { name: 'Eve' } });
		log.append(op);
		expect(log.state.members[eve.b64]).toMatchObject({ role: 'listener', since: 1 });
		expect(log.state.invites[inv.key]?.uses).toBe(1);
		expect(log.state.epoch).toBe(1);
	});

	test.each([
		['admins', 'carol', 'PROTOCOL_NOT_ALLOWED'],
		['members', 'carol', 'no error'],
		['members', 'dave', 'PROTOCOL_NOT_ALLOWED']
	] as const)('with invite=%s, %s creating an invite gives %s', (who, name, code) => {
		const log = fullGroup({ invite: who });
		const by = { carol, dave }[name];
		const { op } = invite(log, by);
		if (code !== 'no error') expectCode(() => applyOp(log.state, op, log.ctx), code);
		else expect(applyOp(log.state, op, log.ctx).invites[op.invite.key]?.author).toBe(by.b64);
	});

	test('a listener invite is refused when the group does not allow listeners', () => {
		const log = fullGroup({ listeners: false });
		expectCode(() => applyOp(log.state, invite(log, alice, { role: 'listener' }).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
	});

	test('an invite that has already expired cannot be created', () => {
		const log = fullGroup();
		expectCode(() => log.append(invite(log, alice, { expires: log.now }).op), 'PROTOCOL_INVITE_INVALID');
	});

	test('a leaked invite gets nothing after it expires', () => {
		const log = fullGroup();
		const inv = invite(log, alice);
		log.append(inv.op);
		const { op } = b.buildJoin(log.state, eve, inv.secret, { profile: { name: 'Eve' } });
		expectCode(() => applyOp(log.state, op, context(inv.op.invite.expires)), 'PROTOCOL_INVITE_INVALID');
		expect(applyOp(log.state, op, context(inv.op.invite.expires - 1)).members[eve.b64]).toBeDefined();
	});

	test('a leaked invite gets nothing after it is revoked', () => {
		const log = fullGroup();
		const inv = invite(log, alice);
		log.append(inv.op);
		const { op } = b.buildJoin(log.state, eve, inv.secret, { profile: { name: 'Eve' } });
		log.append(b.buildRevoke(log.state, alice, inv.key));
		const rebuilt = b.buildJoin(log.state, eve, inv.secret, { profile: { name: 'Eve' } }).op;
		expectCode(() => applyOp(log.state, rebuilt, log.ctx), 'PROTOCOL_INVITE_INVALID');
		expectCode(() => applyOp(log.state, op, log.ctx), 'PROTOCOL_FORK');
	});

	test('an invite used up cannot admit one more person', () => {
		const log = fullGroup();
		const inv = invite(log, alice, { maxUses: 1 });
		log.append(inv.op);
		log.append(b.buildJoin(log.state, eve, inv.secret, { profile: { name: 'Eve' } }).op);
		const { op } = b.buildJoin(log.state, person('frank'), inv.secret, { profile: { name: 'Frank' } });
		expectCode(() => applyOp(log.state, op, log.ctx), 'PROTOCOL_INVITE_INVALID');
	});

	test('a join without the invite key\'s signature is rejected', () => {
		const log = fullGroup();
		const inv = invite(log, alice);
		log.append(inv.op);
		const { op } = b.buildJoin(log.state, eve, inv.secret, { profile: { name: 'Eve' } });
		expectCode(() => applyOp(log.state, { ...op, inviteSig: op.sig }, log.ctx), 'PROTOCOL_BAD_SIGNATURE');
	});

	test('a join for an invite that is not in the log, or asking for a higher role, is rejected', () => {
		const log = fullGroup();
		const inv = invite(log, alice, { role: 'listener' });
		expectCode(() => b.buildJoin(log.state, eve, inv.secret, { profile: { name: 'Eve' } }), 'PROTOCOL_INVITE_INVALID');
		log.append(inv.op);
		const { op } = b.buildJoin(log.state, eve, inv.secret, { profile: { name: 'Eve' } });
		const promoted = b.signOp<typeof op>({ ...op, member: { ...op.member, role: 'member' } }, eve);
		expectCode(() => applyOp(log.state, promoted, log.ctx), 'PROTOCOL_BAD_SIGNATURE');
		const keys = inviteKeys(inv.secret, log.state.group);
		promoted.inviteSig = toB64(sodium().crypto_sign_detached(opInviteSigningBytes(promoted), keys.signSk));
		expectCode(() => applyOp(log.state, promoted, log.ctx), 'PROTOCOL_NOT_ALLOWED');
	});

	test('only an admin or the invite\'s author may revoke it', () => {
		const log = fullGroup({ invite: 'members' });
		const inv = invite(log, carol);
		log.append(inv.op);
		expectCode(() => applyOp(log.state, b.buildRevoke(log.state, bob, inv.key), log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expect(applyOp(log.state, b.buildRevoke(log.state, carol, inv.key), log.ctx).invites[inv.key]?.revoked).toBe(true);
		log.append(b.buildRevoke(log.state, alice, inv.key));
		expectCode(() => applyOp(log.state, b.buildRevoke(log.state, alice, inv.key), log.ctx), 'PROTOCOL_INVITE_INVALID');
	});
});

describe('remove, leave and roles', () => {
	test('P2 members control membership: an admin removes anyone but themself; the removed member\'s invites die with it', () => {
		const log = fullGroup({ invite: 'members' });
		const inv = invite(log, carol);
		log.append(inv.op);
		log.append(b.buildRemove(log.state, alice, carol.b64).op);
		expect(log.state.members[carol.b64]).toBeUndefined();
		expect(log.state.invites[inv.key]?.revoked).toBe(true);
		expectCode(() => applyOp(log.state, b.buildRemove(log.state, alice, alice.b64).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expectCode(() => applyOp(log.state, b.buildRemove(log.state, alice, carol.b64).op, log.ctx), 'PROTOCOL_UNKNOWN_MEMBER');
	});

	test.each([
		['bob', 'carol', 'no error'],
		['bob', 'dave', 'no error'],
		['bob', 'alice', 'PROTOCOL_NOT_ALLOWED'],
		['carol', 'dave', 'PROTOCOL_NOT_ALLOWED'],
		['dave', 'carol', 'PROTOCOL_NOT_ALLOWED']
	] as const)('P2 members control membership: %s removing %s gives %s', (by, target, code) => {
		const log = fullGroup();
		const who = { alice, bob, carol, dave } as const;
		const { op } = b.buildRemove(log.state, who[by], who[target].b64);
		if (code === 'no error') expect(applyOp(log.state, op, log.ctx).members[who[target].b64]).toBeUndefined();
		else expectCode(() => applyOp(log.state, op, log.ctx), code);
	});

	test('after a leave only an op that starts a new epoch (or another leave) is accepted, and a rekey clears it', () => {
		const log = fullGroup();
		log.append(b.buildLeave(log.state, carol));
		expect(log.state.needsRekey).toBe(true);
		expect(rekeyDue(log.state, log.now)).toBe(true);
		expectCode(() => applyOp(log.state, b.buildRole(log.state, alice, dave.b64, 'member'), log.ctx), 'PROTOCOL_STALE_EPOCH');
		const { op } = b.buildRekey(log.state, bob);
		expect(op.keys.map((k) => k.to)).not.toContain(carol.b64);
		log.append(op);
		expect(log.state.needsRekey).toBe(false);
		expect(() => log.append(b.buildRole(log.state, alice, dave.b64, 'member'))).not.toThrow();
	});

	test('a former member can no longer author ops', () => {
		const log = fullGroup();
		const before = log.state;
		log.append(b.buildLeave(before, carol));
		log.append(b.buildRekey(log.state, alice).op);
		expectCode(() => applyOp(log.state, b.buildRekey(log.state, carol).op, log.ctx), 'PROTOCOL_UNKNOWN_MEMBER');
	});

	test('when the last admin leaves, the longest-standing member of the highest role becomes admin', () => {
		const log = fullGroup();
		log.append(b.buildLeave(log.state, alice));
		expect(log.state.members[bob.b64]?.role).toBe('admin');
		log.append(b.buildRekey(log.state, bob).op);
		log.append(b.buildLeave(log.state, bob));
		expect(log.state.members[carol.b64]?.role).toBe('admin');
	});

	test('the last admin may not demote themself, but may once another admin exists', () => {
		const log = fullGroup();
		expectCode(() => applyOp(log.state, b.buildRole(log.state, alice, alice.b64, 'member'), log.ctx), 'PROTOCOL_NOT_ALLOWED');
		log.append(b.buildRole(log.state, alice, carol.b64, 'admin'));
		log.append(b.buildRole(log.state, alice, alice.b64, 'member'));
		expect(log.state.members[alice.b64]?.role).toBe('member');
	});

	test.each([
		['dave', 'dave', 'member', true, 'no error'],
		['dave', 'dave', 'member', false, 'PROTOCOL_NOT_ALLOWED'],
		['dave', 'dave', 'moderator', true, 'PROTOCOL_NOT_ALLOWED'],
		['carol', 'carol', 'admin', true, 'PROTOCOL_NOT_ALLOWED'],
		['carol', 'carol', 'listener', true, 'no error'],
		['bob', 'carol', 'moderator', true, 'PROTOCOL_NOT_ALLOWED'],
		['alice', 'dave', 'moderator', true, 'no error'],
		['alice', 'carol', 'member', true, 'PROTOCOL_NOT_ALLOWED']
	] as const)('%s setting %s to %s (listenersMaySpeak %s) gives %s', (by, target, role, listenersMaySpeak, code) => {
		const log = fullGroup({ listenersMaySpeak });
		const who = { alice, bob, carol, dave } as const;
		const op = b.buildRole(log.state, who[by], who[target].b64, role);
		if (code === 'no error') expect(applyOp(log.state, op, log.ctx).members[who[target].b64]?.role).toBe(role);
		else expectCode(() => applyOp(log.state, op, log.ctx), code);
	});

	test('only an admin changes settings, and never the pair flag', () => {
		const log = fullGroup();
		const metaKey = new Uint8Array(32);
		const content = { name: 'Renamed', description: '' };
		const settings = { ...log.state.settings, retention: 86400 };
		expectCode(() => applyOp(log.state, b.buildSettings(log.state, bob, settings, content, metaKey), log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expectCode(() => applyOp(log.state, b.buildSettings(log.state, alice, { ...settings, pair: true }, content, metaKey), log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expect(applyOp(log.state, b.buildSettings(log.state, alice, settings, content, metaKey), log.ctx).settings.retention).toBe(86400);
	});

	test('a moderator hides a message for everyone; a member or listener may not', () => {
		const log = fullGroup();
		expectCode(() => applyOp(log.state, b.buildHide(log.state, carol, 7), log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expectCode(() => applyOp(log.state, b.buildHide(log.state, dave, 7), log.ctx), 'PROTOCOL_NOT_ALLOWED');
		log.append(b.buildHide(log.state, bob, 7));
		expect(log.state.hidden).toEqual([7]);
	});

	test('an admin adds a member directly; a moderator may not', () => {
		const log = fullGroup();
		expectCode(() => applyOp(log.state, b.buildAdd(log.state, bob, memberOf(eve, 'member')).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
		log.append(b.buildAdd(log.state, alice, memberOf(eve, 'member')).op);
		expect(log.state.members[eve.b64]?.since).toBe(1);
		expectCode(() => applyOp(log.state, b.buildAdd(log.state, alice, memberOf(eve, 'member')).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
	});
});

describe('one-to-one pairs', () => {
	function pair(): TestLog {
		return new TestLog(b.buildPair(alice, memberOf(bob, 'member'), { name: '', description: '', profile: { name: 'Sponsor' } }, { at: T0 }));
	}

	test('a pair has exactly two members and no admin', () => {
		const log = pair();
		expect(Object.values(log.state.members).map((m) => m.role)).toEqual(['member', 'member']);
		const { op } = b.buildGenesis(alice, { settings: log.state.settings, others: [memberOf(bob, 'member'), memberOf(carol, 'member')], content: { name: '', description: '', profile: { name: '' } } });
		expectCode(() => applyOp(null, op, context()), 'PROTOCOL_BAD_GENESIS');
	});

	test('a pair refuses invites, adds, role changes, settings and leaving', () => {
		const log = pair();
		expectCode(() => applyOp(log.state, invite(log, alice).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expectCode(() => applyOp(log.state, b.buildAdd(log.state, alice, memberOf(carol, 'member')).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expectCode(() => applyOp(log.state, b.buildRole(log.state, alice, alice.b64, 'listener'), log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expectCode(() => applyOp(log.state, b.buildSettings(log.state, alice, log.state.settings, { name: '', description: '' }, new Uint8Array(32)), log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expectCode(() => applyOp(log.state, b.buildLeave(log.state, alice), log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expectCode(() => applyOp(log.state, b.buildRemove(log.state, alice, bob.b64).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
	});

	test('either side ends a pair, after which no op is accepted', () => {
		const log = pair();
		log.append(b.buildRekey(log.state, bob).op);
		log.append(b.buildEnd(log.state, bob));
		expect(log.state.ended).toBe(true);
		expectCode(() => applyOp(log.state, b.buildRekey(log.state, alice).op, log.ctx), 'PROTOCOL_GROUP_ENDED');
		expectCode(() => applyOp(log.state, b.buildEnd(log.state, alice), log.ctx), 'PROTOCOL_GROUP_ENDED');
	});

	test('a group that is not a pair cannot be ended', () => {
		const log = fullGroup();
		expectCode(() => applyOp(log.state, b.buildEnd(log.state, alice), log.ctx), 'PROTOCOL_NOT_ALLOWED');
	});
});

describe('replaying a log', () => {
	test('two clients replaying the same log compute the same state', () => {
		const log = fullGroup();
		log.append(b.buildRole(log.state, alice, carol.b64, 'moderator'));
		log.append(b.buildRemove(log.state, carol, dave.b64).op);
		const times = [T0, T0 + 1000, T0 + 2000];
		const replayed: GroupState = replayLog(log.ops, (i) => context(times[i]));
		expect(replayed).toEqual(log.state);
	});
});
