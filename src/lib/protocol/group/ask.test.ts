import { beforeAll, describe, expect, test } from 'vitest';
import * as b from './build.ts';
import { applyOp } from './state.ts';
import { loadSodium, memberOf, newGroup, person, type Person } from './testkit.ts';
import { nodePrimitives } from '../../../../server/primitives.ts';
import { expectCode } from '../../../../test/kit/expect-code.ts';

let alice: Person, bob: Person, dave: Person;

beforeAll(async () => {
	await loadSodium();
	[alice, bob, dave] = ['alice', 'bob', 'dave'].map(person) as [Person, Person, Person];
});

/** alice admin, bob member, dave listener; listeners may not switch on their own. */
const circle = () => newGroup(alice, [memberOf(bob, 'member'), memberOf(dave, 'listener')], { listenersMaySpeak: false });

describe('ask to speak (§3.3)', () => {
	test('a listener asks to speak: the request is recorded and nothing else changes', () => {
		const log = circle();
		const before = log.state;
		const after = log.append(b.buildAsk(before, dave));
		expect(after.asks).toEqual([dave.b64]);
		expect(after.members).toEqual(before.members);
		expect(after.epoch).toBe(before.epoch);
	});

	test('asking again while a request is pending is PROTOCOL_NOT_ALLOWED', () => {
		const log = circle();
		log.append(b.buildAsk(log.state, dave));
		expectCode(() => applyOp(log.state, b.buildAsk(log.state, dave), log.ctx), 'PROTOCOL_NOT_ALLOWED');
	});

	test('only a listener may ask: a member asking is PROTOCOL_NOT_ALLOWED', () => {
		const log = circle();
		expectCode(() => applyOp(log.state, b.buildAsk(log.state, bob), log.ctx), 'PROTOCOL_NOT_ALLOWED');
	});

	test('the request is cleared when an admin lets the listener speak, and a later ask is allowed again', () => {
		const log = circle();
		log.append(b.buildAsk(log.state, dave));
		log.append(b.buildRole(log.state, alice, dave.b64, 'member'));
		expect(log.state.asks).toBeUndefined();
		log.append(b.buildRole(log.state, alice, dave.b64, 'listener'));
		expect(log.append(b.buildAsk(log.state, dave)).asks).toEqual([dave.b64]);
	});

	test('the request is cleared when the listener leaves', () => {
		const log = circle();
		log.append(b.buildAsk(log.state, dave));
		expect(log.append(b.buildLeave(log.state, dave)).asks).toBeUndefined();
	});

	test("an ask signed by someone else is PROTOCOL_BAD_SIGNATURE, and the relay's primitives agree", () => {
		const log = circle();
		const forged = { ...b.buildAsk(log.state, dave), sig: b.buildAsk(log.state, bob).sig };
		expectCode(() => applyOp(log.state, forged, log.ctx), 'PROTOCOL_BAD_SIGNATURE');
		expectCode(() => applyOp(log.state, forged, { now: log.now, primitives: nodePrimitives }), 'PROTOCOL_BAD_SIGNATURE');
		expect(applyOp(log.state, b.buildAsk(log.state, dave), { now: log.now, primitives: nodePrimitives }).asks).toEqual([dave.b64]);
	});
});
