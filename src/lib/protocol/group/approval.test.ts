/** Approval of new members (§3.3 `request`, `approve`, `decline`; §13.8): the group rules, every refusal in order. */
import { beforeAll, describe, expect, test } from 'vitest';
import { fromB64, toB64 } from '../../core/bytes.ts';
import type { Op } from '../../core/schema.ts';
import { openEpochSecret } from '../../crypto/epoch.ts';
import { inviteKeys } from '../../crypto/invite.ts';
import { openRequest } from '../../crypto/join-request.ts';
import { sodium } from '../../crypto/sodium.ts';
import { newReceiveKeyPair } from '../session/receive-keys.ts';
import * as b from './build.ts';
import { opInviteSigningBytes } from './hash.ts';
import { applyOp } from './state.ts';
import { context, memberOf, person, type Person, type TestLog } from './testkit.ts';
import { MAX_PENDING } from './rules.ts';
import { alice, bob, carol, dave, eve, fullGroup, invite, loadCast } from './state.fixture.ts';
import { nodePrimitives } from '../../../../server/primitives.ts';
import { expectCode } from '../../../../test/kit/expect-code.ts';

beforeAll(loadCast);

const note = { profile: { name: 'Eve' }, note: 'Nine days sober, a friend sent me.' };

/** alice admin, bob moderator, carol member, dave listener; approval on; an invite for two from alice. */
function approvalGroup(opts: Partial<b.InviteParams> = {}, settings = {}) {
	const log = fullGroup({ approve: true, ...settings });
	const inv = invite(log, alice, { maxUses: 2, ...opts });
	log.append(inv.op);
	return { log, inv };
}

function request(log: TestLog, secret: Uint8Array, who: Person = eve) {
	const rk = newReceiveKeyPair();
	return { op: b.buildRequest(log.state, who, secret, fromB64(rk.pk), note), rk };
}

describe('request (§13.8)', () => {
	test('a newcomer asks: one use is spent, the request waits, nobody is added and no epoch starts', () => {
		const { log, inv } = approvalGroup();
		const before = log.state;
		const { op, rk } = request(log, inv.secret);
		const after = log.append(op);
		expect(after.pending).toEqual({ [eve.b64]: { box: toB64(eve.boxPk), role: 'member', invite: inv.key, rk: rk.pk, at: log.now } });
		expect(after.invites[inv.key]!.uses).toBe(1);
		expect(after.members).toEqual(before.members);
		expect(after.epoch).toBe(before.epoch);
	});

	test('the note opens for every moderator and admin, and for nobody else', () => {
		const { log, inv } = approvalGroup();
		const { op } = request(log, inv.secret);
		const open = (p: typeof alice) => openRequest(log.state.group, op.author, op.invite, p, op.body);
		expect(open(alice)).toEqual(note);
		expect(open(bob)).toEqual(note);
		expect(open(carol)).toBeNull();
		expect(open(dave)).toBeNull();
		expect(openRequest(log.state.group, op.author, carol.b64, bob, op.body)).toBeNull();
	});

	test('P2: while approval is on, a join through a usable invite is PROTOCOL_NOT_ALLOWED', () => {
		const { log, inv } = approvalGroup();
		const { op } = b.buildJoin(log.state, eve, inv.secret, { profile: { name: 'Eve' } });
		expectCode(() => applyOp(log.state, op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expectCode(() => applyOp(log.state, op, { now: log.now, primitives: nodePrimitives }), 'PROTOCOL_NOT_ALLOWED');
	});

	test('without approval a request is PROTOCOL_NOT_ALLOWED (the newcomer joins)', () => {
		const log = fullGroup();
		const inv = invite(log, alice);
		log.append(inv.op);
		expectCode(() => applyOp(log.state, request(log, inv.secret).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
	});

	test('the invite checks of a join, in order, each PROTOCOL_INVITE_INVALID', () => {
		// unknown
		const a = approvalGroup();
		const unknown = invite(a.log, alice);
		expectCode(() => applyOp(a.log.state, request(a.log, unknown.secret).op, a.log.ctx), 'PROTOCOL_INVITE_INVALID');
		// revoked
		a.log.append(b.buildRevoke(a.log.state, alice, a.inv.key));
		expectCode(() => applyOp(a.log.state, request(a.log, a.inv.secret).op, a.log.ctx), 'PROTOCOL_INVITE_INVALID');
		// expired
		const e = approvalGroup();
		const late = request(e.log, e.inv.secret).op;
		expectCode(() => applyOp(e.log.state, late, context(e.inv.op.invite.expires)), 'PROTOCOL_INVITE_INVALID');
		// used up: one use, spent by a request, so a one-use link cannot bring a second request
		const u = approvalGroup({ maxUses: 1 });
		u.log.append(request(u.log, u.inv.secret).op);
		expectCode(() => applyOp(u.log.state, request(u.log, u.inv.secret, person('frank')).op, u.log.ctx), 'PROTOCOL_INVITE_INVALID');
		// listeners switched off after a listener invite
		const l = approvalGroup({ role: 'listener' });
		const noListeners = b.buildSettings(l.log.state, alice, { ...l.log.state.settings, listeners: false }, { name: 'n', description: '' }, new Uint8Array(32));
		l.log.append(noListeners);
		expectCode(() => applyOp(l.log.state, request(l.log, l.inv.secret).op, l.log.ctx), 'PROTOCOL_INVITE_INVALID');
	});

	test('a member or a newcomer already waiting may not ask (PROTOCOL_NOT_ALLOWED); a pending requester may not join either', () => {
		const { log, inv } = approvalGroup({ maxUses: 3 });
		expectCode(() => applyOp(log.state, request(log, inv.secret, carol).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
		log.append(request(log, inv.secret).op);
		expectCode(() => applyOp(log.state, request(log, inv.secret).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
	});

	test('member.sign must be the author, with the invite\'s role (PROTOCOL_NOT_ALLOWED); a bad invite signature is PROTOCOL_BAD_SIGNATURE', () => {
		const { log, inv } = approvalGroup();
		const { op } = request(log, inv.secret);
		/** Signs a changed request with both keys, as a modified client would. */
		const resign = (changed: Extract<Op, { kind: 'request' }>) => {
			const signed = b.signOp<typeof changed>({ ...changed, inviteSig: '' }, eve);
			const keys = inviteKeys(inv.secret, log.state.group);
			signed.inviteSig = toB64(sodium().crypto_sign_detached(opInviteSigningBytes(signed), keys.signSk));
			return signed;
		};
		expect(applyOp(log.state, resign(op), log.ctx).pending).toBeDefined();
		expectCode(() => applyOp(log.state, resign({ ...op, member: { ...op.member, sign: carol.b64 } }), log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expectCode(() => applyOp(log.state, resign({ ...op, member: { ...op.member, role: 'listener' } }), log.ctx), 'PROTOCOL_NOT_ALLOWED');
		const other = invite(log, alice);
		const signedByOther = b.buildRequest({ ...log.state, invites: { ...log.state.invites, [other.key]: log.state.invites[inv.key]! } }, eve, other.secret, fromB64(newReceiveKeyPair().pk), note);
		expectCode(() => applyOp(log.state, { ...op, inviteSig: signedByOther.inviteSig }, log.ctx), 'PROTOCOL_BAD_SIGNATURE');
	});

	test('M3: at most MAX_PENDING requests wait at once (PROTOCOL_NOT_ALLOWED), and a padded note is PROTOCOL_BAD_FRAME', () => {
		const { log, inv } = approvalGroup({ maxUses: 1000 });
		for (let i = 0; i < MAX_PENDING; i++) log.append(request(log, inv.secret, person(`asker ${i}`)).op);
		expectCode(() => applyOp(log.state, request(log, inv.secret).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
		log.append(b.buildDecline(log.state, bob, person('asker 0').b64));
		const { op } = request(log, inv.secret);
		const bytes = fromB64(op.body);
		const padded = b.signOp<typeof op>({ ...op, body: toB64(new Uint8Array([...bytes, ...new Uint8Array(4000)])), inviteSig: '' }, eve);
		padded.inviteSig = toB64(sodium().crypto_sign_detached(opInviteSigningBytes(padded), inviteKeys(inv.secret, log.state.group).signSk));
		expectCode(() => applyOp(log.state, padded, log.ctx), 'PROTOCOL_BAD_FRAME');
		// More wraps than there are moderators and admins (two here): refused too.
		const extra = b.signOp<typeof op>({ ...op, body: toB64(new Uint8Array([3, ...bytes.subarray(1), ...new Uint8Array(80)])), inviteSig: '' }, eve);
		extra.inviteSig = toB64(sodium().crypto_sign_detached(opInviteSigningBytes(extra), inviteKeys(inv.secret, log.state.group).signSk));
		expectCode(() => applyOp(log.state, extra, log.ctx), 'PROTOCOL_BAD_FRAME');
		expect(log.append(op).pending![eve.b64]).toBeDefined();
	});

	test('M1: an admin may not add someone who is waiting (PROTOCOL_NOT_ALLOWED): a request is answered by approve or decline', () => {
		const { log, inv } = approvalGroup();
		log.append(request(log, inv.secret).op);
		expectCode(() => applyOp(log.state, b.buildAdd(log.state, alice, memberOf(eve, 'member')).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
	});

	test('a request is accepted while a rekey is pending (it seals nothing)', () => {
		const { log, inv } = approvalGroup();
		log.append(b.buildLeave(log.state, carol));
		expect(log.state.needsRekey).toBe(true);
		expect(log.append(request(log, inv.secret).op).pending).toBeDefined();
	});

	test('a pending requester is not a member: any other op of it is PROTOCOL_UNKNOWN_MEMBER', () => {
		const { log, inv } = approvalGroup();
		log.append(request(log, inv.secret).op);
		expectCode(() => applyOp(log.state, b.buildLeave(log.state, eve), log.ctx), 'PROTOCOL_UNKNOWN_MEMBER');
		expectCode(() => applyOp(log.state, b.buildKey(log.state, eve, fromB64(newReceiveKeyPair().pk)), log.ctx), 'PROTOCOL_UNKNOWN_MEMBER');
		expectCode(() => applyOp(log.state, b.buildDecline(log.state, eve, carol.b64), log.ctx), 'PROTOCOL_UNKNOWN_MEMBER');
	});
});

describe('approve (§13.8)', () => {
	function waiting(settings = {}, opts: Partial<b.InviteParams> = {}) {
		const g = approvalGroup(opts, settings);
		const r = request(g.log, g.inv.secret);
		g.log.append(r.op);
		return { ...g, rk: r.rk };
	}

	test('a moderator lets the newcomer in: a member with the invite\'s role from the new epoch, sealed to the request\'s rk', () => {
		const { log, inv, rk } = waiting();
		const { op, secret } = b.buildApprove(log.state, bob, eve.b64, { rk: fromB64(newReceiveKeyPair().pk) });
		const after = log.append(op);
		expect(after.pending).toBeUndefined();
		expect(after.epoch).toBe(1);
		expect(after.members[eve.b64]).toEqual({ sign: eve.b64, box: toB64(eve.boxPk), role: 'member', since: 1, invite: inv.key, rk: rk.pk, rkAt: 1 });
		const opened = openEpochSecret(op, log.state.group, { sign: eve.b64, boxPk: fromB64(rk.pk), boxSk: fromB64(rk.sk) });
		expect(toB64(opened)).toBe(toB64(secret));
		// Never to its box key (P4).
		expectCode(() => openEpochSecret(op, log.state.group, { sign: eve.b64, boxPk: eve.boxPk, boxSk: eve.boxSk }), 'PROTOCOL_BAD_KEYS');
	});

	test('an admin approves too; an approve clears a pending rekey', () => {
		const { log } = waiting();
		log.append(b.buildLeave(log.state, carol));
		expect(log.append(b.buildApprove(log.state, alice, eve.b64).op).needsRekey).toBe(false);
	});

	test('a member or listener may not approve (PROTOCOL_NOT_ALLOWED); the requester itself is not a member (PROTOCOL_UNKNOWN_MEMBER)', () => {
		const { log } = waiting();
		expectCode(() => applyOp(log.state, b.buildApprove(log.state, carol, eve.b64).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expectCode(() => applyOp(log.state, b.buildApprove(log.state, dave, eve.b64).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expectCode(() => applyOp(log.state, b.buildApprove(log.state, eve, eve.b64).op, log.ctx), 'PROTOCOL_UNKNOWN_MEMBER');
	});

	test('approving someone who is not waiting is PROTOCOL_UNKNOWN_MEMBER', () => {
		const { log } = waiting();
		const forged = b.buildApprove({ ...log.state, pending: { [carol.b64]: log.state.pending![eve.b64]! } }, bob, carol.b64).op;
		expectCode(() => applyOp(log.state, forged, log.ctx), 'PROTOCOL_UNKNOWN_MEMBER');
	});

	test('a listener\'s request, where listeners were switched off since, is PROTOCOL_NOT_ALLOWED', () => {
		const { log } = waiting({}, { role: 'listener' });
		log.append(b.buildSettings(log.state, alice, { ...log.state.settings, listeners: false }, { name: 'n', description: '' }, new Uint8Array(32)));
		expectCode(() => applyOp(log.state, b.buildApprove(log.state, bob, eve.b64).op, log.ctx), 'PROTOCOL_NOT_ALLOWED');
	});

	test('keys that leave out the newcomer are PROTOCOL_BAD_KEYS', () => {
		const { log } = waiting();
		const { op } = b.buildRekey(log.state, bob);
		const approve = b.signOp<ReturnType<typeof b.buildApprove>['op']>({ ...b.buildApprove(log.state, bob, eve.b64).op, keys: op.keys }, bob);
		expectCode(() => applyOp(log.state, approve, log.ctx), 'PROTOCOL_BAD_KEYS');
	});

	test('a replayed approve is PROTOCOL_REPLAY', () => {
		const { log } = waiting();
		const { op } = b.buildApprove(log.state, bob, eve.b64);
		log.append(op);
		expectCode(() => applyOp(log.state, op, log.ctx), 'PROTOCOL_REPLAY');
	});

	test('approval switched off later: waiting requests still need an approve, and get one', () => {
		const { log } = waiting();
		const { approve: _approve, ...off } = log.state.settings;
		log.append(b.buildSettings(log.state, alice, off, { name: 'n', description: '' }, new Uint8Array(32)));
		expect(log.state.pending).toBeDefined();
		expect(log.append(b.buildApprove(log.state, bob, eve.b64).op).members[eve.b64]).toBeDefined();
	});
});

describe('decline (§13.8)', () => {
	function waiting() {
		const g = approvalGroup();
		g.log.append(request(g.log, g.inv.secret).op);
		return g;
	}

	test('a moderator declines: the request goes, the use is not returned, nothing else changes', () => {
		const { log, inv } = waiting();
		const before = log.state;
		const after = log.append(b.buildDecline(log.state, bob, eve.b64));
		expect(after.pending).toBeUndefined();
		expect(after.invites[inv.key]!.uses).toBe(1);
		expect(after.members).toEqual(before.members);
		expect(after.epoch).toBe(before.epoch);
	});

	test('the requester withdraws; afterwards it may ask again while the link has uses', () => {
		const { log, inv } = waiting();
		expect(log.append(b.buildDecline(log.state, eve, eve.b64)).pending).toBeUndefined();
		expect(log.append(request(log, inv.secret).op).invites[inv.key]!.uses).toBe(2);
	});

	test('a member may not decline (PROTOCOL_NOT_ALLOWED); nobody waiting is PROTOCOL_UNKNOWN_MEMBER', () => {
		const { log } = waiting();
		expectCode(() => applyOp(log.state, b.buildDecline(log.state, carol, eve.b64), log.ctx), 'PROTOCOL_NOT_ALLOWED');
		expectCode(() => applyOp(log.state, b.buildDecline(log.state, bob, carol.b64), log.ctx), 'PROTOCOL_UNKNOWN_MEMBER');
	});

	test('a decline is accepted while a rekey is pending', () => {
		const { log } = waiting();
		log.append(b.buildLeave(log.state, carol));
		expect(log.append(b.buildDecline(log.state, bob, eve.b64)).pending).toBeUndefined();
	});

	test('after a decline, an approve of that key is PROTOCOL_UNKNOWN_MEMBER', () => {
		const { log } = waiting();
		const was = log.state.pending!;
		log.append(b.buildDecline(log.state, bob, eve.b64));
		// Built as if the request were still there, on the current head: signed, chained, refused.
		expectCode(() => applyOp(log.state, b.buildApprove({ ...log.state, pending: was }, alice, eve.b64).op, log.ctx), 'PROTOCOL_UNKNOWN_MEMBER');
	});
});

describe('P5: a revoked link lets nobody in, waiting or not (§3.3)', () => {
	test('revoking the link drops the requests made through it', () => {
		const { log, inv } = approvalGroup();
		log.append(request(log, inv.secret).op);
		expect(log.append(b.buildRevoke(log.state, alice, inv.key)).pending).toBeUndefined();
	});

	test('a member asks through its own link with a second identity, is removed: the request goes with the link', () => {
		const g = approvalGroup();
		// carol's own invite (members may invite here) and carol's second identity asking through it.
		const log = g.log;
		log.append(b.buildSettings(log.state, alice, { ...log.state.settings, invite: 'members' }, { name: 'n', description: '' }, new Uint8Array(32)));
		const hers = invite(log, carol);
		log.append(hers.op);
		log.append(request(log, hers.secret).op);
		log.append(b.buildRemove(log.state, alice, carol.b64).op);
		expect(log.state.pending).toBeUndefined();
	});

	test('removing a member revokes the link it joined with, and drops a request made through it', () => {
		const log = fullGroup();
		const inv = invite(log, alice, { maxUses: 2 });
		log.append(inv.op);
		log.append(b.buildJoin(log.state, eve, inv.secret, { profile: { name: 'Eve' } }).op);
		log.append(b.buildSettings(log.state, alice, { ...log.state.settings, approve: true }, { name: 'n', description: '' }, new Uint8Array(32)));
		const frank = person('frank');
		log.append(b.buildRequest(log.state, frank, inv.secret, fromB64(newReceiveKeyPair().pk), note));
		expect(log.state.pending).toBeDefined();
		log.append(b.buildRemove(log.state, alice, eve.b64).op);
		expect(log.state.pending).toBeUndefined();
	});
});
