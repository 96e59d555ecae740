import { expect, test } from 'vitest';
import { sameName } from './names.ts';

test('names that read the same count as the same: case, spaces and Unicode forms', () => {
	expect(sameName('  Bo   Lake ')).toBe(sameName('bo lake'));
	expect(sameName('Ｂｏ Lake')).toBe(sameName('Bo Lake')); // full-width letters (NFKC)
	expect(sameName('Zoë')).toBe(sameName('Zoe\u0308')); // composed and decomposed
	expect(sameName('Bo Lake')).not.toBe(sameName('Bo Lakes'));
});
