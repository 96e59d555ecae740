import { describe, expect, test } from 'vitest';
import { checkPseudonym, generatePseudonym, PSEUDONYM_MAX_LENGTH } from './pseudonym.ts';

describe('pseudonyms', () => {
	test('a generated pseudonym is two capitalised words and a two-digit number', () => {
		for (let i = 0; i < 50; i++) expect(generatePseudonym()).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ [1-9][0-9]$/);
	});

	test('generated pseudonyms vary, so two people rarely share one', () => {
		const names = new Set(Array.from({ length: 200 }, () => generatePseudonym()));
		expect(names.size).toBeGreaterThan(150);
	});

	test('random values above the unbiased limit are drawn again instead of skewing the choice', () => {
		const values = [0xffff_ffff, 0, 0xffff_fffe, 1, 5];
		const random = (b: Uint32Array) => {
			b[0] = values.shift()!;
			return b;
		};
		expect(generatePseudonym(random)).toBe('Amber Badger 15');
	});

	test('a typed name is trimmed and inner white space collapsed', () => {
		expect(checkPseudonym('  Quiet   Heron ')).toEqual({ ok: true, name: 'Quiet Heron' });
	});

	test.each([
		['', 'empty'],
		['   ', 'empty'],
		['x'.repeat(PSEUDONYM_MAX_LENGTH + 1), 'too-long'],
		['evil\u202egnp', 'control-characters'],
		['tab\u0007bell', 'control-characters']
	])('the name %j is refused as %s', (input, problem) => {
		expect(checkPseudonym(input)).toEqual({ ok: false, problem });
	});
});
