/**
 * IndexedDB backend (idb). One database, two object stores: `records` (sealed bytes keyed by the
 * client's record key) and `meta` (the wrapped storage key). Browser only.
 */
import { openDB, deleteDB, type IDBPDatabase } from 'idb';
import type { DeviceBackend, RawKv } from './kv.ts';

export const DATABASE_NAME = 'unseen';
const RECORDS = 'records';
const META = 'meta';

function recordsKv(db: IDBPDatabase): RawKv {
	return {
		async get(key) {
			const v: unknown = await db.get(RECORDS, key);
			return v instanceof Uint8Array ? v : undefined;
		},
		async put(key, value) {
			await db.put(RECORDS, value, key);
		},
		async delete(key) {
			await db.delete(RECORDS, key);
		},
		async keys(prefix) {
			// '\uffff' sorts after every character a key can hold, so the range is exactly the prefix.
			const range = IDBKeyRange.bound(prefix, prefix + '\uffff', false, false);
			return (await db.getAllKeys(RECORDS, range)).map(String);
		}
	};
}

export async function idbBackend(name = DATABASE_NAME): Promise<DeviceBackend> {
	const db = await openDB(name, 1, {
		upgrade(database) {
			database.createObjectStore(RECORDS);
			database.createObjectStore(META);
		}
	});
	return {
		records: recordsKv(db),
		readKeyring: () => db.get(META, 'keyring'),
		async writeKeyring(value) {
			await db.put(META, value, 'keyring');
		},
		async destroy() {
			db.close();
			await deleteDB(name);
		},
		close: () => db.close()
	};
}
