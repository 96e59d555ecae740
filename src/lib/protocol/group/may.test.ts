/**
 * may.ts answers every "may this member do this?" question of §3.3. Table tests pin each answer
 * and its code; a property test checks that the rules of the log (applyOp) refuse an op exactly
 * when may.ts says no, with the same code, over random honest logs.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ProtocolCode } from '../../core/errors.ts';
import type { Role } from '../../core/schema.ts';
import { newInvite } from '../../crypto/invite.ts';
import * as b from './build.ts';
import { honestLog, action, ROLES } from './honest-log.fixture.ts';
import * as may from './may.ts';
import { rebaseOp, type OpIntent } from './rebase.ts';
import { alice, bob, carol, dave, eve, fullGroup, invite, loadCast } from './state.fixture.ts';
import { context, memberOf, person, TestLog, T0, type Person } from './testkit.ts';
import { codeOf, expectCode } from '../../../../test/kit/expect-code.ts';
import type { GroupState } from './types.ts';

beforeAll(loadCast);

const answer = (verdict: may.Verdict): ProtocolCode | 'ok' => (verdict.ok ? 'ok' : verdict.code);

/** alice admin, bob moderator, carol member, dave listener (eve is not a member). */
const group = (settings = {}): GroupState => fullGroup(settings).state;
const pair = (): TestLog => new TestLog(b.buildPair(alice, memberOf(bob, 'member'), { name: 'pair', description: '', profile: { name: 'alice' } }, { at: T0 }));
const ended = (): GroupState => {
	const log = pair();
	log.append(b.buildEnd(log.state, bob));
	return log.state;
};
/** A group with one invite by alice (admin) and one by carol (member, where members invite). */
function withInvites() {
	const log = fullGroup({ invite: 'members' });
	const byAlice = invite(log, alice);
	log.append(byAlice.op);
	const byCarol = invite(log, carol);
	log.append(byCarol.op);
	return { state: log.state, byAlice: byAlice.key, byCarol: byCarol.key, log };
}
const revokeIn = (question: (g: ReturnType<typeof withInvites>) => may.Verdict) => question(withInvites());

type Row = [string, () => may.Verdict, ProtocolCode | 'ok'];

describe('may: who may do what (§3.3)', () => {
	test.each<Row>([
		['an admin may invite where only admins invite', () => may.invite(group(), alice.b64), 'ok'],
		['a moderator may not invite where only admins invite', () => may.invite(group(), bob.b64), 'PROTOCOL_NOT_ALLOWED'],
		['a member may invite where members invite', () => may.invite(group({ invite: 'members' }), carol.b64), 'ok'],
		['a listener may not invite, even where members invite', () => may.invite(group({ invite: 'members' }), dave.b64), 'PROTOCOL_NOT_ALLOWED'],
		['nobody invites a listener into a group without listeners', () => may.invite(group({ listeners: false }), alice.b64, 'listener'), 'PROTOCOL_NOT_ALLOWED'],
		['an admin invites a listener where the group allows listeners', () => may.invite(group(), alice.b64, 'listener'), 'ok'],
		['nobody invites into a pair', () => may.invite(pair().state, alice.b64), 'PROTOCOL_NOT_ALLOWED'],
		['someone who is not a member may not invite', () => may.invite(group(), eve.b64), 'PROTOCOL_UNKNOWN_MEMBER']
	])('%s', (_name, verdict, expected) => expect(answer(verdict())).toBe(expected));

	test.each<Row>([
		['an admin may revoke a member\'s invite', () => revokeIn((g) => may.revoke(g.state, alice.b64, g.byCarol)), 'ok'],
		['a member may revoke their own invite', () => revokeIn((g) => may.revoke(g.state, carol.b64, g.byCarol)), 'ok'],
		['a moderator may not revoke an invite made by someone else', () => revokeIn((g) => may.revoke(g.state, bob.b64, g.byAlice)), 'PROTOCOL_NOT_ALLOWED'],
		['an unknown invite cannot be revoked', () => may.revoke(group(), alice.b64, carol.b64), 'PROTOCOL_INVITE_INVALID'],
		[
			'a revoked invite cannot be revoked again',
			() => {
				const { log, byAlice } = withInvites();
				log.append(b.buildRevoke(log.state, alice, byAlice));
				return may.revoke(log.state, alice.b64, byAlice);
			},
			'PROTOCOL_INVITE_INVALID'
		]
	])('%s', (_name, verdict, expected) => expect(answer(verdict())).toBe(expected));

	test.each<Row>([
		['an admin may add someone new', () => may.add(group(), alice.b64, eve.b64), 'ok'],
		['a moderator may not add anyone', () => may.add(group(), bob.b64, eve.b64), 'PROTOCOL_NOT_ALLOWED'],
		['an admin may not add a member twice', () => may.add(group(), alice.b64, carol.b64), 'PROTOCOL_NOT_ALLOWED'],
		['nobody adds anyone to a pair', () => may.add(pair().state, alice.b64, eve.b64), 'PROTOCOL_NOT_ALLOWED']
	])('%s', (_name, verdict, expected) => expect(answer(verdict())).toBe(expected));

	test.each<Row>([
		['an admin may remove a moderator', () => may.remove(group(), alice.b64, bob.b64), 'ok'],
		['a moderator may remove a member', () => may.remove(group(), bob.b64, carol.b64), 'ok'],
		['a moderator may remove a listener', () => may.remove(group(), bob.b64, dave.b64), 'ok'],
		['a moderator may not remove an admin', () => may.remove(group(), bob.b64, alice.b64), 'PROTOCOL_NOT_ALLOWED'],
		['a member may not remove a listener', () => may.remove(group(), carol.b64, dave.b64), 'PROTOCOL_NOT_ALLOWED'],
		['an admin may not remove themself (they leave instead)', () => may.remove(group(), alice.b64, alice.b64), 'PROTOCOL_NOT_ALLOWED'],
		['someone who is not a member cannot be removed', () => may.remove(group(), alice.b64, eve.b64), 'PROTOCOL_UNKNOWN_MEMBER']
	])('%s', (_name, verdict, expected) => expect(answer(verdict())).toBe(expected));

	test.each<Row>([
		['an admin may make a member a moderator', () => may.setRole(group(), alice.b64, carol.b64, 'moderator'), 'ok'],
		[
			'an admin may demote themself while another admin remains',
			() => {
				const log = fullGroup();
				log.append(b.buildRole(log.state, alice, bob.b64, 'admin'));
				return may.setRole(log.state, alice.b64, alice.b64, 'member');
			},
			'ok'
		],
		['the last admin may not demote themself', () => may.setRole(group(), alice.b64, alice.b64, 'member'), 'PROTOCOL_NOT_ALLOWED'],
		['a moderator may lower their own role', () => may.setRole(group(), bob.b64, bob.b64, 'member'), 'ok'],
		['a member may not raise their own role', () => may.setRole(group(), carol.b64, carol.b64, 'moderator'), 'PROTOCOL_NOT_ALLOWED'],
		['a listener may start speaking where listeners may speak', () => may.setRole(group({ listenersMaySpeak: true }), dave.b64, dave.b64, 'member'), 'ok'],
		['a listener may not start speaking where a facilitator decides', () => may.setRole(group({ listenersMaySpeak: false }), dave.b64, dave.b64, 'member'), 'PROTOCOL_NOT_ALLOWED'],
		['a moderator may not change another member\'s role', () => may.setRole(group(), bob.b64, carol.b64, 'listener'), 'PROTOCOL_NOT_ALLOWED'],
		['a role that does not change is refused', () => may.setRole(group(), alice.b64, carol.b64, 'member'), 'PROTOCOL_NOT_ALLOWED'],
		['the role of someone who is not a member cannot be set', () => may.setRole(group(), alice.b64, eve.b64, 'member'), 'PROTOCOL_UNKNOWN_MEMBER'],
		['roles never change in a pair', () => may.setRole(pair().state, alice.b64, alice.b64, 'listener'), 'PROTOCOL_NOT_ALLOWED']
	])('%s', (_name, verdict, expected) => expect(answer(verdict())).toBe(expected));

	test.each<Row>([
		['a listener may ask to speak', () => may.ask(group(), dave.b64), 'ok'],
		['a member has nothing to ask', () => may.ask(group(), carol.b64), 'PROTOCOL_NOT_ALLOWED'],
		[
			'a listener whose ask is pending may not ask again',
			() => {
				const log = fullGroup();
				log.append(b.buildAsk(log.state, dave));
				return may.ask(log.state, dave.b64);
			},
			'PROTOCOL_NOT_ALLOWED'
		],
		['an admin may change the settings', () => may.changeSettings(group(), alice.b64), 'ok'],
		['a moderator may not change the settings', () => may.changeSettings(group(), bob.b64), 'PROTOCOL_NOT_ALLOWED'],
		['nobody changes the settings of a pair', () => may.changeSettings(pair().state, alice.b64), 'PROTOCOL_NOT_ALLOWED'],
		['a moderator may hide a message', () => may.hide(group(), bob.b64), 'ok'],
		['a member may not hide a message', () => may.hide(group(), carol.b64), 'PROTOCOL_NOT_ALLOWED'],
		['an admin moderates the group', () => may.moderate(group(), alice.b64), 'ok'],
		['a listener does not moderate the group', () => may.moderate(group(), dave.b64), 'PROTOCOL_NOT_ALLOWED'],
		['a member may leave a group', () => may.leave(group(), carol.b64), 'ok'],
		['a member of a pair ends it rather than leaving', () => may.leave(pair().state, bob.b64), 'PROTOCOL_NOT_ALLOWED'],
		['either member of a pair may end it', () => may.end(pair().state, bob.b64), 'ok'],
		['a group is never ended, even by its admin', () => may.end(group(), alice.b64), 'PROTOCOL_NOT_ALLOWED'],
		['P11 relay robustness: a listener may not start a new epoch', () => may.rekey(group(), dave.b64), 'PROTOCOL_NOT_ALLOWED'],
		['a member may start a new epoch', () => may.rekey(group(), bob.b64), 'ok'],
		['someone who is not a member may not start a new epoch', () => may.rekey(group(), eve.b64), 'PROTOCOL_UNKNOWN_MEMBER'],
		['nothing is allowed in an ended pair', () => may.rekey(ended(), alice.b64), 'PROTOCOL_GROUP_ENDED'],
		['someone who is not a member may join', () => may.join(group(), eve.b64), 'ok'],
		['a member may not join again', () => may.join(group(), carol.b64), 'PROTOCOL_NOT_ALLOWED']
	])('%s', (_name, verdict, expected) => expect(answer(verdict())).toBe(expected));

	test.each<Row>([
		['a member may post', () => may.post(group(), carol.b64), 'ok'],
		['a listener may not post', () => may.post(group(), dave.b64), 'PROTOCOL_NOT_ALLOWED'],
		['nobody posts in a group frozen after a failed verification', () => may.post(group(), alice.b64, { frozen: true }), 'PROTOCOL_NOT_ALLOWED'],
		['a device that learnt it was removed may not post', () => may.post(group(), carol.b64, { removed: true }), 'PROTOCOL_UNKNOWN_MEMBER'],
		['a device without the group log may not post', () => may.post(null, carol.b64), 'PROTOCOL_UNKNOWN_MEMBER'],
		['someone who is not a member may not post', () => may.post(group(), eve.b64), 'PROTOCOL_UNKNOWN_MEMBER'],
		['nobody posts in an ended pair', () => may.post(ended(), alice.b64), 'PROTOCOL_GROUP_ENDED'],
		['a listener of a frozen group is told about the freeze first', () => may.post(group(), dave.b64, { frozen: true }), 'PROTOCOL_NOT_ALLOWED']
	])('%s', (_name, verdict, expected) => expect(answer(verdict())).toBe(expected));

	test('enforce throws the refusal as a ProtocolError with its code and does nothing when allowed', () => {
		expectCode(() => may.enforce(may.hide(group(), carol.b64)), 'PROTOCOL_NOT_ALLOWED');
		expect(() => may.enforce(may.hide(group(), bob.b64))).not.toThrow();
	});
});

const PROBES = ['invite', 'revoke', 'add', 'remove', 'leave', 'rekey', 'role', 'settings', 'hide', 'end', 'ask'] as const;
const probe = fc.record({ actor: fc.nat(6), kind: fc.constantFrom(...PROBES), target: fc.nat(6), role: fc.constantFrom(...ROLES) });
const settings = fc.record({ invite: fc.constantFrom('admins' as const, 'members' as const), listeners: fc.boolean(), listenersMaySpeak: fc.boolean() });

/** The op `kind` would be, and what may.ts says of it. */
function ask(state: GroupState, actor: Person, target: Person, kind: (typeof PROBES)[number], role: Role): { intent: OpIntent; verdict: may.Verdict } {
	const key = Object.keys(state.invites)[0] ?? target.b64;
	switch (kind) {
		case 'invite': {
			const as = role === 'listener' ? 'listener' : 'member';
			const intent: OpIntent = { kind, secret: newInvite(state.group).secret, expires: T0 + 10_000_000, maxUses: 1, role: as, content: { name: 'g', description: '', inviter: { name: 'x' } } };
			return { intent, verdict: may.invite(state, actor.b64, as) };
		}
		case 'revoke':
			return { intent: { kind, invite: key }, verdict: may.revoke(state, actor.b64, key) };
		case 'add':
			return { intent: { kind, member: memberOf(target, role) }, verdict: may.add(state, actor.b64, target.b64) };
		case 'remove':
			return { intent: { kind, target: target.b64 }, verdict: may.remove(state, actor.b64, target.b64) };
		case 'role':
			return { intent: { kind, target: target.b64, role }, verdict: may.setRole(state, actor.b64, target.b64, role) };
		case 'settings':
			return { intent: { kind, settings: { ...state.settings, retention: 60 }, content: { name: 'n', description: '' } }, verdict: may.changeSettings(state, actor.b64) };
		case 'hide':
			return { intent: { kind, seq: 1 }, verdict: may.hide(state, actor.b64) };
		case 'leave':
			return { intent: { kind }, verdict: may.leave(state, actor.b64) };
		case 'rekey':
			return { intent: { kind }, verdict: may.rekey(state, actor.b64) };
		case 'end':
			return { intent: { kind }, verdict: may.end(state, actor.b64) };
		case 'ask':
			return { intent: { kind }, verdict: may.ask(state, actor.b64) };
	}
}

describe('may and the rules of the log agree', () => {
	let cast: Person[];
	beforeAll(() => {
		cast = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'outsider'].map(person);
	});

	test('over random honest logs, applyOp refuses an op exactly when may says no, with the same code', () => {
		const seen = { allowed: 0, refused: 0 };
		fc.assert(
			fc.property(settings, fc.array(action, { minLength: 2, maxLength: 12 }), fc.array(probe, { minLength: 1, maxLength: 6 }), (chosen, actions, probes) => {
				const log = honestLog(cast.slice(0, 6), actions, chosen);
				for (const p of probes) {
					const { intent, verdict } = ask(log.state, cast[p.actor]!, cast[p.target]!, p.kind, p.role);
					const code = codeOf(() => rebaseOp(log.state, cast[p.actor]!, intent, context(log.now + 1000), { metaKey: log.metaKeys.get(log.state.epoch) }));
					// The schema (an op with no key recipients left) and a pending rekey are checked
					// before the kind's rule: the rule was not reached.
					if (code === 'PROTOCOL_BAD_FRAME' || code === 'PROTOCOL_STALE_EPOCH') continue;
					expect({ ...p, code }).toEqual({ ...p, code: verdict.ok ? 'none' : verdict.code });
					seen[verdict.ok ? 'allowed' : 'refused']++;
				}
			}),
			{ numRuns: 150 }
		);
		// Both answers really occur, so the agreement is not vacuous.
		expect(seen.allowed).toBeGreaterThan(20);
		expect(seen.refused).toBeGreaterThan(20);
	});
});
