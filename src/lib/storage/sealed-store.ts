/**
 * The client's Kv, sealed at rest (P10): every value is encrypted with the storage key and bound
 * to its record key (vault.ts sealRecord), so the browser's files hold only ciphertext and a
 * record moved to another key fails to open. A batch is sealed whole, then handed down as one
 * batch, so it stays all-or-nothing. After `lock()` every call throws PROTOCOL_LOCKED.
 */
import { ProtocolError } from '../core/errors.ts';
import { sodium } from '../crypto/sodium.ts';
import { openRecord, sealRecord } from '../crypto/vault.ts';
import { put, type Kv } from './kv.ts';

export const RECORD_STORE = 'records';

export interface SealedStore extends Kv {
	/** Wipes the storage key from memory; the store refuses every call afterwards. */
	lock(): void;
	readonly locked: boolean;
}

export function sealedStore(kv: Kv, storageKey: Uint8Array): SealedStore {
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
		async keys(prefix) {
			live();
			return kv.keys(prefix);
		},
		async batch(ops) {
			const storage = live();
			await kv.batch(ops.map((op) => (op.type === 'put' ? put(op.key, sealRecord(storage, RECORD_STORE, op.key, op.value)) : op)));
		},
		lock() {
			if (key !== null) sodium().memzero(key);
			key = null;
		}
	};
}
