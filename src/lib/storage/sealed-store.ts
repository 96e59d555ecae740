/**
 * The client's Kv, sealed at rest (P10): every value is encrypted with the storage key, and every
 * record name is a keyed hash of its path (vault.ts storedName, docs/PROTOCOL.md §8), so the
 * browser's files hold neither the text nor the names (group ids, pseudonyms, message ids, invite
 * keys). A record carries its own name inside the seal; listing opens what it has not yet seen.
 * A batch is sealed whole, then handed down as one batch, so it stays all-or-nothing. After
 * `lock()` every call throws PROTOCOL_LOCKED and the names learned are forgotten.
 */
import { toB64 } from '../core/bytes.ts';
import { ProtocolError } from '../core/errors.ts';
import { sodium } from '../crypto/sodium.ts';
import { NAMED_PREFIX, namedRecordKey, namingKey, openNamedRecordUnder, openRecord, routeAlias, sealNamedRecord, sealNamedRecordUnder, storedName } from '../crypto/vault.ts';
import { yieldToPage } from '../core/yield.ts';
import { countOf, del, entriesOf, getManyOf, put, type Kv, type KvOp } from './kv.ts';

/** The store label of records written before names were hashed (§8); read once, to move them. */
export const RECORD_STORE = 'records';

export interface SealedStore extends Kv {
	/** Wipes the storage key from memory; the store refuses every call afterwards. */
	lock(): void;
	readonly locked: boolean;
	/** The page address of group `groupId` on this device (vault.ts routeAlias, §8); PROTOCOL_LOCKED once locked. */
	routeAlias(groupId: string): string;
}

/** Work between two pauses while sealing a large batch. */
const SEAL_SLICE_MS = 8;

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function sealedStore(kv: Kv, storageKey: Uint8Array): SealedStore {
	/** `record`: the one key every named record is sealed with, derived once (vault.ts namedRecordKey). */
	let keys: { storage: Uint8Array; name: Uint8Array; record: Uint8Array } | null = { storage: storageKey, name: namingKey(storageKey), record: namedRecordKey(storageKey) };
	/** Stored name → name, for names this store has written, read or listed. */
	const names = new Map<string, string>();
	/** Hashes of leading name segments (storedName's cache); forgotten with the keys. */
	const prefixes = new Map<string, string>();
	const hashed = (nameKey: Uint8Array, name: string) => storedName(nameKey, name, prefixes);
	const live = () => {
		if (keys === null) throw new ProtocolError('PROTOCOL_LOCKED', 'local data is locked');
		return keys;
	};
	let writes: Promise<unknown> = Promise.resolve();
	/** Seals `ops` and writes them as one batch of the table below. */
	const write = async (ops: readonly KvOp[]): Promise<void> => {
		const sealed: KvOp[] = [];
		// A large batch (a catch-up's save) is sealed in slices of about 8 ms, the page running
		// between them; it is still written as one batch, all or nothing. The keys are looked up
		// again after each pause: a lock meanwhile stops it before anything is written.
		let since = performance.now();
		for (const op of ops) {
			if (performance.now() - since >= SEAL_SLICE_MS) {
				await yieldToPage();
				since = performance.now();
			}
			const k = live();
			const stored = hashed(k.name, op.key);
			sealed.push(op.type === 'put' ? put(stored, sealNamedRecordUnder(k.record, stored, op.key, op.value)) : del(stored));
		}
		live();
		await kv.batch(sealed);
		ops.forEach((op, i) => {
			const stored = sealed[i]!.key;
			if (op.type === 'put') names.set(stored, op.key);
			else names.delete(stored);
		});
	};
	const open = (stored: string, sealed: Uint8Array) => {
		const record = openNamedRecordUnder(live().record, stored, sealed);
		names.set(stored, record.name);
		return record;
	};
	return {
		get locked() {
			return keys === null;
		},
		routeAlias(groupId) {
			return routeAlias(live().storage, groupId);
		},
		async get(name) {
			const stored = hashed(live().name, name);
			const sealed = await kv.get(stored);
			if (sealed === undefined) return undefined;
			const record = open(stored, sealed);
			if (record.name !== name) throw new ProtocolError('PROTOCOL_DECRYPT_FAILED', 'record is stored under another name');
			return record.value;
		},
		async getMany(asked) {
			const k = live();
			const stored = asked.map((name) => hashed(k.name, name));
			const sealed = await getManyOf(kv, stored);
			return sealed.map((bytes, i) => {
				if (bytes === undefined) return undefined;
				const record = open(stored[i]!, bytes);
				if (record.name !== asked[i]) throw new ProtocolError('PROTOCOL_DECRYPT_FAILED', 'record is stored under another name');
				return record.value;
			});
		},
		async count(prefix) {
			if (prefix !== '' && !prefix.endsWith('/')) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'a listed prefix ends with "/"');
			// Hashed names only: nothing is read or opened, so this is what the files show anyway (§8).
			return countOf(kv, hashed(live().name, prefix));
		},
		async keys(prefix) {
			if (prefix !== '' && !prefix.endsWith('/')) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'a listed prefix ends with "/"');
			const out: string[] = [];
			for (const stored of await kv.keys(hashed(live().name, prefix))) {
				let name = names.get(stored);
				if (name === undefined) {
					const sealed = await kv.get(stored);
					if (sealed === undefined) continue;
					name = open(stored, sealed).name;
				}
				if (name.startsWith(prefix)) out.push(name);
			}
			return out.sort(byCodeUnit);
		},
		async entries(prefix) {
			if (prefix !== '' && !prefix.endsWith('/')) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'a listed prefix ends with "/"');
			const out: [string, Uint8Array][] = [];
			// Each sealed record is opened once, for its name and its value together.
			for (const [stored, sealed] of await entriesOf(kv, hashed(live().name, prefix))) {
				const record = open(stored, sealed);
				if (record.name.startsWith(prefix)) out.push([record.name, record.value]);
			}
			return out.sort(([a], [b]) => byCodeUnit(a, b));
		},
		batch(ops) {
			// Batches are sealed and written one after another, in the order asked: a large one
			// pauses while it is sealed, and a later one must not land before it.
			const run = writes.then(() => write(ops));
			writes = run.catch(() => undefined);
			return run;
		},
		lock() {
			if (keys !== null) {
				sodium().memzero(keys.storage);
				sodium().memzero(keys.name);
				sodium().memzero(keys.record);
			}
			keys = null;
			names.clear();
			prefixes.clear();
		}
	};
}

/** Where an old-layout record that does not open is set aside (§8): `unreadable/<b64url(old name)>`. */
export const SET_ASIDE_PREFIX = 'unreadable/';

/** What moving the old layout did: records moved, and records set aside because they did not open. */
export interface Migration {
	moved: number;
	setAside: number;
}

/**
 * Moves records written before names were hashed (plain name, store "records") to their hashed
 * names, in one batch (§8). A record that does not open (damaged, or sealed under another name)
 * does not stop the others: its sealed bytes are kept, sealed again under the hashed name
 * `unreadable/<b64url(old name)>`, and counted in `setAside`.
 */
export async function migrateLegacyNames(kv: Kv, storageKey: Uint8Array): Promise<Migration> {
	const legacy = (await kv.keys('')).filter((k) => !k.startsWith(NAMED_PREFIX));
	const result: Migration = { moved: 0, setAside: 0 };
	if (legacy.length === 0) return result;
	const nameKey = namingKey(storageKey);
	const ops: KvOp[] = [];
	/** Seals `value` under the hashed form of `to` and deletes the plain record `from`. */
	const move = (from: string, to: string, value: Uint8Array) => {
		const stored = storedName(nameKey, to);
		ops.push(put(stored, sealNamedRecord(storageKey, stored, to, value)), del(from));
	};
	try {
		for (const name of legacy) {
			const sealed = await kv.get(name);
			if (sealed === undefined) continue;
			try {
				move(name, name, openRecord(storageKey, RECORD_STORE, name, sealed));
				result.moved += 1;
			} catch (error) {
				if (!(error instanceof ProtocolError)) throw error;
				// Kept as it was, under a hashed name: the plain name leaves the disk like the others.
				move(name, SET_ASIDE_PREFIX + toB64(new TextEncoder().encode(name)), sealed);
				result.setAside += 1;
			}
		}
	} finally {
		sodium().memzero(nameKey);
	}
	await kv.batch(ops);
	return result;
}
