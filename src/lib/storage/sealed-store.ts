/**
 * The client's `Store`, sealed at rest (P10): every value is encrypted with the storage key and
 * bound to its record key (vault.ts sealRecord), so the browser's files hold only ciphertext and a
 * record moved to another key fails to open. After `lock()` every call throws PROTOCOL_LOCKED.
 */
import type { Store } from '../client/api.ts';
import { ProtocolError } from '../core/errors.ts';
import { sodium } from '../crypto/sodium.ts';
import { openRecord, sealRecord } from '../crypto/vault.ts';
import type { RawKv } from './kv.ts';

export const RECORD_STORE = 'records';

export interface SealedStore extends Store {
	/** Wipes the storage key from memory; the store refuses every call afterwards. */
	lock(): void;
	readonly locked: boolean;
}

export function sealedStore(kv: RawKv, storageKey: Uint8Array): SealedStore {
	let key: Uint8Array | null = storageKey;
	const live = (): Uint8Array => {
		if (key === null) throw new ProtocolError('PROTOCOL_LOCKED', 'local data is locked');
		return key;
	};
	return {
		get locked() {
			return key === null;
		},
		async get(name) {
			const sealed = await kv.get(name);
			return sealed === undefined ? undefined : openRecord(live(), RECORD_STORE, name, sealed);
		},
		async put(name, value) {
			await kv.put(name, sealRecord(live(), RECORD_STORE, name, value));
		},
		async delete(name) {
			live();
			await kv.delete(name);
		},
		async keys(prefix) {
			live();
			return kv.keys(prefix);
		},
		lock() {
			if (key !== null) sodium().memzero(key);
			key = null;
		}
	};
}
