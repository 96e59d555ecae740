import { beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { ready, sodium } from './sodium.ts';
import { checkCommitment, checkStamp, commit, computeStamp, newFrankingKey, verifyCommitment } from './franking.ts';
import { computeStamp as relayComputeStamp, checkStamp as relayCheckStamp } from '../../../server/stamp.ts';
import { toB64, utf8 } from '../core/bytes.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';

const group = toB64(new Uint8Array(32).fill(0x47));
const alice = toB64(new Uint8Array(32).fill(0x41));
const carol = toB64(new Uint8Array(32).fill(0x43));
const ctx = { group, epoch: 2, sender: alice, ctr: 5 };

beforeAll(async () => {
	await ready();
});

describe('franking commitment', () => {
	test('a commitment verifies for its content and context only', () => {
		const fk = newFrankingKey();
		const body = utf8('{"t":"text","text":"hi"}');
		const c = commit(fk, ctx, body);
		expect(verifyCommitment(fk, ctx, body, c)).toBe(true);
		expect(verifyCommitment(fk, ctx, utf8('{"t":"text","text":"ho"}'), c)).toBe(false);
		expect(verifyCommitment(fk, { ...ctx, sender: carol }, body, c)).toBe(false);
		expect(verifyCommitment(fk, { ...ctx, ctr: 6 }, body, c)).toBe(false);
		expect(verifyCommitment(fk, { ...ctx, epoch: 3 }, body, c)).toBe(false);
		expect(verifyCommitment(newFrankingKey(), ctx, body, c)).toBe(false);
		expectCode(() => checkCommitment(fk, ctx, utf8('x'), c), 'PROTOCOL_BAD_COMMITMENT');
	});

	test('property: no two different contents share a commitment under one franking key', () => {
		const fk = newFrankingKey();
		fc.assert(
			fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), (a, b) => {
				fc.pre(toB64(a) !== toB64(b));
				expect(verifyCommitment(fk, ctx, b, commit(fk, ctx, a))).toBe(false);
			}),
			{ numRuns: 200 }
		);
	});

	test('P8 verifiable reporting property: a sender who picks two franking keys cannot make one commitment open to two contents (invisible salamander)', () => {
		const otherKey = fc.oneof(
			fc.uint8Array({ minLength: 32, maxLength: 32 }),
			fc.uint8Array({ minLength: 0, maxLength: 100 }),
			fc.integer({ min: 1, max: 40 }).map((n) => new Uint8Array(n)) // zero keys of any length
		);
		fc.assert(
			fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), otherKey, fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), (fk, fk2, m, m2) => {
				fc.pre(toB64(m) !== toB64(m2));
				const c = commit(fk, ctx, m);
				expect(verifyCommitment(fk, ctx, m, c)).toBe(true);
				expect(verifyCommitment(fk2, ctx, m2, c)).toBe(false);
			}),
			{ numRuns: 300 }
		);
	});

	test('P8 verifiable reporting: a franking key padded with zero bytes, which HMAC treats as the same key, is refused', () => {
		const fk = newFrankingKey();
		const body = utf8('{"t":"text","text":"hi"}');
		const c = commit(fk, ctx, body);
		const padded = new Uint8Array(33);
		padded.set(fk);
		// The raw HMAC cannot tell the two keys apart; the commitment check must.
		const hmac = (key: Uint8Array) => createHmac('sha256', key).update('m').digest('hex');
		expect(hmac(padded)).toBe(hmac(fk));
		expect(verifyCommitment(padded, ctx, body, c)).toBe(false);
	});

	test('malformed keys or commitments are refused rather than compared', () => {
		expect(verifyCommitment(new Uint8Array(31), ctx, utf8('x'), new Uint8Array(32))).toBe(false);
		expect(verifyCommitment(new Uint8Array(32), ctx, utf8('x'), new Uint8Array(31))).toBe(false);
		expectCode(() => commit(new Uint8Array(16), ctx, utf8('x')), 'PROTOCOL_BAD_LENGTH');
	});
});

describe('relay stamp', () => {
	const fields = { c: toB64(new Uint8Array(32).fill(0xcc)), sender: alice, group, seq: 42, ts: 1_700_000_000_123 };

	test('the libsodium stamp and the relay\'s node:crypto stamp are the same bytes', () => {
		for (let i = 0; i < 20; i++) {
			const secret = sodium().randombytes_buf(32);
			const f = { ...fields, seq: i + 1 };
			expect(toB64(computeStamp(secret, f))).toBe(relayComputeStamp(secret, f));
			expect(relayCheckStamp(secret, f, toB64(computeStamp(secret, f)))).toBe(true);
		}
	});

	test.each([
		['sender', { sender: carol }],
		['group', { group: carol }],
		['sequence', { seq: 43 }],
		['time', { ts: 1_700_000_000_124 }],
		['commitment', { c: toB64(new Uint8Array(32)) }]
	])('a stamp does not check once its %s is changed', (_n, change) => {
		const secret = sodium().randombytes_buf(32);
		const stamp = toB64(computeStamp(secret, fields));
		expect(checkStamp(secret, fields, stamp)).toBe(true);
		expect(checkStamp(secret, { ...fields, ...change }, stamp)).toBe(false);
	});

	test('a malformed stamp is simply not genuine', () => {
		expect(checkStamp(new Uint8Array(32), fields, 'not base64!')).toBe(false);
		expect(checkStamp(new Uint8Array(32), fields, 'AAAA')).toBe(false);
	});
});
