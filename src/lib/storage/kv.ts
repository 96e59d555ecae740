/**
 * The raw byte tables under the encrypted Store: IndexedDB in the browser, a Map in Node tests.
 * Everything written here is already sealed (records) or public by design (the wrapped keyring).
 */
export interface RawKv {
	get(key: string): Promise<Uint8Array | undefined>;
	put(key: string, value: Uint8Array): Promise<void>;
	delete(key: string): Promise<void>;
	/** Keys starting with `prefix`, sorted ascending by UTF-16 code unit (IndexedDB order). */
	keys(prefix: string): Promise<string[]>;
}

/** Where a device keeps its data: the sealed records plus one unsealed keyring entry. */
export interface DeviceBackend {
	readonly records: RawKv;
	readKeyring(): Promise<unknown>;
	writeKeyring(value: unknown): Promise<void>;
	/** Deletes every table and the keyring; the backend is unusable afterwards. */
	destroy(): Promise<void>;
	close(): void;
}

export function memoryKv(map = new Map<string, Uint8Array>()): RawKv {
	return {
		async get(key) {
			const v = map.get(key);
			return v === undefined ? undefined : v.slice();
		},
		async put(key, value) {
			map.set(key, value.slice());
		},
		async delete(key) {
			map.delete(key);
		},
		async keys(prefix) {
			return [...map.keys()].filter((k) => k.startsWith(prefix)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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
