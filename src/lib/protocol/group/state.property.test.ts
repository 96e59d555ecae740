/**
 * Property tests of the group state machine (fast-check): honest members acting in any order
 * produce a log every client replays to the same state; any tampering with that log is
 * rejected with a ProtocolError.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { isProtocolError } from '../../core/errors.ts';
import type { Op, Role } from '../../core/schema.ts';
import { newInvite } from '../../crypto/invite.ts';
import { sodium } from '../../crypto/sodium.ts';
import { buildGenesis, metaKeyOf, signOp } from './build.ts';
import { rebaseOp, type OpIntent } from './rebase.ts';
import { replayLog } from './state.ts';
import { context, GROUP_SETTINGS, loadSodium, memberOf, person, T0, type Person } from './testkit.ts';
import type { GroupState } from './types.ts';

const KINDS = ['invite', 'join', 'add', 'remove', 'leave', 'rekey', 'role', 'revoke', 'hide', 'settings'] as const;
const ROLES: Role[] = ['admin', 'moderator', 'member', 'listener'];
// invite and join are drawn more often: a join needs an active invite and an outsider as actor.
const action = fc.record({ actor: fc.nat(5), kind: fc.constantFrom(...KINDS, 'invite', 'join', 'join'), target: fc.nat(5), role: fc.constantFrom(...ROLES) });

let people: Person[];
let outsider: Person;

beforeAll(async () => {
	await loadSodium();
	people = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'].map(person);
	outsider = person('outsider');
});

interface Log {
	ops: Op[];
	times: number[];
	state: GroupState;
}

/** Runs honest members' actions; actions the rules refuse are skipped, as an honest client would. */
function honestLog(actions: { actor: number; kind: (typeof KINDS)[number]; target: number; role: Role }[]): Log {
	const genesis = buildGenesis(people[0]!, { settings: { ...GROUP_SETTINGS, invite: 'members' }, others: [memberOf(people[1]!, 'member'), memberOf(people[2]!, 'listener')], content: { name: 'g', description: '', profile: { name: 'p0' } } }, { at: T0 });
	let now = T0;
	const log: Log = { ops: [genesis.op], times: [now], state: replayLog([genesis.op], () => context(now)) };
	const metaKeys = new Map<number, Uint8Array>([[0, metaKeyOf(genesis.secret, '')]]);
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
			const built = rebaseOp(log.state, actor, intent, context(now), { metaKey: metaKeys.get(log.state.epoch) });
			log.ops.push(built.op);
			log.times.push(now);
			log.state = built.next;
			if (built.secret) {
				metaKeys.set(built.next.epoch, metaKeyOf(built.secret, built.next.group));
				sodium().memzero(built.secret);
			}
		} catch (error) {
			if (!isProtocolError(error)) throw error;
		}
	}
	return log;
}

const replay = (ops: Op[], times: number[]) => replayLog(ops, (i) => context(times[Math.min(i, times.length - 1)]));

function rejects(ops: Op[], times: number[]): boolean {
	try {
		replay(ops, times);
		return false;
	} catch (error) {
		if (isProtocolError(error)) return true;
		throw error;
	}
}

/** Every string and number leaf of an op, as a path. */
function leaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
	if (typeof value === 'string' || typeof value === 'number') return [path];
	if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, Array.isArray(value) ? Number(k) : k]));
	return [];
}

function mutate(op: Op, path: (string | number)[], pick: number): Op {
	const copy = structuredClone(op) as unknown as Record<string | number, unknown>;
	let parent = copy;
	for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
	const last = path[path.length - 1]!;
	const value = parent[last];
	if (typeof value === 'number') parent[last] = value + 1;
	else {
		const s = value as string;
		const i = s.length ? pick % s.length : 0;
		const c = s[i] === 'A' ? 'B' : 'A';
		parent[last] = s.slice(0, i) + c + s.slice(i + 1);
	}
	return copy as unknown as Op;
}

describe('group log properties', () => {
	test('any sequence of honest members\' ops is replayed to the same state by every client', () => {
		const kindsSeen = new Set<string>();
		fc.assert(
			fc.property(fc.array(action, { minLength: 4, maxLength: 16 }), (actions) => {
				const log = honestLog(actions);
				const a = replay(log.ops, log.times);
				const b = replay(structuredClone(log.ops), log.times);
				expect(a).toEqual(log.state);
				expect(b).toEqual(a);
				expect(a.commits[String(a.epoch)]).toBeDefined();
				for (const op of log.ops) kindsSeen.add(op.kind);
			}),
			{ numRuns: 60 }
		);
		// The generator really exercises the rules, not just the genesis.
		for (const kind of ['invite', 'join', 'add', 'remove', 'leave', 'rekey', 'role', 'revoke', 'hide', 'settings']) expect(kindsSeen).toContain(kind);
	});

	test('P2 members control membership: flipping any field of any op makes the log rejected', () => {
		fc.assert(
			fc.property(fc.array(action, { minLength: 2, maxLength: 10 }), fc.nat(), fc.nat(), fc.nat(), (actions, which, field, pick) => {
				const log = honestLog(actions);
				const i = which % log.ops.length;
				const paths = leaves(log.ops[i]);
				const ops = [...log.ops];
				ops[i] = mutate(log.ops[i]!, paths[field % paths.length]!, pick);
				expect(rejects(ops, log.times)).toBe(true);
			}),
			{ numRuns: 80 }
		);
	});

	test('P2 members control membership: dropping, swapping or duplicating ops, or re-signing one with an outsider\'s key, is rejected', () => {
		fc.assert(
			fc.property(fc.array(action, { minLength: 4, maxLength: 12 }), fc.nat(), fc.constantFrom('drop', 'swap', 'duplicate', 'outsider'), (actions, which, attack) => {
				const log = honestLog(actions);
				fc.pre(log.ops.length >= 3);
				const i = 1 + (which % (log.ops.length - 2)); // an op with a successor
				const ops = [...log.ops];
				if (attack === 'drop') ops.splice(i, 1);
				if (attack === 'swap') [ops[i], ops[i + 1]] = [ops[i + 1]!, ops[i]!];
				if (attack === 'duplicate') ops.splice(i + 1, 0, ops[i]!);
				if (attack === 'outsider') ops[i] = signOp({ ...ops[i]!, author: outsider.b64 } as Op, outsider);
				expect(rejects(ops, [...log.times, ...log.times])).toBe(true);
			}),
			{ numRuns: 80 }
		);
	});
});
