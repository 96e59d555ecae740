/**
 * The genesis's own check order (docs/PROTOCOL.md §3.3, "Genesis order"): a genesis that breaks
 * two rules is refused with the code of the earlier one, so that a second implementation, the
 * relay and every client name the same code. Each case breaks at least two rules.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { Op } from '../../core/schema.ts';
import * as b from './build.ts';
import { applyOp } from './state.ts';
import { context, memberOf, GROUP_SETTINGS } from './testkit.ts';
import { alice, bob, carol, loadCast } from './state.fixture.ts';
import { expectCode } from '../../../../test/kit/expect-code.ts';
import type { ProtocolCode } from '../../core/errors.ts';

beforeAll(loadCast);

type Genesis = Extract<Op, { kind: 'genesis' }>;
const content = { name: '', description: '', profile: { name: '' } };
/** An X25519 u-coordinate of small order (§1.1): refused as a box key. */
const WEAK_BOX = 'A'.repeat(43);

function genesis(pair = false): Genesis {
	const settings = { ...GROUP_SETTINGS, pair, listeners: !pair, listenersMaySpeak: !pair };
	return b.buildGenesis(alice, { settings, others: [memberOf(bob, 'member')], content }).op;
}
/** The op changed and signed again by its author: only the change breaks a rule. */
const resigned = (op: Genesis, change: Partial<Genesis>) => b.signOp<Genesis>({ ...op, ...change }, alice);
/** The op changed after signing: its signature no longer verifies. */
const unsigned = (op: Genesis, change: Partial<Genesis>) => ({ ...op, ...change });

describe('genesis order', () => {
	const cases: [string, () => Op, ProtocolCode][] = [
		['a schema failure before a member listed twice', () => unsigned(genesis(), { members: [...genesis().members, genesis().members[1]!], v: 2 as 1 }), 'PROTOCOL_BAD_FRAME'],
		['a member listed twice before a bad signature', () => unsigned(genesis(), { members: [...genesis().members, genesis().members[1]!] }), 'PROTOCOL_BAD_GENESIS'],
		['a missing creator before a weak key', () => unsigned(genesis(), { members: [memberOf(carol, 'admin'), { ...memberOf(bob, 'member'), box: WEAK_BOX }] }), 'PROTOCOL_BAD_GENESIS'],
		['a weak key before a bad signature', () => unsigned(genesis(), { members: [genesis().members[0]!, { ...memberOf(bob, 'member'), box: WEAK_BOX }] }), 'PROTOCOL_WEAK_KEY'],
		['a bad signature before a creator who is not admin', () => unsigned(genesis(), { members: genesis().members.map((m) => ({ ...m, role: 'member' as const })) }), 'PROTOCOL_BAD_SIGNATURE'],
		['a creator who is not admin before a bad epoch', () => resigned(genesis(), { members: genesis().members.map((m) => ({ ...m, role: 'member' as const })), epoch: 1 }), 'PROTOCOL_BAD_GENESIS'],
		['a pair with an admin before keys not addressed to the members', () => resigned(genesis(true), { members: genesis(true).members.map((m) => ({ ...m, role: 'admin' as const })), keys: genesis(true).keys.slice(0, 1) }), 'PROTOCOL_BAD_GENESIS'],
		['a bad epoch before keys not addressed to the members', () => resigned(genesis(), { epoch: 1, keys: genesis().keys.slice(0, 1) }), 'PROTOCOL_BAD_EPOCH']
	];

	test.each(cases)('%s', (_name, build, code) => {
		expectCode(() => applyOp(null, build(), context()), code);
	});

	test('a genesis after the first op is PROTOCOL_BAD_GENESIS before any other check; the log\'s own genesis again is PROTOCOL_REPLAY', () => {
		const first = genesis();
		const state = applyOp(null, first, context());
		const broken = unsigned(genesis(), { members: [...genesis().members, genesis().members[1]!] });
		expectCode(() => applyOp(state, broken, context()), 'PROTOCOL_BAD_GENESIS');
		expectCode(() => applyOp(state, first, context()), 'PROTOCOL_REPLAY');
		expect(state.length).toBe(1);
	});
});
