/**
 * Local data at rest and backup files (docs/PROTOCOL.md §8, property P10).
 *
 *   record  = nonce ‖ AEAD(KDF(storageKey, "unseen/v1/storage", store), nonce, value,
 *                          labelled("unseen/v1/storage-record", {store, key}))
 *   named   = record with store "named", key = storedName(name), value = utf8(name) ‖ 0x00 ‖ value
 *   storedName("a/b") = "~" ‖ b64url(KDF(nameKey, "unseen/v1/storage-segment", "a")[0..16]) ‖ "/"
 *                       ‖ b64url(KDF(nameKey, "unseen/v1/storage-segment", "a/b")[0..16]),
 *                       nameKey = KDF(storageKey, "unseen/v1/storage-name", "")
 *   wrapped = {salt, ops, mem, nonce, ct = AEAD(PWHash(pass, salt), nonce, storageKey,
 *                          labelled("unseen/v1/keyring", {v: 1}))}
 *   backup  = {unseen: "backup", v: 1, salt, ops, mem, nonce,
 *              ct = AEAD(KDF(PWHash(pass, salt), "unseen/v1/backup", ""), nonce, cjson(payload),
 *                        labelled("unseen/v1/backup-file", {v: 1}))}
 *
 * PWHash is Argon2id13 (crypto_pwhash, sumo build), 32-byte output, 16-byte salt, passphrase
 * NFC-normalised UTF-8. Production cost: opslimit 3, memlimit 64 MiB; tests may pass less.
 */
import * as v from 'valibot';
import { b64Bytes, concat, fromUtf8, toB64, utf8 } from '../core/bytes.ts';
import { canonicalJson, labelled, type CJson } from '../core/cjson.ts';
import { ProtocolError } from '../core/errors.ts';
import { LABEL } from '../core/labels.ts';
import { b64, uint } from '../core/schema.ts';
import { aeadDecrypt, aeadEncrypt } from './aead.ts';
import { kdf } from './chain.ts';
import { randomNonce, ready, sodium } from './sodium.ts';

export const ARGON2_OPS = 3;
export const ARGON2_MEM = 64 * 1024 * 1024;
/** Bounds accepted from a stored key or a backup file, so a hostile file cannot exhaust the device. */
const OPS_RANGE = [1, 10] as const;
const MEM_RANGE = [8 * 1024, 256 * 1024 * 1024] as const;

export interface KdfCost {
	ops: number;
	mem: number;
}

/** Test vectors only: fixed salt and nonce. */
export interface WrapOptions extends Partial<KdfCost> {
	salt?: Uint8Array;
	nonce?: Uint8Array;
}

export type WrappedKey =
	| { v: 1; kind: 'plain'; key: string }
	| { v: 1; kind: 'argon2id'; salt: string; ops: number; mem: number; nonce: string; ct: string };

/**
 * Argon2id counts memory in KiB and libsodium divides `mem` by 1024, dropping the rest: 8192 and
 * 8193 would derive one key. So `mem` must be a multiple of 1024 bytes, giving each key one
 * encoding (§8); anything else is refused on reading and on writing.
 */
const MEM_UNIT = 1024;
const cost = {
	ops: v.pipe(uint, v.minValue(OPS_RANGE[0]), v.maxValue(OPS_RANGE[1])),
	mem: v.pipe(uint, v.minValue(MEM_RANGE[0]), v.maxValue(MEM_RANGE[1]), v.multipleOf(MEM_UNIT))
};
const costSchema = v.strictObject(cost);

/** The cost of a key about to be written: one the reader would refuse is PROTOCOL_BAD_FRAME now, not later. */
function writeCost(options: Partial<KdfCost>): KdfCost {
	const c = { ops: options.ops ?? ARGON2_OPS, mem: options.mem ?? ARGON2_MEM };
	if (!v.is(costSchema, c)) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'Argon2id cost out of range: ops 1..10, mem 8 KiB..256 MiB in whole KiB');
	return c;
}
const wrappedSchema = v.variant('kind', [
	v.strictObject({ v: v.literal(1), kind: v.literal('plain'), key: b64(32) }),
	v.strictObject({ v: v.literal(1), kind: v.literal('argon2id'), salt: b64(16), ...cost, nonce: b64(24), ct: b64(48) })
]);
const backupSchema = v.strictObject({
	unseen: v.literal('backup'),
	v: v.literal(1),
	salt: b64(16),
	...cost,
	nonce: b64(24),
	// Canonical base64url like every other byte field (§1.2): a bad `ct` is PROTOCOL_BAD_FRAME.
	ct: b64([16, Number.MAX_SAFE_INTEGER])
});

/** A backup file carries the device root and can be guessed at offline: at least this many characters (code points, after NFC). */
export const MIN_BACKUP_PASSPHRASE = 8;

const KEYRING_AD = () => labelled(LABEL.keyringAd, { v: 1 });
/** The AD keyrings were wrapped under before the keyring had its own label; read, never written. */
const LEGACY_KEYRING_AD = () => labelled(LABEL.storageAd, { store: 'keyring' });
const BACKUP_AD = () => labelled(LABEL.backupAd, { v: 1 });
const NONCE = 24;

function checkPassphrase(passphrase: string): Uint8Array {
	if (typeof passphrase !== 'string' || passphrase.length === 0) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'passphrase is empty');
	return utf8(passphrase.normalize('NFC'));
}

function pwhash(passphrase: string, salt: Uint8Array, c: KdfCost): Uint8Array {
	const s = sodium();
	const pass = checkPassphrase(passphrase);
	try {
		return s.crypto_pwhash(32, pass, salt, c.ops, c.mem, s.crypto_pwhash_ALG_ARGON2ID13);
	} finally {
		s.memzero(pass);
	}
}

/** The vault's formats keep the nonce apart; a record that does not open is null, not a throw. */
function aeadOpen(key: Uint8Array, nonce: Uint8Array, ct: Uint8Array, ad: Uint8Array): Uint8Array | null {
	try {
		return aeadDecrypt(key, nonce, ct, ad);
	} catch {
		return null;
	}
}

const aeadSeal = aeadEncrypt;

/** A fresh random 32-byte storage key. */
export function newStorageKey(): Uint8Array {
	return sodium().randombytes_buf(32);
}

/** Wraps the storage key under a passphrase (Argon2id), or stores it as is when `passphrase` is null. */
export async function wrapStorageKey(storageKey: Uint8Array, passphrase: string | null, options: WrapOptions = {}): Promise<WrappedKey> {
	const s = await ready();
	if (storageKey.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'storage key must be 32 bytes');
	if (passphrase === null) return { v: 1, kind: 'plain', key: toB64(storageKey) };
	const c = writeCost(options);
	const salt = options.salt ?? s.randombytes_buf(16);
	const nonce = options.nonce ?? s.randombytes_buf(NONCE);
	const wrapKey = pwhash(passphrase, salt, c);
	const ct = aeadSeal(wrapKey, nonce, storageKey, KEYRING_AD());
	s.memzero(wrapKey);
	return { v: 1, kind: 'argon2id', salt: toB64(salt), ...c, nonce: toB64(nonce), ct: toB64(ct) };
}

/**
 * Recovers the storage key. PROTOCOL_WRONG_PASSPHRASE when the passphrase does not open it,
 * PROTOCOL_LOCKED when a passphrase is needed and none was given, PROTOCOL_BAD_FRAME for a
 * malformed record. Never changes `wrapped`.
 *
 * A caller that passes a passphrase expects a passphrase-wrapped key: a `plain` key then is
 * PROTOCOL_WRONG_PASSPHRASE (review finding 18). Otherwise anyone able to write the keyring could
 * swap in a plain key of their own that "opens" with any passphrase, and every later record would
 * be sealed under a key they know.
 */
export async function unwrapStorageKey(wrapped: WrappedKey, passphrase: string | null): Promise<Uint8Array> {
	const s = await ready();
	const parsed = v.safeParse(wrappedSchema, wrapped);
	if (!parsed.success) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'wrapped storage key is malformed');
	const w = parsed.output;
	if (w.kind === 'plain') {
		if (passphrase !== null) throw new ProtocolError('PROTOCOL_WRONG_PASSPHRASE', 'a passphrase was expected but the stored key is not protected by one');
		return b64Bytes(w.key, 32, 'key');
	}
	if (passphrase === null) throw new ProtocolError('PROTOCOL_LOCKED', 'a passphrase is needed to unlock');
	if (passphrase.length === 0) throw new ProtocolError('PROTOCOL_WRONG_PASSPHRASE', 'wrong passphrase');
	const wrapKey = pwhash(passphrase, b64Bytes(w.salt, 16, 'salt'), w);
	const nonce = b64Bytes(w.nonce, NONCE, 'nonce');
	const ct = b64Bytes(w.ct, 48, 'ct');
	const key = aeadOpen(wrapKey, nonce, ct, KEYRING_AD()) ?? aeadOpen(wrapKey, nonce, ct, LEGACY_KEYRING_AD());
	s.memzero(wrapKey);
	if (!key) throw new ProtocolError('PROTOCOL_WRONG_PASSPHRASE', 'wrong passphrase');
	return key;
}

function recordKey(storageKey: Uint8Array, store: string): Uint8Array {
	if (storageKey.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'storage key must be 32 bytes');
	return kdf(storageKey, LABEL.storage, utf8(store));
}

/** Encrypts one record, bound to its store and key: it cannot be moved to another slot. */
export function sealRecord(storageKey: Uint8Array, store: string, key: string, value: Uint8Array, nonce?: Uint8Array): Uint8Array {
	const k = recordKey(storageKey, store);
	try {
		return sealUnder(k, store, key, value, nonce);
	} finally {
		sodium().memzero(k);
	}
}

function sealUnder(k: Uint8Array, store: string, key: string, value: Uint8Array, nonce?: Uint8Array): Uint8Array {
	const n = nonce ?? randomNonce(NONCE);
	return concat(n, aeadSeal(k, n, value, labelled(LABEL.storageAd, { store, key })));
}

/** Decrypts one record. PROTOCOL_DECRYPT_FAILED if it was changed, moved, or sealed under another key. */
export function openRecord(storageKey: Uint8Array, store: string, key: string, sealed: Uint8Array): Uint8Array {
	const k = recordKey(storageKey, store);
	try {
		return openUnder(k, store, key, sealed);
	} finally {
		sodium().memzero(k);
	}
}

function openUnder(k: Uint8Array, store: string, key: string, sealed: Uint8Array): Uint8Array {
	if (sealed.length < NONCE + 16) throw new ProtocolError('PROTOCOL_DECRYPT_FAILED', 'record is truncated');
	const value = aeadOpen(k, sealed.subarray(0, NONCE), sealed.subarray(NONCE), labelled(LABEL.storageAd, { store, key }));
	if (!value) throw new ProtocolError('PROTOCOL_DECRYPT_FAILED', `record ${store}/${key} does not decrypt`);
	return value;
}

/** The key that names records (§8): its own label, never the key that seals them (P7). */
export function namingKey(storageKey: Uint8Array): Uint8Array {
	if (storageKey.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'storage key must be 32 bytes');
	return kdf(storageKey, LABEL.storageName);
}

/**
 * The page address of a group on this device (§8): a keyed hash of the group id under the storage
 * key, so browser history names no group, and two devices (or a restore) give unrelated addresses.
 */
export function routeAlias(storageKey: Uint8Array, groupId: string): string {
	if (storageKey.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'storage key must be 32 bytes');
	const out = kdf(storageKey, LABEL.routeAlias, utf8(groupId));
	try {
		return toB64(out.subarray(0, 16));
	} finally {
		sodium().memzero(out);
	}
}

/** Prefix of every hashed name; a record name without it was written before names were hashed. */
export const NAMED_PREFIX = '~';
/** The store label of records under hashed names (§8). */
const NAMED_STORE = 'named';

/**
 * The stored name of a record name or of a prefix ending in '/' (§8): each segment becomes a
 * keyed hash of the whole path up to it, so listing a prefix stays a prefix scan.
 */
export function storedName(nameKey: Uint8Array, name: string, prefixes?: Map<string, string>): string {
	if (name === '') return NAMED_PREFIX;
	const segments = name.split('/');
	const isPrefix = segments.at(-1) === '';
	if (isPrefix) segments.pop();
	if (name.includes('\0') || segments.some((s) => s === '')) throw new ProtocolError('PROTOCOL_BAD_FRAME', `record name ${JSON.stringify(name)} has an empty segment or a NUL`);
	const hashed: string[] = [];
	let path = '';
	for (let i = 0; i < segments.length; i++) {
		path = i === 0 ? segments[0]! : `${path}/${segments[i]}`;
		// `prefixes`: the hashes of leading segments already computed (a group's records share
		// them), so a catch-up's thousands of names cost one hash each instead of four.
		const last = i === segments.length - 1 && !isPrefix;
		let h = last ? undefined : prefixes?.get(path);
		if (h === undefined) {
			h = toB64(kdf(nameKey, LABEL.storageSegment, utf8(path)).subarray(0, 16));
			if (!last && prefixes) {
				if (prefixes.size >= MAX_PREFIXES) prefixes.clear();
				prefixes.set(path, h);
			}
		}
		hashed.push(h);
	}
	return NAMED_PREFIX + hashed.join('/') + (isPrefix ? '/' : '');
}

/** Bound of a storedName prefix cache. */
const MAX_PREFIXES = 4_096;

/** Seals a record under its stored name; the value carries its own name, so listing can recover it. */
export function sealNamedRecord(storageKey: Uint8Array, stored: string, name: string, value: Uint8Array, nonce?: Uint8Array): Uint8Array {
	const k = namedRecordKey(storageKey);
	try {
		return sealNamedRecordUnder(k, stored, name, value, nonce);
	} finally {
		sodium().memzero(k);
	}
}

/** Opens a record sealed by sealNamedRecord. PROTOCOL_DECRYPT_FAILED if it was changed, moved or is malformed. */
export function openNamedRecord(storageKey: Uint8Array, stored: string, sealed: Uint8Array): { name: string; value: Uint8Array } {
	const k = namedRecordKey(storageKey);
	try {
		return openNamedRecordUnder(k, stored, sealed);
	} finally {
		sodium().memzero(k);
	}
}

/**
 * The key that seals every named record (§8: the record key of the store "named"), for a store
 * that seals and opens many records: derived once instead of once per record. The caller wipes it.
 */
export function namedRecordKey(storageKey: Uint8Array): Uint8Array {
	return recordKey(storageKey, NAMED_STORE);
}

/** sealNamedRecord under a key from namedRecordKey (the same bytes). */
export function sealNamedRecordUnder(recordKey: Uint8Array, stored: string, name: string, value: Uint8Array, nonce?: Uint8Array): Uint8Array {
	const plain = concat(utf8(name), new Uint8Array([0]), value);
	try {
		return sealUnder(recordKey, NAMED_STORE, stored, plain, nonce);
	} finally {
		sodium().memzero(plain);
	}
}

/** openNamedRecord under a key from namedRecordKey. */
export function openNamedRecordUnder(recordKey: Uint8Array, stored: string, sealed: Uint8Array): { name: string; value: Uint8Array } {
	const plain = openUnder(recordKey, NAMED_STORE, stored, sealed);
	const end = plain.indexOf(0);
	if (end < 0) throw new ProtocolError('PROTOCOL_DECRYPT_FAILED', 'record has no name');
	return { name: fromUtf8(plain.subarray(0, end)), value: plain.slice(end + 1) };
}

function backupKey(passphrase: string, salt: Uint8Array, c: KdfCost): Uint8Array {
	const master = pwhash(passphrase, salt, c);
	const key = kdf(master, LABEL.backup);
	sodium().memzero(master);
	return key;
}

/**
 * A backup file (JSON text) holding `payload`, encrypted under `passphrase`.
 * PROTOCOL_WEAK_PASSPHRASE when the passphrase is shorter than MIN_BACKUP_PASSPHRASE characters.
 */
export async function exportBackup(payload: CJson, passphrase: string, options: WrapOptions = {}): Promise<string> {
	const s = await ready();
	if (typeof passphrase !== 'string' || [...passphrase.normalize('NFC')].length < MIN_BACKUP_PASSPHRASE) {
		throw new ProtocolError('PROTOCOL_WEAK_PASSPHRASE', `a backup passphrase needs at least ${MIN_BACKUP_PASSPHRASE} characters`);
	}
	const c = writeCost(options);
	const salt = options.salt ?? s.randombytes_buf(16);
	const nonce = options.nonce ?? s.randombytes_buf(NONCE);
	const plain = utf8(canonicalJson(payload));
	const key = backupKey(passphrase, salt, c);
	const ct = aeadSeal(key, nonce, plain, BACKUP_AD());
	s.memzero(key);
	s.memzero(plain);
	return JSON.stringify({ unseen: 'backup', v: 1, salt: toB64(salt), ops: c.ops, mem: c.mem, nonce: toB64(nonce), ct: toB64(ct) });
}

/** Reads a backup file. PROTOCOL_BAD_FRAME if it is not one; PROTOCOL_WRONG_PASSPHRASE if the passphrase does not open it. */
export async function importBackup(text: string, passphrase: string): Promise<CJson> {
	const s = await ready();
	let raw: unknown;
	try {
		raw = JSON.parse(text);
	} catch {
		throw new ProtocolError('PROTOCOL_BAD_FRAME', 'this is not an Unseen backup file');
	}
	const parsed = v.safeParse(backupSchema, raw);
	if (!parsed.success) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'this is not an Unseen backup file');
	const f = parsed.output;
	if (typeof passphrase !== 'string' || passphrase.length === 0) throw new ProtocolError('PROTOCOL_WRONG_PASSPHRASE', 'wrong passphrase');
	const ct = b64Bytes(f.ct, [16, Number.MAX_SAFE_INTEGER], 'ct');
	const key = backupKey(passphrase, b64Bytes(f.salt, 16, 'salt'), f);
	const plain = aeadOpen(key, b64Bytes(f.nonce, NONCE, 'nonce'), ct, BACKUP_AD());
	s.memzero(key);
	if (!plain) throw new ProtocolError('PROTOCOL_WRONG_PASSPHRASE', 'wrong passphrase');
	try {
		return JSON.parse(fromUtf8(plain)) as CJson;
	} catch {
		throw new ProtocolError('PROTOCOL_BAD_FRAME', 'backup contents are not JSON');
	} finally {
		s.memzero(plain);
	}
}
