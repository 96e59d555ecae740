/**
 * The group state machine's crypto (src/lib/protocol/group/types.ts `Primitives`) on Node's
 * built-in crypto, so the relay checks the same rules as clients without libsodium.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ed25519SignaturePrecheck } from '../src/lib/core/curve-checks.ts';
import type { Primitives } from '../src/lib/protocol/group/types.ts';

// SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410): the raw 32 bytes follow it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_MAX = 4096;

const keyObject = (raw: Uint8Array): KeyObject => createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });

function publicKey(raw: Uint8Array): KeyObject {
	const id = Buffer.from(raw).toString('base64');
	let key = keyCache.get(id);
	if (!key) {
		key = keyObject(raw);
		if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value!);
		keyCache.set(id, key);
	}
	return key;
}

export function sha256(data: Uint8Array): Uint8Array {
	return new Uint8Array(createHash('sha256').update(data).digest());
}

/**
 * Ed25519 detached verification that gives libsodium's `crypto_sign_verify_detached` answer on
 * every input; false for any malformed key or signature, never throws. OpenSSL alone accepts keys
 * and R values of small order (the identity key with R = B, S = 1 verifies for any message), so
 * libsodium's pre-checks run first (src/lib/protocol/curve-checks.ts, PROTOCOL §1.1).
 * `cache`: keep the key's parsed form for the next check (keys that sign again: members' ops);
 * false for a key checked once (a login), which would hold memory for nothing.
 */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, key: Uint8Array, cache = true): boolean {
	if (!ed25519SignaturePrecheck(signature, key)) return false;
	try {
		return verify(null, message, cache ? publicKey(key) : keyObject(key), signature);
	} catch {
		return false;
	}
}

export const nodePrimitives: Primitives = { sha256, verify: verifyEd25519 };
