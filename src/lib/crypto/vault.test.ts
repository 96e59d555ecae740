import { beforeAll, describe, expect, test } from 'vitest';
import { ready, sodium } from './sodium.ts';
import { labelled } from '../core/cjson.ts';
import { LABEL } from '../core/labels.ts';
import {
	ARGON2_MEM,
	ARGON2_OPS,
	exportBackup,
	importBackup,
	newStorageKey,
	namedRecordKey,
	namingKey,
	openNamedRecord,
	openNamedRecordUnder,
	openRecord,
	sealNamedRecord,
	sealNamedRecordUnder,
	sealRecord,
	storedName,
	unwrapStorageKey,
	wrapStorageKey,
	type WrappedKey
} from './vault.ts';
import { fromB64, toB64, utf8 } from '../core/bytes.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';

/** Cheap Argon2id cost so the suite stays fast; one test below uses the real cost. */
const FAST = { ops: 1, mem: 8 * 1024 };

beforeAll(async () => {
	await ready();
});

describe('storage key wrapping', () => {
	test('a passphrase-wrapped storage key unwraps with the same passphrase', async () => {
		const key = newStorageKey();
		const wrapped = await wrapStorageKey(key, 'correct horse battery', FAST);
		expect(wrapped.kind).toBe('argon2id');
		expect(JSON.stringify(wrapped)).not.toContain(toB64(key));
		expect(await unwrapStorageKey(wrapped, 'correct horse battery')).toEqual(key);
	});

	test('a wrong passphrase is PROTOCOL_WRONG_PASSPHRASE and the wrapped key is unchanged', async () => {
		const key = newStorageKey();
		const wrapped = await wrapStorageKey(key, 'correct horse battery', FAST);
		const before = JSON.stringify(wrapped);
		await expectCode(unwrapStorageKey(wrapped, 'correct horse batterY'), 'PROTOCOL_WRONG_PASSPHRASE');
		await expectCode(unwrapStorageKey(wrapped, ''), 'PROTOCOL_WRONG_PASSPHRASE');
		expect(JSON.stringify(wrapped)).toBe(before);
		expect(await unwrapStorageKey(wrapped, 'correct horse battery')).toEqual(key);
	});

	test('P7 domain separation: the keyring is wrapped under its own label, and a keyring wrapped under the old record label still opens', async () => {
		const s = sodium();
		const key = newStorageKey();
		const salt = new Uint8Array(16).fill(1);
		const nonce = new Uint8Array(24).fill(2);
		const wrapped = await wrapStorageKey(key, 'correct horse battery', { ...FAST, salt, nonce });
		const pw = s.crypto_pwhash(32, utf8('correct horse battery'), salt, FAST.ops, FAST.mem, s.crypto_pwhash_ALG_ARGON2ID13);
		const ct = fromB64((wrapped as { ct: string }).ct);
		expect(s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ct, labelled(LABEL.keyringAd, { v: 1 }), nonce, pw)).toEqual(key);
		expect(() => s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ct, labelled(LABEL.storageAd, { store: 'keyring' }), nonce, pw)).toThrow();
		const legacy = { ...wrapped, ct: toB64(s.crypto_aead_xchacha20poly1305_ietf_encrypt(key, labelled(LABEL.storageAd, { store: 'keyring' }), null, nonce, pw)) } as WrappedKey;
		expect(await unwrapStorageKey(legacy, 'correct horse battery')).toEqual(key);
		await expectCode(unwrapStorageKey(legacy, 'wrong horse battery'), 'PROTOCOL_WRONG_PASSPHRASE');
	});

	test('P10 data at rest: a plain key swapped in where a passphrase-wrapped key was expected is PROTOCOL_WRONG_PASSPHRASE, whatever is typed', async () => {
		const attackerKey = newStorageKey();
		const swapped = await wrapStorageKey(attackerKey, null);
		await expectCode(unwrapStorageKey(swapped, 'correct horse battery'), 'PROTOCOL_WRONG_PASSPHRASE');
		await expectCode(unwrapStorageKey(swapped, 'anything at all'), 'PROTOCOL_WRONG_PASSPHRASE');
		expect(await unwrapStorageKey(swapped, null)).toEqual(attackerKey);
	});

	test('a locked key asked for without a passphrase is PROTOCOL_LOCKED', async () => {
		const wrapped = await wrapStorageKey(newStorageKey(), 'pass', FAST);
		await expectCode(unwrapStorageKey(wrapped, null), 'PROTOCOL_LOCKED');
	});

	test('without a passphrase the key is kept beside the data and unwraps with none', async () => {
		const key = newStorageKey();
		const wrapped = await wrapStorageKey(key, null);
		expect(wrapped.kind).toBe('plain');
		expect(await unwrapStorageKey(wrapped, null)).toEqual(key);
	});

	test('the same passphrase typed in another Unicode normal form still unlocks', async () => {
		const key = newStorageKey();
		const wrapped = await wrapStorageKey(key, 'caf\u00e9', FAST);
		expect(await unwrapStorageKey(wrapped, 'cafe\u0301')).toEqual(key);
	});

	test.each<[string, object]>([
		['an absurd memory cost', { mem: 2 ** 40 }],
		['zero passes', { ops: 0 }],
		['a short salt', { salt: 'AAAA' }],
		['a memory cost that is not a whole number of KiB', { mem: 8 * 1024 + 1 }]
	])('a stored key with %s is refused with PROTOCOL_BAD_FRAME before any work', async (_n, change) => {
		const wrapped = await wrapStorageKey(newStorageKey(), 'pass', FAST);
		await expectCode(unwrapStorageKey({ ...wrapped, ...change } as WrappedKey, 'pass'), 'PROTOCOL_BAD_FRAME');
	});

	test('libsodium drops a memory cost\'s odd bytes, so §8 allows whole KiB only: one key, one encoding', async () => {
		const s = await ready();
		const salt = new Uint8Array(16).fill(7);
		const derive = (mem: number) => toB64(s.crypto_pwhash(32, utf8('pass'), salt, 1, mem, s.crypto_pwhash_ALG_ARGON2ID13));
		expect(derive(8 * 1024 + 1023)).toBe(derive(8 * 1024));
		const wrapped = await wrapStorageKey(newStorageKey(), 'pass', FAST);
		await expectCode(unwrapStorageKey({ ...wrapped, mem: 8 * 1024 + 1023 } as WrappedKey, 'pass'), 'PROTOCOL_BAD_FRAME');
	});

	test.each([
		['wrapping a storage key', () => wrapStorageKey(newStorageKey(), 'pass', { ops: 1, mem: 8 * 1024 + 512 })],
		['exporting a backup', () => exportBackup({ root: 'r' }, 'a long passphrase', { ops: 1, mem: 8 * 1024 + 512 })]
	])('%s with a memory cost that is not whole KiB is refused with PROTOCOL_BAD_FRAME', async (_n, write) => {
		await expectCode(write(), 'PROTOCOL_BAD_FRAME');
	});

	test('a backup file whose ciphertext is not canonical base64url is PROTOCOL_BAD_FRAME, like any other field', async () => {
		const file = JSON.parse(await exportBackup({ root: 'r' }, 'a long passphrase', FAST));
		// 22 characters carry 16 bytes and 4 unused bits; 'B' sets one of them.
		const bad = 'A'.repeat(21) + 'B';
		await expectCode(importBackup(JSON.stringify({ ...file, ct: bad }), 'a long passphrase'), 'PROTOCOL_BAD_FRAME');
	});

	test('a backup file whose memory cost is not whole KiB is refused with PROTOCOL_BAD_FRAME', async () => {
		const file = JSON.parse(await exportBackup({ root: 'r' }, 'a long passphrase', FAST));
		await expectCode(importBackup(JSON.stringify({ ...file, mem: file.mem + 1 }), 'a long passphrase'), 'PROTOCOL_BAD_FRAME');
	});

	test('P10 data at rest: with the production Argon2id cost the key unlocks only with the passphrase', async () => {
		const key = newStorageKey();
		const started = performance.now();
		const wrapped = await wrapStorageKey(key, 'a long quiet evening');
		const took = performance.now() - started;
		expect(wrapped).toMatchObject({ kind: 'argon2id', ops: ARGON2_OPS, mem: ARGON2_MEM });
		// Argon2id at 64 MiB is deliberately slow: this is the cost an attacker pays per guess.
		expect(took).toBeGreaterThan(20);
		await expectCode(unwrapStorageKey(wrapped, 'a long quiet evenin'), 'PROTOCOL_WRONG_PASSPHRASE');
		expect(await unwrapStorageKey(wrapped, 'a long quiet evening')).toEqual(key);
	});
});

describe('records', () => {
	test('P10 data at rest: a sealed record holds no plaintext and opens only in its own slot', () => {
		const key = newStorageKey();
		const value = utf8('I relapsed last night');
		const sealed = sealRecord(key, 'messages', 'g1:0042', value);
		expect(Buffer.from(sealed).includes(Buffer.from(value))).toBe(false);
		expect(openRecord(key, 'messages', 'g1:0042', sealed)).toEqual(value);
		expectCode(() => openRecord(key, 'messages', 'g1:0043', sealed), 'PROTOCOL_DECRYPT_FAILED');
		expectCode(() => openRecord(key, 'groups', 'g1:0042', sealed), 'PROTOCOL_DECRYPT_FAILED');
		expectCode(() => openRecord(newStorageKey(), 'messages', 'g1:0042', sealed), 'PROTOCOL_DECRYPT_FAILED');
	});

	test('a tampered or truncated record is PROTOCOL_DECRYPT_FAILED', () => {
		const key = newStorageKey();
		const sealed = sealRecord(key, 'messages', 'k', utf8('hello'));
		for (const i of [0, 23, 24, sealed.length - 1]) {
			const bad = sealed.slice();
			bad[i]! ^= 1;
			expectCode(() => openRecord(key, 'messages', 'k', bad), 'PROTOCOL_DECRYPT_FAILED');
		}
		expectCode(() => openRecord(key, 'messages', 'k', sealed.subarray(0, 30)), 'PROTOCOL_DECRYPT_FAILED');
	});

	test('names and seals are the same whether or not the leading segments and the record key are kept between records', () => {
		const key = newStorageKey();
		const nameKey = namingKey(key);
		const prefixes = new Map<string, string>();
		const names = ['g/abc/m/1', 'g/abc/m/2', 'g/abc/', 'g/abd/m/1', 'device', 'g/abc/m/1', 'g/', ''];
		for (const name of names) expect(storedName(nameKey, name, prefixes)).toBe(storedName(nameKey, name));
		// Only leading segments are kept, never a whole record name (each is hashed once anyway).
		expect([...prefixes.keys()].sort()).toEqual(['g', 'g/abc', 'g/abc/m', 'g/abd', 'g/abd/m']);
		const nonce = new Uint8Array(24).fill(7);
		const record = namedRecordKey(key);
		const stored = storedName(nameKey, 'g/abc/m/1');
		const sealed = sealNamedRecordUnder(record, stored, 'g/abc/m/1', utf8('one day at a time'), nonce);
		expect(toB64(sealed)).toBe(toB64(sealNamedRecord(key, stored, 'g/abc/m/1', utf8('one day at a time'), nonce)));
		expect(openNamedRecord(key, stored, sealed).name).toBe('g/abc/m/1');
		expectCode(() => openNamedRecordUnder(record, storedName(nameKey, 'g/abc/m/2'), sealed), 'PROTOCOL_DECRYPT_FAILED');
	});

	test('the cache of leading segments stays bounded', () => {
		const nameKey = namingKey(newStorageKey());
		const prefixes = new Map<string, string>();
		for (let i = 0; i < 5_000; i++) storedName(nameKey, `g/${i}/m/x`, prefixes);
		expect(prefixes.size).toBeLessThanOrEqual(4_096);
		expect(storedName(nameKey, 'g/7/m/x', prefixes)).toBe(storedName(nameKey, 'g/7/m/x'));
	});

	test('sealing the same value twice gives different bytes (random nonce)', () => {
		const key = newStorageKey();
		expect(toB64(sealRecord(key, 's', 'k', utf8('x')))).not.toBe(toB64(sealRecord(key, 's', 'k', utf8('x'))));
	});
});

describe('backup files', () => {
	const payload = { root: toB64(new Uint8Array(32).fill(1)), groups: [{ id: 'g', nonce: 'n' }], note: 'Tuesday circle' };

	test('a backup exported with a passphrase imports with it', async () => {
		const text = await exportBackup(payload, 'moving to a new phone', FAST);
		expect(text).not.toContain('Tuesday');
		expect(JSON.parse(text)).toMatchObject({ unseen: 'backup', v: 1, ops: 1, mem: 8192 });
		expect(await importBackup(text, 'moving to a new phone')).toEqual(payload);
	});

	test('a wrong backup passphrase is PROTOCOL_WRONG_PASSPHRASE', async () => {
		const text = await exportBackup(payload, 'moving to a new phone', FAST);
		await expectCode(importBackup(text, 'moving to a new phone!'), 'PROTOCOL_WRONG_PASSPHRASE');
	});

	test.each([
		['not JSON', 'hello'],
		['another JSON file', '{"name":"photos"}'],
		['a backup of a future version', JSON.stringify({ unseen: 'backup', v: 2, salt: 'A'.repeat(22), ops: 1, mem: 8192, nonce: 'A'.repeat(32), ct: 'AAAA' })]
	])('%s is PROTOCOL_BAD_FRAME', async (_n, text) => {
		await expectCode(importBackup(text, 'pass'), 'PROTOCOL_BAD_FRAME');
	});

	test('a backup whose ciphertext was altered fails as a wrong passphrase would, revealing nothing', async () => {
		const file = JSON.parse(await exportBackup(payload, 'passphrase', FAST));
		const ct = fromB64(file.ct);
		ct[5]! ^= 1;
		await expectCode(importBackup(JSON.stringify({ ...file, ct: toB64(ct) }), 'passphrase'), 'PROTOCOL_WRONG_PASSPHRASE');
	});

	test.each(['', 'pass', '1234567', 'caf\u00e9123', 'cafe\u0301123'])('a backup passphrase of fewer than 8 characters (%j) is refused with PROTOCOL_WEAK_PASSPHRASE', async (weak) => {
		await expectCode(exportBackup(payload, weak, FAST), 'PROTOCOL_WEAK_PASSPHRASE');
	});

	test('a backup passphrase of exactly 8 characters is accepted and opens the backup', async () => {
		const text = await exportBackup(payload, 'caf\u00e91234', FAST);
		expect(await importBackup(text, 'cafe\u03011234')).toEqual(payload);
	});
});
