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

/** `crypto_scalarmult(ownSk, peerPk)`; a refused peer key or an all-zero result is PROTOCOL_WEAK_KEY. */
export function sharedSecret(ownSk: Uint8Array, peerPk: Uint8Array, field: string): Uint8Array {
	requireBoxKey(peerPk, field);
	try {
		return sodium().crypto_scalarmult(ownSk, peerPk);
	} catch {
		throw new ProtocolError('PROTOCOL_WEAK_KEY', `no shared secret with ${field}`);
	}
}
