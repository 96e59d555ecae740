/**
 * X25519 peer keys for `DH` and `Seal` (docs/PROTOCOL.md §1.1). libsodium refuses a peer key of
 * small order with a plain `Error`; here that becomes `PROTOCOL_WEAK_KEY`, checked before
 * libsodium is called, so no caller ever sees anything but a `ProtocolError`.
 */
import { x25519KeyIsUsable } from '../core/curve-checks.ts';
import { ProtocolError } from '../core/errors.ts';
import { sodium } from './sodium.ts';

/** Throws PROTOCOL_WEAK_KEY unless `publicKey` is an X25519 key libsodium accepts as a peer. */
export function requireBoxKey(publicKey: Uint8Array, field: string): Uint8Array {
	if (!x25519KeyIsUsable(publicKey)) throw new ProtocolError('PROTOCOL_WEAK_KEY', `${field} is not a usable X25519 key`);
	return publicKey;
}

/** `crypto_box_seal` to a checked key; any libsodium failure is PROTOCOL_WEAK_KEY, never a plain Error. */
export function sealTo(plain: Uint8Array, publicKey: Uint8Array, field: string): Uint8Array {
	requireBoxKey(publicKey, field);
	try {
		return sodium().crypto_box_seal(plain, publicKey);
	} catch {
		throw new ProtocolError('PROTOCOL_WEAK_KEY', `cannot seal to ${field}`);
	}
}

/**
 * `crypto_box_seal(plain, pk)` for each of `publicKeys`, byte for byte the same construction
 * (`epk ‖ crypto_box_easy(plain, BLAKE2b-192(epk ‖ pk), pk, esk)`, a fresh ephemeral pair per
 * box), with the ephemeral secrets expanded from one random seed instead of drawn one by one
 * (docs/PROTOCOL.md §4.2: libsodium's random source costs more per call than the box). Each key
 * is checked first; `fields[i]` names key i in a PROTOCOL_WEAK_KEY error. Seed and secrets are wiped.
 */
export function sealToMany(plain: Uint8Array, publicKeys: readonly Uint8Array[], fields: readonly string[]): Uint8Array[] {
	publicKeys.forEach((pk, i) => requireBoxKey(pk, fields[i]!));
	const na = sodium();
	const seed = na.randombytes_buf(32);
	const secrets = na.randombytes_buf_deterministic(32 * publicKeys.length, seed);
	na.memzero(seed);
	const nonceInput = new Uint8Array(64);
	try {
		return publicKeys.map((pk, i) => {
			const esk = secrets.subarray(32 * i, 32 * i + 32);
			const epk = na.crypto_scalarmult_base(esk);
			nonceInput.set(epk, 0);
			nonceInput.set(pk, 32);
			const nonce = na.crypto_generichash(24, nonceInput, null);
			let boxed: Uint8Array;
			try {
				boxed = na.crypto_box_easy(plain, nonce, pk, esk);
			} catch {
				throw new ProtocolError('PROTOCOL_WEAK_KEY', `cannot seal to ${fields[i]}`);
			}
			const out = new Uint8Array(32 + boxed.length);
			out.set(epk, 0);
			out.set(boxed, 32);
			return out;
		});
	} finally {
		na.memzero(secrets);
	}
}

/** `crypto_scalarmult(ownSk, peerPk)`; a refused peer key or an all-zero result is PROTOCOL_WEAK_KEY. */
export function sharedSecret(ownSk: Uint8Array, peerPk: Uint8Array, field: string): Uint8Array {
	requireBoxKey(peerPk, field);
	try {
		return sodium().crypto_scalarmult(ownSk, peerPk);
	} catch {
		throw new ProtocolError('PROTOCOL_WEAK_KEY', `no shared secret with ${field}`);
	}
}
