import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { b64Length, fromB64, toB64 } from './bytes.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';

describe('base64url', () => {
	test('every byte string round-trips, as Node writes base64url, and b64Length gives its length', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
				const text = toB64(bytes);
				expect(text).toBe(Buffer.from(bytes).toString('base64url'));
				expect(fromB64(text)).toEqual(bytes);
				expect(b64Length(text)).toBe(bytes.length);
			})
		);
	});

	test('any other string is refused by both, the same way', () => {
		fc.assert(
			fc.property(fc.string({ unit: fc.constantFrom(...'AQgw_-+/=.é\u0000'.split('')), maxLength: 12 }), (text) => {
				let decoded: Uint8Array | null = null;
				try {
					decoded = fromB64(text);
				} catch {
					decoded = null;
				}
				// Canonical exactly when it is what toB64 writes for the bytes it decodes to.
				const canonical = decoded !== null && toB64(decoded) === text;
				expect(decoded === null || canonical).toBe(true);
				expect(b64Length(text)).toBe(canonical ? decoded!.length : -1);
			})
		);
	});

	test('a non-zero tail, padding, another alphabet or a one-character tail are PROTOCOL_BAD_ENCODING', () => {
		for (const bad of ['AB', 'AAB', 'AA==', 'AA+/', 'A', 'AAAAA', 'AA\u00e9A']) {
			expectCode(() => fromB64(bad), 'PROTOCOL_BAD_ENCODING');
			expect(b64Length(bad)).toBe(-1);
		}
		expect(fromB64('AQ')).toEqual(Uint8Array.from([1]));
		expect(fromB64('AQI')).toEqual(Uint8Array.from([1, 2]));
		expect(fromB64('')).toEqual(new Uint8Array(0));
	});
});
