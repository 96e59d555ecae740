import { beforeAll, describe, expect, test } from 'vitest';
import { sodium } from '../crypto/sodium.ts';
import { loadSodium } from '../protocol/group/testkit.ts';
import { ed25519IsCanonical, ed25519KeyIsUsable, scalarIsCanonical, x25519KeyIsUsable } from './curve-checks.ts';

beforeAll(loadSodium);

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

/** libsodium's own verdict on an X25519 peer key. */
function sodiumAcceptsBoxKey(u: Uint8Array): boolean {
	try {
		sodium().crypto_scalarmult(sodium().randombytes_buf(32), u);
		return true;
	} catch {
		return false;
	}
}

describe('curve checks agree with libsodium', () => {
	test('P11 relay robustness: every small-order, near-p or random X25519 key is judged as crypto_scalarmult judges it', () => {
		// The order-8 templates and 0, 1 with both values of bit 255, every u from p − 3 to p + 20 with
		// both values of bit 255, and random keys.
		const templates = ['00'.padEnd(64, '0'), '01'.padEnd(64, '0'), 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'];
		const keys: Uint8Array[] = [];
		for (const t of templates) {
			const u = hex(t);
			keys.push(u, Uint8Array.from([...u.subarray(0, 31), u[31]! | 0x80]));
		}
		for (let k = -3; k <= 20; k++) {
			const u = hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
			u[0] = (0xed + k) & 0xff;
			keys.push(u, Uint8Array.from([...u.subarray(0, 31), 0xff]));
		}
		for (let i = 0; i < 50; i++) keys.push(sodium().randombytes_buf(32));
		const mismatches = keys.filter((u) => x25519KeyIsUsable(u) !== sodiumAcceptsBoxKey(u)).map((u) => sodium().to_hex(u));
		expect(mismatches).toEqual([]);
		const refused = new Set(keys.filter((u) => !x25519KeyIsUsable(u)).map((u) => sodium().to_hex(u)));
		expect(refused.size).toBe(14);
	});

	test('P11 relay robustness: Ed25519 keys of y ≥ p are non-canonical whatever the sign bit, keys below p are canonical', () => {
		const atP = hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
		const below = hex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
		expect(ed25519IsCanonical(atP)).toBe(false);
		expect(ed25519IsCanonical(Uint8Array.from([...atP.subarray(0, 31), 0xff]))).toBe(false);
		expect(ed25519IsCanonical(below)).toBe(true);
		expect(ed25519KeyIsUsable(below)).toBe(false); // p − 1 has order 2
		expect(ed25519KeyIsUsable(sodium().crypto_sign_keypair().publicKey)).toBe(true);
	});

	test('P11 relay robustness: a scalar is canonical exactly when it is below L', () => {
		const L = hex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');
		const minus1 = L.slice();
		minus1[0] = 0xec;
		const plus1 = L.slice();
		plus1[0] = 0xee;
		expect([scalarIsCanonical(minus1), scalarIsCanonical(L), scalarIsCanonical(plus1), scalarIsCanonical(new Uint8Array(32))]).toEqual([true, false, false, true]);
	});
});
