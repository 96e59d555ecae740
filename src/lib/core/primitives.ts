/**
 * The crypto the group state machine needs, injected so the same rules run everywhere:
 * libsodium in the client (crypto/primitives.ts), node:crypto in the relay (server/primitives.ts).
 * A type only: the ground floor holds no cryptography.
 */
export interface Primitives {
	sha256(data: Uint8Array): Uint8Array;
	/** Ed25519 detached signature check; false (never throws) on any malformed input. */
	verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}
