/** The group log state machine: genesis, the checks every op passes, and epoch fields. */
import { beforeAll, describe, expect, test } from 'vitest';
import { fromB64, toB64 } from '../../core/bytes.ts';
import type { Op } from '../../core/schema.ts';
import * as b from './build.ts';
import { applyOp, opHashB64, rekeyDue } from './state.ts';
import { context, memberOf, newGroup } from './testkit.ts';
import { alice, bob, carol, dave, eve, fullGroup, loadCast } from './state.fixture.ts';
import { expectCode } from '../../../../test/kit/expect-code.ts';

beforeAll(loadCast);

function deepFreeze<T>(value: T): T {
	if (value && typeof value === 'object') {
		Object.values(value).forEach(deepFreeze);
		Object.freeze(value);
	}
	return value;
}

describe('genesis', () => {
	test('creates a group whose id is the genesis op hash, with the creator as admin in epoch 0', () => {
		const log = newGroup(alice, [memberOf(bob, 'member')]);
		expect(log.state.group).toBe(opHashB64(log.ops[0]!, context().primitives));
		expect(log.state.head).toBe(log.state.group);
		expect(log.state.epoch).toBe(0);
		expect(log.state.members[alice.b64]?.role).toBe('admin');
		expect(log.state.members[bob.b64]?.role).toBe('member');
		expect(log.state.commit).toBe(log.ops[0]!.kind === 'genesis' ? log.ops[0]!.commit : '');
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

	test('a rekey by a member who may post starts the next epoch and records its commitment', () => {
		const log = fullGroup();
		const { op } = b.buildRekey(log.state, carol);
		log.append(op);
		expect(log.state.epoch).toBe(1);
		expect(log.state.commit).toBe(op.commit);
		expect(log.state.epochStartedAt).toBe(log.now);
	});

	test('P11 relay robustness: the state does not grow with the log, and an op shares what it does not change', () => {
		const log = fullGroup();
		const size = () => JSON.stringify(log.state).length;
		const rekeys = (n: number) => {
			for (let i = 0; i < n; i++) log.append(b.buildRekey(log.state, alice).op);
		};
		rekeys(10);
		const before = log.state;
		const sized = size();
		rekeys(40);
		expect(size()).toBe(sized);
		expect(log.state.members).toBe(before.members);
		expect(log.state.invites).toBe(before.invites);
		expect(log.state.hidden).toBe(before.hidden);
	});

	test('a scheduled rekey is due once the epoch is older than settings.rotate', () => {
		const log = fullGroup({ rotate: 3600 });
		expect(rekeyDue(log.state, log.now + 3_599_999)).toBe(false);
		expect(rekeyDue(log.state, log.now + 3_600_000)).toBe(true);
		expect(rekeyDue(fullGroup().state, log.now + 1e12)).toBe(false);
	});
});
