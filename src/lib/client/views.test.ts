import { beforeAll, describe, expect, test } from 'vitest';
import { safetyNumber } from '../crypto/safety.ts';
import { loadSodium, memberOf, person, type Person } from '../protocol/group/testkit.ts';
import { SafetyNumbers } from './views.ts';

let ash: Person, bo: Person, cy: Person;

beforeAll(async () => {
	await loadSodium();
	[ash, bo, cy] = ['ash', 'bo', 'cy'].map(person) as [Person, Person, Person];
});

const keys = (p: Person) => {
	const { sign, box } = memberOf(p, 'member');
	return { sign, box };
};

describe('safety numbers, computed when asked and kept', () => {
	test('a safety number is the one §2.3 defines for both members\' keys', () => {
		const number = new SafetyNumbers().of('group', keys(ash), keys(bo));
		const expected = safetyNumber('group', keys(ash), keys(bo));
		expect(number).toEqual({ digits: expected.digits, emoji: expected.emoji });
	});

	test('a member whose keys did not change keeps the number computed before', () => {
		const cache = new SafetyNumbers();
		const first = cache.of('group', keys(ash), keys(bo));
		cache.of('group', keys(ash), keys(cy));
		const second = cache.of('group', keys(ash), keys(bo));
		expect(second).toBe(first);
	});

	test('another box key for the same member gives a new number', () => {
		const cache = new SafetyNumbers();
		const first = cache.of('group', keys(ash), keys(bo));
		const swapped = cache.of('group', keys(ash), { sign: bo.b64, box: keys(cy).box });
		expect(swapped).not.toEqual(first);
	});

	test('numbers are per group: the same two members have another number in another group', () => {
		const cache = new SafetyNumbers();
		expect(cache.of('one', keys(ash), keys(bo))).not.toEqual(cache.of('two', keys(ash), keys(bo)));
	});
});
