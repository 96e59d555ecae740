/**
 * IndexedDB backend (idb). One database, two object stores: `records` (sealed bytes keyed by the
 * client's record key) and `meta` (the wrapped storage key). Browser only.
 */
import { openDB, deleteDB, unwrap, type IDBPDatabase } from 'idb';
import type { DeviceBackend, Kv } from './kv.ts';

export const DATABASE_NAME = 'unseen';
const RECORDS = 'records';
const META = 'meta';

function recordsKv(db: IDBPDatabase): Kv {
	return {
		async get(key) {
			const v: unknown = await db.get(RECORDS, key);
			return v instanceof Uint8Array ? v : undefined;
		},
		async keys(prefix) {
			// '\uffff' sorts after every character a key can hold, so the range is exactly the prefix.
			const range = IDBKeyRange.bound(prefix, prefix + '\uffff', false, false);
			return (await db.getAllKeys(RECORDS, range)).map(String);
		},
		async entries(prefix) {
			// Keys and values of one range in one read transaction: both lists come in key order.
			const range = IDBKeyRange.bound(prefix, prefix + '\uffff', false, false);
			const tx = db.transaction(RECORDS, 'readonly');
			const [names, values] = await Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range), tx.done]);
			const out: [string, Uint8Array][] = [];
			names.forEach((k, i) => {
				const v: unknown = values[i];
				if (v instanceof Uint8Array) out.push([String(k), v]);
			});
			return out;
		},
		async getMany(keys) {
			// Every value in one read transaction, in the order asked.
			if (keys.length === 0) return [];
			const tx = db.transaction(RECORDS, 'readonly');
			const values = await Promise.all([...keys.map((key) => tx.store.get(key)), tx.done]);
			return values.slice(0, keys.length).map((v: unknown) => (v instanceof Uint8Array ? v : undefined));
		},
		async count(prefix) {
			return db.count(RECORDS, IDBKeyRange.bound(prefix, prefix + '\uffff', false, false));
		},
		async batch(ops) {
			if (ops.length === 0) return;
			// One readwrite transaction: IndexedDB commits all of it or, on any failure, none.
			// The requests go to the plain object store: idb's wrapper would listen to each one, and
			// every request's success event is then a task of its own on the page (two per message
			// in a catch-up, issue 15). A failed request aborts the transaction, which tx.done reports.
			const tx = db.transaction(RECORDS, 'readwrite');
			const store = unwrap(tx.store);
			for (const op of ops) {
				if (op.type === 'put') store.put(op.value, op.key);
				else store.delete(op.key);
			}
			await tx.done;
		}
	};
}

/**
 * Opens the device's database. `onVersionChange` runs when another tab deletes (wipes) or upgrades
 * it: this connection closes first, so that tab's request is never blocked by this one.
 */
export async function idbBackend(name = DATABASE_NAME, onVersionChange?: () => void): Promise<DeviceBackend> {
	const db = await openDB(name, 1, {
		upgrade(database) {
			database.createObjectStore(RECORDS);
			database.createObjectStore(META);
		},
		blocking() {
			db.close();
			onVersionChange?.();
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
