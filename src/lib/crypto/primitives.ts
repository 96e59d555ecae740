/**
 * The libsodium implementation of the group log's injected crypto (`Primitives`,
 * src/lib/core/primitives.ts). The relay provides the same two functions with node:crypto.
 * Call after `await ready()`.
 */
import type { Primitives } from '../core/primitives.ts';
import { sodium } from './sodium.ts';

export function sodiumPrimitives(): Primitives {
	const na = sodium();
	return {
		sha256: (data) => na.crypto_hash_sha256(data),
		verify(signature, message, publicKey) {
			if (signature.length !== na.crypto_sign_BYTES || publicKey.length !== na.crypto_sign_PUBLICKEYBYTES) return false;
			try {
				return na.crypto_sign_verify_detached(signature, message, publicKey);
			} catch {
				return false;
			}
		}
	};
}
