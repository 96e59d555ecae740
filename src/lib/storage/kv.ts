/**
 * The one key-value interface of the device's data. The client writes its records through it
 * (sealed at rest by sealed-store.ts); the raw tables under the seal have the same shape
 * (IndexedDB in the browser, a Map in Node tests). A client step writes once, with `batch`,
 * which is all-or-nothing: a reload or crash never leaves half a step on the device.
 */
export type KvOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

export interface Kv {
	get(key: string): Promise<Uint8Array | undefined>;
	/** Keys starting with `prefix`, sorted ascending by UTF-16 code unit (IndexedDB order). */
	keys(prefix: string): Promise<string[]>;
	/** Applies every op in order, all or nothing (one IndexedDB transaction in the browser). */
	batch(ops: readonly KvOp[]): Promise<void>;
	/**
	 * Every record under `prefix` with its value, sorted like `keys`, read in one pass (one
	 * IndexedDB transaction, each sealed record opened once). Optional: `entriesOf` falls back to
	 * `keys` then `get` for a Kv without it.
	 */
	entries?(prefix: string): Promise<[string, Uint8Array][]>;
	/**
	 * The values of `keys`, in the order asked (undefined where a record is missing), read in one
	 * pass (one IndexedDB transaction). Optional: `getManyOf` falls back to `get` key by key.
	 */
	getMany?(keys: readonly string[]): Promise<(Uint8Array | undefined)[]>;
	/**
	 * How many records sit under `prefix`, without reading or opening any value (the sealed store
	 * counts hashed names). Optional: `countOf` falls back to `keys`.
	 */
	count?(prefix: string): Promise<number>;
}

/** The values of `keys` in one pass when the Kv can (Kv.getMany), else key by key. */
export async function getManyOf(kv: Kv, keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
	if (kv.getMany) return kv.getMany(keys);
	const out: (Uint8Array | undefined)[] = [];
	for (const key of keys) out.push(await kv.get(key));
	return out;
}

/** How many records sit under `prefix` (Kv.count when the Kv has it). */
export async function countOf(kv: Kv, prefix: string): Promise<number> {
	return kv.count ? kv.count(prefix) : (await kv.keys(prefix)).length;
}

/** Every record under `prefix`, in one pass when the Kv can (Kv.entries), else key by key. */
export async function entriesOf(kv: Kv, prefix: string): Promise<[string, Uint8Array][]> {
	if (kv.entries) return kv.entries(prefix);
	const out: [string, Uint8Array][] = [];
	for (const key of await kv.keys(prefix)) {
		const value = await kv.get(key);
		if (value !== undefined) out.push([key, value]);
	}
	return out;
}

export const put = (key: string, value: Uint8Array): KvOp => ({ type: 'put', key, value });
export const del = (key: string): KvOp => ({ type: 'del', key });

/** Where a device keeps its data: the sealed records plus one unsealed keyring entry. */
export interface DeviceBackend {
	readonly records: Kv;
	readKeyring(): Promise<unknown>;
	writeKeyring(value: unknown): Promise<void>;
	/** Deletes every table and the keyring; the backend is unusable afterwards. */
	destroy(): Promise<void>;
	close(): void;
}

/** A Kv in memory, for Node tests and headless use. Values are copied in and out. */
export function memoryKv(map = new Map<string, Uint8Array>()): Kv {
	return {
		async get(key) {
			const v = map.get(key);
			return v === undefined ? undefined : v.slice();
		},
		async keys(prefix) {
			return [...map.keys()].filter((k) => k.startsWith(prefix)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
		},
		async entries(prefix) {
			return [...map.entries()].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]): [string, Uint8Array] => [k, v.slice()]);
		},
		async getMany(keys) {
			return keys.map((key) => map.get(key)?.slice());
		},
		async count(prefix) {
			let n = 0;
			for (const k of map.keys()) if (k.startsWith(prefix)) n += 1;
			return n;
		},
		async batch(ops) {
			// Copied before anything changes, then applied without an await: all or nothing.
			const copied = ops.map((op) => (op.type === 'put' ? put(op.key, op.value.slice()) : op));
			for (const op of copied) {
				if (op.type === 'put') map.set(op.key, op.value);
				else map.delete(op.key);
			}
		}
	};
}

/** An in-memory device for Node tests; `raw` exposes the stored bytes to check they are sealed. */
export function memoryBackend(): DeviceBackend & { raw: Map<string, Uint8Array>; keyring: () => unknown } {
	const raw = new Map<string, Uint8Array>();
	let keyring: unknown;
	return {
		raw,
		keyring: () => keyring,
		records: memoryKv(raw),
		async readKeyring() {
			return keyring === undefined ? undefined : structuredClone(keyring);
		},
		async writeKeyring(value) {
			keyring = structuredClone(value);
		},
		async destroy() {
			raw.clear();
			keyring = undefined;
		},
		close() {}
	};
}
