import { beforeAll, describe, expect, test } from 'vitest';
import { deriveIdentity, identityMember, newIdentityNonce, newRoot, wipeIdentity } from './identity.ts';
import { ready, sodium } from './sodium.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';

beforeAll(async () => {
	await ready();
});

describe('per-group identities', () => {
	test('the same root and nonce always give the same identity, so a backup of root and nonces restores it', () => {
		const root = newRoot();
		const nonce = newIdentityNonce();
		const a = deriveIdentity(root, nonce);
		const b = deriveIdentity(root, nonce);
		expect(a.signPk).toEqual(b.signPk);
		expect(a.boxSk).toEqual(b.boxSk);
	});

	test('two groups get identities that share no key, so members of both cannot link them', () => {
		const root = newRoot();
		const a = deriveIdentity(root, newIdentityNonce());
		const b = deriveIdentity(root, newIdentityNonce());
		expect(a.signPk).not.toEqual(b.signPk);
		expect(a.boxPk).not.toEqual(b.boxPk);
	});

	test('the signing key signs and the box key opens what is sealed to it', () => {
		const na = sodium();
		const id = deriveIdentity(newRoot(), newIdentityNonce());
		const sig = na.crypto_sign_detached(new Uint8Array([1, 2, 3]), id.signSk);
		expect(na.crypto_sign_verify_detached(sig, new Uint8Array([1, 2, 3]), id.signPk)).toBe(true);
		const sealed = na.crypto_box_seal(new Uint8Array([9]), id.boxPk);
		expect(na.crypto_box_seal_open(sealed, id.boxPk, id.boxSk)).toEqual(new Uint8Array([9]));
		expect(identityMember(id, 'listener').role).toBe('listener');
	});

	test('P7 domain separation: the signing seed and the box seed of one identity differ', () => {
		const id = deriveIdentity(new Uint8Array(32).fill(1), new Uint8Array(32).fill(2));
		// crypto_sign keeps its seed in the first 32 bytes of the secret key.
		expect(id.signSk.subarray(0, 32)).not.toEqual(id.boxSk);
	});

	test('wiping an identity zeroes both secret keys', () => {
		const id = deriveIdentity(newRoot(), newIdentityNonce());
		wipeIdentity(id);
		expect(id.signSk.every((x) => x === 0) && id.boxSk.every((x) => x === 0)).toBe(true);
	});

	test('a root or nonce of the wrong size is refused with PROTOCOL_BAD_LENGTH', () => {
		for (const [root, nonce] of [[new Uint8Array(31), new Uint8Array(32)], [new Uint8Array(32), new Uint8Array(16)]] as const) {
			expectCode(() => deriveIdentity(root, nonce), 'PROTOCOL_BAD_LENGTH');
		}
	});
});
