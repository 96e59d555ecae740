import { beforeAll, describe, expect, test } from 'vitest';
import { toB64 } from '../protocol/bytes.ts';
import { isProtocolError } from '../protocol/errors.ts';
import { SAFETY_EMOJI, safetyNumber } from './safety.ts';
import { ready } from './sodium.ts';

const key = (n: number) => toB64(new Uint8Array(32).fill(n));
const group = key(200);

beforeAll(async () => {
	await ready();
});

describe('safety numbers', () => {
	test('the emoji table has 256 distinct single emoji', () => {
		expect(SAFETY_EMOJI).toHaveLength(256);
		expect(new Set(SAFETY_EMOJI).size).toBe(256);
		expect(SAFETY_EMOJI.every((e) => /^\p{Emoji_Presentation}$/u.test(e))).toBe(true);
	});

	test('both members see the same number: 12 blocks of 5 digits and 8 emoji', () => {
		const ab = safetyNumber(group, key(1), key(2));
		const ba = safetyNumber(group, key(2), key(1));
		expect(ab).toEqual(ba);
		expect(ab.digits).toMatch(/^(\d{5} ){11}\d{5}$/);
		expect(ab.emojiList).toHaveLength(8);
	});

	test('a different key or another group changes the number, so a substituted key shows', () => {
		const base = safetyNumber(group, key(1), key(2)).digits;
		expect(safetyNumber(group, key(1), key(3)).digits).not.toBe(base);
		expect(safetyNumber(key(201), key(1), key(2)).digits).not.toBe(base);
	});

	test('a key that is not 32 bytes is refused with PROTOCOL_BAD_LENGTH', () => {
		try {
			safetyNumber(group, key(1), toB64(new Uint8Array(31)));
			throw new Error('accepted');
		} catch (error) {
			expect(isProtocolError(error, 'PROTOCOL_BAD_LENGTH')).toBe(true);
		}
	});
});
