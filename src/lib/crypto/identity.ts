/**
 * Device root and per-group pseudonymous identities (docs/PROTOCOL.md §2.1).
 *
 *   seed     = KDF(root, "unseen/v1/identity", nonce)
 *   signSeed = KDF(seed, "unseen/v1/identity-sign", "") → Ed25519 (signPk, signSk)
 *   boxSeed  = KDF(seed, "unseen/v1/identity-box", "")  → X25519  (boxPk, boxSk)
 *
 * A fresh nonce per group makes identities in two groups unlinkable; reusing a nonce reuses a
 * pseudonym on purpose. Call `ready()` from sodium.ts first.
 */
import { toB64 } from '../core/bytes.ts';
import { ProtocolError } from '../core/errors.ts';
import { LABEL } from '../core/labels.ts';
import type { Member, Role } from '../core/schema.ts';
import { kdf } from './chain.ts';
import { sodium } from './sodium.ts';

export interface Identity {
	signPk: Uint8Array;
	/** Ed25519 secret key (64 bytes: seed ‖ pk). */
	signSk: Uint8Array;
	boxPk: Uint8Array;
	boxSk: Uint8Array;
}

/** A new 32-byte device root: the one secret a backup must carry. */
export function newRoot(): Uint8Array {
	return sodium().randombytes_buf(32);
}

/** A new 32-byte per-group nonce (public to the device's own storage only). */
export function newIdentityNonce(): Uint8Array {
	return sodium().randombytes_buf(32);
}

export function deriveIdentity(root: Uint8Array, nonce: Uint8Array): Identity {
	if (root.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'root must be 32 bytes');
	if (nonce.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'identity nonce must be 32 bytes');
	const na = sodium();
	const seed = kdf(root, LABEL.identity, nonce);
	const signSeed = kdf(seed, LABEL.identitySign);
	const boxSeed = kdf(seed, LABEL.identityBox);
	const sign = na.crypto_sign_seed_keypair(signSeed);
	const box = na.crypto_box_seed_keypair(boxSeed);
	na.memzero(seed);
	na.memzero(signSeed);
	na.memzero(boxSeed);
	return { signPk: sign.publicKey, signSk: sign.privateKey, boxPk: box.publicKey, boxSk: box.privateKey };
}

/** The public half as it appears in the group log. */
export function identityMember(identity: Identity, role: Role): Member {
	return { sign: toB64(identity.signPk), box: toB64(identity.boxPk), role };
}

/** Wipes both secret keys (the identity can be derived again from root and nonce). */
export function wipeIdentity(identity: Identity): void {
	sodium().memzero(identity.signSk);
	sodium().memzero(identity.boxSk);
}
