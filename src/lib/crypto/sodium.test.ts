import { beforeAll, expect, test } from 'vitest';
import { randomNonce, ready } from './sodium.ts';
import { toB64 } from '../core/bytes.ts';

beforeAll(() => ready());

test('random nonces are never handed out twice, across refills of the pool (PROTOCOL §1.1)', () => {
	const seen = new Set<string>();
	// Four refills of 256 nonces; each 24 bytes, each distinct, none all zero.
	for (let i = 0; i < 1_030; i++) {
		const nonce = randomNonce(24);
		expect(nonce.length).toBe(24);
		expect(nonce.some((b) => b !== 0)).toBe(true);
		seen.add(toB64(nonce));
	}
	expect(seen.size).toBe(1_030);
	// A nonce handed out is a copy: changing it changes no later one.
	const a = randomNonce(24);
	a.fill(0);
	expect(randomNonce(24).some((b) => b !== 0)).toBe(true);
});
