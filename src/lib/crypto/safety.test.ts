import { beforeAll, describe, expect, test } from 'vitest';
import { toB64 } from '../core/bytes.ts';
import { labelled } from '../core/cjson.ts';
import { LABEL } from '../core/labels.ts';
import { SAFETY_EMOJI, safetyNumber } from './safety.ts';
import { ready, sodium } from './sodium.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';

const key = (n: number) => toB64(new Uint8Array(32).fill(n));
const member = (n: number, box = n + 100) => ({ sign: key(n), box: key(box) });
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
		const ab = safetyNumber(group, member(1), member(2));
		const ba = safetyNumber(group, member(2), member(1));
		expect(ab).toEqual(ba);
		expect(ab.digits).toMatch(/^(\d{5} ){11}\d{5}$/);
		expect(ab.emojiList).toHaveLength(8);
	});

	test('a different key or another group changes the number, so a substituted key shows', () => {
		const base = safetyNumber(group, member(1), member(2)).digits;
		expect(safetyNumber(group, member(1), member(3)).digits).not.toBe(base);
		expect(safetyNumber(key(201), member(1), member(2)).digits).not.toBe(base);
	});

	test('P3 sender authenticity: an admin who lists a member\'s real sign key with a box key of its own choosing changes that member\'s safety number', () => {
		const honest = safetyNumber(group, member(1), member(2)).digits;
		expect(safetyNumber(group, member(1), member(2, 250)).digits).not.toBe(honest);
		expect(safetyNumber(group, member(1, 250), member(2)).digits).not.toBe(honest);
		// Swapping the two members' box keys between them shows too.
		expect(safetyNumber(group, member(1, 102), member(2, 101)).digits).not.toBe(honest);
	});

	test('the number is computed over [[sign, box] of the smaller sign key, [sign, box] of the other] as §2.3 says', () => {
		const d = sodium().crypto_hash_sha256(labelled(LABEL.safetyNumber, { group, keys: [[key(1), key(101)], [key(2), key(102)]] }));
		const first = String(new DataView(d.buffer, d.byteOffset, 4).getUint32(0) % 100000).padStart(5, '0');
		const s = safetyNumber(group, member(2), member(1));
		expect(s.blocks[0]).toBe(first);
		expect(s.emojiList[0]).toBe(SAFETY_EMOJI[d[0]!]);
	});

	test('a key that is not 32 bytes is refused with PROTOCOL_BAD_LENGTH', () => {
		expectCode(() => safetyNumber(group, member(1), { sign: key(2), box: toB64(new Uint8Array(31)) }), 'PROTOCOL_BAD_LENGTH');
	});
});
