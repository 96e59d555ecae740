/** The `key` op (docs/PROTOCOL.md §3.3, §4.4): any member, once per epoch, naming the current epoch. */
import { beforeAll, describe, expect, test } from 'vitest';
import { toB64 } from '../../core/bytes.ts';
import { ready, sodium } from '../../crypto/sodium.ts';
import { expectCode } from '../../../../test/kit/expect-code.ts';
import { world } from '../session/world.fixture.ts';
import { buildKey, buildLeave } from './build.ts';
import { applyOp } from './state.ts';
import type { GroupState } from './types.ts';

beforeAll(() => ready());

describe('key op', () => {
	const setup = () => {
		const w = world(['ash', 'bo', 'cy']);
		w.sync(w.sessions[0]!);
		const state = w.sessions[0]!.state!;
		const ctx = { now: w.clock.now, primitives: w.primitives };
		return { w, state, ctx, rk: () => sodium().crypto_box_keypair().publicKey };
	};

	test('records the author\'s receive key and the epoch it was published in', () => {
		const { w, state, ctx, rk } = setup();
		const key = rk();
		const next = applyOp(state, buildKey(state, w.people[1]!.id, key), ctx);
		expect(next.members[w.sessions[1]!.me]).toMatchObject({ rk: toB64(key), rkAt: state.epoch });
	});

	test('a second key op in the same epoch is PROTOCOL_NOT_ALLOWED', () => {
		const { w, state, ctx, rk } = setup();
		const next = applyOp(state, buildKey(state, w.people[1]!.id, rk()), ctx);
		expectCode(() => applyOp(next, buildKey(next, w.people[1]!.id, rk()), ctx), 'PROTOCOL_NOT_ALLOWED');
	});

	test('a key op naming another epoch is PROTOCOL_BAD_EPOCH', () => {
		const { w, state, ctx, rk } = setup();
		const stale = { ...state, epoch: state.epoch + 1 } as GroupState;
		expectCode(() => applyOp(state, buildKey(stale, w.people[1]!.id, rk(), {}), ctx), 'PROTOCOL_BAD_EPOCH');
	});

	test('a key op is accepted while a rekey is pending after a leave', () => {
		const { w, state, ctx, rk } = setup();
		const left = applyOp(state, buildLeave(state, w.people[2]!.id), ctx);
		expect(left.needsRekey).toBe(true);
		expect(() => applyOp(left, buildKey(left, w.people[1]!.id, rk()), ctx)).not.toThrow();
	});

	test('a key op with a small-order rk is PROTOCOL_WEAK_KEY', () => {
		const { w, state, ctx } = setup();
		expectCode(() => applyOp(state, buildKey(state, w.people[1]!.id, new Uint8Array(32)), ctx), 'PROTOCOL_WEAK_KEY');
	});
});
