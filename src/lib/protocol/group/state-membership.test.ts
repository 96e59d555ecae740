/** The group log state machine: invites and joins, removal, leaving and roles, one-to-one pairs. */
import { beforeAll, describe, expect, test } from 'vitest';
import { toB64 } from '../../core/bytes.ts';
import { sodium } from '../../crypto/sodium.ts';
import { opInviteSigningBytes } from './hash.ts';
import { inviteKeys } from '../../crypto/invite.ts';
import * as b from './build.ts';
import { applyOp, rekeyDue, replayLog } from './state.ts';
import { context, memberOf, person, T0, TestLog } from './testkit.ts';
import type { GroupState } from './types.ts';
import { alice, bob, carol, dave, eve, fullGroup, invite, loadCast } from './state.fixture.ts';
import { expectCode } from '../../../../test/kit/expect-code.ts';

beforeAll(loadCast);

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

	test('P5 secrecy after removal: removing a member revokes the invite it joined with, for it and for every other holder of the link', () => {
		const log = fullGroup();
		const inv = invite(log, alice, { maxUses: 10 });
		log.append(inv.op);
		log.append(b.buildJoin(log.state, eve, inv.secret, { profile: { name: 'Eve' } }).op);
		expect(log.state.members[eve.b64]?.invite).toBe(inv.key);
		log.append(b.buildRemove(log.state, alice, eve.b64).op);
		expect(log.state.invites[inv.key]).toMatchObject({ revoked: true, uses: 1 });
		const again = person('eve-again');
		expectCode(() => applyOp(log.state, b.buildJoin(log.state, again, inv.secret, { profile: { name: 'Eve' } }).op, log.ctx), 'PROTOCOL_INVITE_INVALID');
		// Someone else holding the same link is refused too: the link itself is withdrawn.
		expectCode(() => applyOp(log.state, b.buildJoin(log.state, person('frank'), inv.secret, { profile: { name: 'Frank' } }).op, log.ctx), 'PROTOCOL_INVITE_INVALID');
		// Genesis members and added members joined through no invite.
		expect(log.state.members[carol.b64]?.invite).toBeUndefined();
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
