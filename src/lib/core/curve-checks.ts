/**
 * The checks libsodium makes on Curve25519 encodings before it does any curve arithmetic, written
 * out so that the relay (node:crypto, no libsodium) and the group rules give exactly libsodium's
 * answer (docs/PROTOCOL.md §1.1). Ported from libsodium 1.0.22:
 * - crypto_sign/ed25519/ref10/open.c `_crypto_sign_ed25519_verify_detached` (the pre-checks);
 * - crypto_core/ed25519/ref10/ed25519_ref10.c `ge25519_has_small_order`, `ge25519_is_canonical`,
 *   `sc25519_is_canonical`;
 * - crypto_scalarmult/curve25519/ref10/x25519_ref10.c `has_small_order`.
 * Every input here is public (keys, signatures), so none of it needs to run in constant time.
 * Pure: runs in the browser, in the relay and in tests.
 */

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

/**
 * Ed25519 encodings of the points of order 1, 2, 4 and 8, including the non-canonical encodings
 * of 0 and 1 as y = p and y = p + 1 (libsodium's `ge25519_has_small_order` blacklist). The sign
 * bit (bit 255) is ignored when comparing, so each entry stands for two encodings.
 */
const ED25519_SMALL_ORDER: readonly Uint8Array[] = [
	hex('0000000000000000000000000000000000000000000000000000000000000000'), // y = 0 (order 4)
	hex('0100000000000000000000000000000000000000000000000000000000000000'), // y = 1 (order 1, the identity)
	hex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'), // order 8
	hex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'), // order 8
	hex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), // y = p − 1 (order 2)
	hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), // y = p, non-canonical 0 (order 4)
	hex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f') // y = p + 1, non-canonical 1 (order 1)
];

/**
 * X25519 u-coordinates of small order (libsodium's curve25519 `has_small_order` blacklist, bit 255
 * ignored): `crypto_scalarmult` refuses them, because every secret scalar gives the same shared
 * secret with them.
 */
const X25519_SMALL_ORDER: readonly Uint8Array[] = [
	hex('0000000000000000000000000000000000000000000000000000000000000000'), // u = 0 (order 4)
	hex('0100000000000000000000000000000000000000000000000000000000000000'), // u = 1 (order 1)
	hex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'), // order 8
	hex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'), // order 8
	hex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), // u = p − 1 (order 2)
	hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), // u = p, non-canonical 0
	hex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f') // u = p + 1, non-canonical 1
];

/** The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const L = hex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');

/** Equal to an entry of `list` on bytes 0..30 and on byte 31 with its top bit cleared. */
function inList(s: Uint8Array, list: readonly Uint8Array[]): boolean {
	if (s.length !== 32) return false;
	return list.some((entry) => {
		for (let i = 0; i < 31; i++) if (s[i] !== entry[i]) return false;
		return (s[31]! & 0x7f) === entry[31];
	});
}

/** libsodium `ge25519_has_small_order`: the Ed25519 encoding is a point of order ≤ 8. */
export function ed25519HasSmallOrder(point: Uint8Array): boolean {
	return inList(point, ED25519_SMALL_ORDER);
}

/**
 * libsodium `ge25519_is_canonical`: false when the y-coordinate (sign bit ignored) is ≥ p, i.e.
 * bytes 1..30 are 0xff, byte 31 is 0x7f or 0xff and byte 0 is ≥ 0xed.
 */
export function ed25519IsCanonical(point: Uint8Array): boolean {
	if (point.length !== 32) return false;
	if ((point[31]! & 0x7f) !== 0x7f) return true;
	for (let i = 30; i > 0; i--) if (point[i] !== 0xff) return true;
	return point[0]! < 0xed;
}

/** libsodium `sc25519_is_canonical`: the little-endian scalar is < L. */
export function scalarIsCanonical(scalar: Uint8Array): boolean {
	if (scalar.length !== 32) return false;
	for (let i = 31; i >= 0; i--) {
		if (scalar[i]! < L[i]!) return true;
		if (scalar[i]! > L[i]!) return false;
	}
	return false; // equal to L
}

/** An Ed25519 public key libsodium will verify against: 32 bytes, canonical, not of small order. */
export function ed25519KeyIsUsable(publicKey: Uint8Array): boolean {
	return publicKey.length === 32 && ed25519IsCanonical(publicKey) && !ed25519HasSmallOrder(publicKey);
}

/** An X25519 public key `crypto_scalarmult` / `crypto_box_seal` accept: 32 bytes, not of small order. */
export function x25519KeyIsUsable(publicKey: Uint8Array): boolean {
	return publicKey.length === 32 && !inList(publicKey, X25519_SMALL_ORDER);
}

/**
 * Everything `crypto_sign_verify_detached` refuses before evaluating the curve equation, in its
 * order: S ≥ L (checked only when one of the top four bits of S is set, which is the same set),
 * R of small order, A non-canonical or of small order. A verifier that returns false whenever
 * this does, and otherwise checks the cofactorless equation [S]B = R + [k]A by comparing the
 * encoding of the result with R (as libsodium and OpenSSL both do), agrees with libsodium on every input.
 */
export function ed25519SignaturePrecheck(signature: Uint8Array, publicKey: Uint8Array): boolean {
	if (signature.length !== 64 || publicKey.length !== 32) return false;
	const r = signature.subarray(0, 32);
	const s = signature.subarray(32, 64);
	if ((s[31]! & 0xf0) !== 0 && !scalarIsCanonical(s)) return false;
	if (ed25519HasSmallOrder(r)) return false;
	return ed25519KeyIsUsable(publicKey);
}
