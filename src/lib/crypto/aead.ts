/**
 * The one AEAD of the house: XChaCha20-Poly1305 (IETF) from libsodium (docs/PROTOCOL.md §1.1).
 * Two forms over the same primitive: detached nonce (`aeadEncrypt`/`aeadDecrypt`, for formats
 * that store the nonce in a field of their own) and nonce-prefixed (`aeadSeal`/`aeadOpen`:
 * `nonce(24) ‖ ciphertext`). Both refuse with PROTOCOL_DECRYPT_FAILED, never a libsodium throw.
 */
import { concat } from '../core/bytes.ts';
import { ProtocolError } from '../core/errors.ts';
import { randomNonce, sodium } from './sodium.ts';

export const AEAD_NONCE_BYTES = 24;
export const AEAD_TAG_BYTES = 16;

/** XChaCha20-Poly1305 of `plaintext` under `key` and `nonce`, bound to `ad`. */
export function aeadEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
	if (nonce.length !== AEAD_NONCE_BYTES) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'nonce must be 24 bytes');
	return sodium().crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
}

/** Inverse of `aeadEncrypt`; PROTOCOL_DECRYPT_FAILED on any tampering, wrong key or wrong context. */
export function aeadDecrypt(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array): Uint8Array {
	if (nonce.length !== AEAD_NONCE_BYTES || ciphertext.length < AEAD_TAG_BYTES) throw new ProtocolError('PROTOCOL_DECRYPT_FAILED', 'ciphertext too short');
	try {
		return sodium().crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonce, key);
	} catch {
		throw new ProtocolError('PROTOCOL_DECRYPT_FAILED', 'ciphertext does not open under this key and context');
	}
}

/** `nonce ‖ XChaCha20-Poly1305(key, nonce, plaintext, ad)`; `nonce` is random unless given (vectors). */
export function aeadSeal(key: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, nonce?: Uint8Array): Uint8Array {
	const n = nonce ?? randomNonce(AEAD_NONCE_BYTES);
	return concat(n, aeadEncrypt(key, n, plaintext, ad));
}

/** Inverse of `aeadSeal`; PROTOCOL_DECRYPT_FAILED on any tampering or wrong key. */
export function aeadOpen(key: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array {
	if (sealed.length < AEAD_NONCE_BYTES + AEAD_TAG_BYTES) throw new ProtocolError('PROTOCOL_DECRYPT_FAILED', 'ciphertext too short');
	return aeadDecrypt(key, sealed.subarray(0, AEAD_NONCE_BYTES), sealed.subarray(AEAD_NONCE_BYTES), ad);
}
