/**
 * Property tests of the group state machine (fast-check): honest members acting in any order
 * produce a log every client replays to the same state; any tampering with that log is
 * rejected with a ProtocolError.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { isProtocolError } from '../../core/errors.ts';
import type { Op } from '../../core/schema.ts';
import { signOp } from './build.ts';
import { action, honestLog as honestLogOf, type Action } from './honest-log.fixture.ts';
import { replayLog } from './state.ts';
import { context, loadSodium, person, type Person } from './testkit.ts';

let people: Person[];
let outsider: Person;

beforeAll(async () => {
	await loadSodium();
	people = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'].map(person);
	outsider = person('outsider');
});

const honestLog = (actions: Action[]) => honestLogOf(people, actions);

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
				expect(a.commit).toBeDefined();
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
