/**
 * Random but honest group logs for the property tests (state.property.test.ts, may.test.ts):
 * six members act in any order, and an action the rules refuse is skipped, as an honest client
 * would skip it. Not imported by application code.
 */
import fc from 'fast-check';
import { isProtocolError } from '../../core/errors.ts';
import type { Op, Role, Settings } from '../../core/schema.ts';
import { newInvite } from '../../crypto/invite.ts';
import { sodium } from '../../crypto/sodium.ts';
import { buildGenesis, metaKeyOf } from './build.ts';
import { rebaseOp, type OpIntent } from './rebase.ts';
import { replayLog } from './state.ts';
import { context, GROUP_SETTINGS, memberOf, T0, type Person } from './testkit.ts';
import type { GroupState } from './types.ts';

export const KINDS = ['invite', 'join', 'add', 'remove', 'leave', 'rekey', 'role', 'revoke', 'hide', 'settings'] as const;
export const ROLES: Role[] = ['admin', 'moderator', 'member', 'listener'];
// invite and join are drawn more often: a join needs an active invite and an outsider as actor.
export const action = fc.record({ actor: fc.nat(5), kind: fc.constantFrom(...KINDS, 'invite', 'join', 'join'), target: fc.nat(5), role: fc.constantFrom(...ROLES) });

export type Action = { actor: number; kind: (typeof KINDS)[number]; target: number; role: Role };

export interface Log {
	ops: Op[];
	times: number[];
	state: GroupState;
	/** The meta key of each epoch, for ops that seal a body under the current one. */
	metaKeys: Map<number, Uint8Array>;
	now: number;
}

/**
 * Runs honest members' actions; actions the rules refuse are skipped, as an honest client would.
 * `people[0]` creates the group with `people[1]` as member and `people[2]` as listener.
 */
export function honestLog(people: Person[], actions: Action[], settings: Partial<Settings> = { invite: 'members' }): Log {
	const genesis = buildGenesis(people[0]!, { settings: { ...GROUP_SETTINGS, ...settings }, others: [memberOf(people[1]!, 'member'), memberOf(people[2]!, 'listener')], content: { name: 'g', description: '', profile: { name: 'p0' } } }, { at: T0 });
	let now = T0;
	const log: Log = { ops: [genesis.op], times: [now], state: replayLog([genesis.op], () => context(now)), metaKeys: new Map([[0, metaKeyOf(genesis.secret, '')]]), now };
	sodium().memzero(genesis.secret);
	const invites: Uint8Array[] = [];
	for (const a of actions) {
		now += 1000;
		// Mostly sensible choices, so that most actions pass the rules: members act on members,
		// outsiders join, admins add outsiders. The rules still refuse some (roles, expiry, uses).
		const members = people.filter((p) => log.state.members[p.b64]);
		const outsiders = people.filter((p) => !log.state.members[p.b64]);
		if (members.length === 0) break;
		const actor = a.kind === 'join' && outsiders.length ? outsiders[a.actor % outsiders.length]! : members[a.actor % members.length]!;
		const target = a.kind === 'add' && outsiders.length ? outsiders[a.target % outsiders.length]! : members[a.target % members.length]!;
		const inviteKeys = Object.keys(log.state.invites);
		const intent: OpIntent | null = ((): OpIntent | null => {
			switch (a.kind) {
				case 'invite': {
					const secret = newInvite(log.state.group).secret;
					invites.push(secret);
					return { kind: 'invite', secret, expires: now + 8000, maxUses: 1 + (a.target % 2), role: a.role === 'listener' ? 'listener' : 'member', content: { name: 'g', description: '', inviter: { name: 'x' } } };
				}
				case 'join':
					return invites.length ? { kind: 'join', inviteSecret: invites[Math.max(0, invites.length - 1 - (a.target % 2))]!, content: { profile: { name: 'n' } } } : null;
				case 'add':
					return { kind: 'add', member: memberOf(target, a.role) };
				case 'remove':
					return { kind: 'remove', target: target.b64 };
				case 'role':
					return { kind: 'role', target: target.b64, role: a.role };
				case 'revoke':
					return inviteKeys.length ? { kind: 'revoke', invite: inviteKeys[a.target % inviteKeys.length]! } : null;
				case 'hide':
					return { kind: 'hide', seq: a.target + 1, reason: 'spam' };
				case 'settings':
					return { kind: 'settings', settings: { ...log.state.settings, retention: a.target * 60 }, content: { name: 'renamed', description: '' } };
				default:
					return { kind: a.kind };
			}
		})();
		if (!intent) continue;
		try {
			const built = rebaseOp(log.state, actor, intent, context(now), { metaKey: log.metaKeys.get(log.state.epoch) });
			log.ops.push(built.op);
			log.times.push(now);
			log.state = built.next;
			if (built.secret) {
				log.metaKeys.set(built.next.epoch, metaKeyOf(built.secret, built.next.group));
				sodium().memzero(built.secret);
			}
		} catch (error) {
			if (!isProtocolError(error)) throw error;
		}
	}
	log.now = now;
	return log;
}
