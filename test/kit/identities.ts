/**
 * Test identities for relay-side tests and the benchmark: fresh Ed25519 keys from node:crypto
 * (no libsodium, as on the relay) and a signer for labelled values (§1.2). The box key is
 * random bytes of the right size: the relay never opens anything sealed to it.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { toB64 } from '../../src/lib/core/bytes.ts';
import { labelled, type CJson } from '../../src/lib/core/cjson.ts';

export interface TestIdentity {
	sign: string;
	box: string;
	privateKey: KeyObject;
}

export function identity(): TestIdentity {
	const { publicKey, privateKey } = generateKeyPairSync('ed25519');
	const raw = publicKey.export({ format: 'jwk' }).x!;
	return { sign: raw, box: toB64(randomBytes(32)), privateKey };
}

/** A detached Ed25519 signature (b64) over `labelled(label, value)`. */
export function signWith(who: TestIdentity, label: string, value: CJson): string {
	return toB64(sign(null, labelled(label, value), who.privateKey));
}
