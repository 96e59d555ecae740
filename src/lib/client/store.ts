/**
 * The client's persistence: JSON records over the UI's `Store` (encrypted IndexedDB in the
 * browser, memory in Node tests). Key layout, one table per prefix:
 *   device                   device root and identity nonces
 *   moderator                deployment moderator keys, pinned on first use
 *   g/<group>/session        GroupSession state
 *   g/<group>/m/<id>         chat messages (ChatMessage)
 *   g/<group>/f/<id>         franking material of received messages, for reports
 *   g/<group>/o/<n>          outbox items, in order
 *   g/<group>/w              warnings
 *   g/<group>/i/<key>        invite links I created
 *   g/<group>/v              members I verified
 *   g/<group>/p              hello id of each member's shown display name (reportable)
 */
import type { Store } from './api.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function getJson<T>(store: Store, key: string): Promise<T | undefined> {
	const bytes = await store.get(key);
	return bytes === undefined ? undefined : (JSON.parse(decoder.decode(bytes)) as T);
}

export function putJson(store: Store, key: string, value: unknown): Promise<void> {
	return store.put(key, encoder.encode(JSON.stringify(value)));
}

export async function listJson<T>(store: Store, prefix: string): Promise<{ key: string; value: T }[]> {
	const out: { key: string; value: T }[] = [];
	for (const key of await store.keys(prefix)) {
		const value = await getJson<T>(store, key);
		if (value !== undefined) out.push({ key, value });
	}
	return out;
}

export async function deletePrefix(store: Store, prefix: string): Promise<void> {
	for (const key of await store.keys(prefix)) await store.delete(key);
}

export const keys = {
	device: 'device',
	/** The deployment moderator's keys, pinned on first use. */
	moderator: 'moderator',
	session: (g: string) => `g/${g}/session`,
	message: (g: string, id: string) => `g/${g}/m/${id}`,
	messages: (g: string) => `g/${g}/m/`,
	franking: (g: string, id: string) => `g/${g}/f/${id}`,
	frankingAll: (g: string) => `g/${g}/f/`,
	outbox: (g: string, n: number) => `g/${g}/o/${String(n).padStart(12, '0')}`,
	outboxAll: (g: string) => `g/${g}/o/`,
	warnings: (g: string) => `g/${g}/w`,
	invite: (g: string, key: string) => `g/${g}/i/${key}`,
	invites: (g: string) => `g/${g}/i/`,
	verified: (g: string) => `g/${g}/v`,
	profileIds: (g: string) => `g/${g}/p`,
	group: (g: string) => `g/${g}/`
};

/** A Store in memory: for Node tests and headless use. Values are copied in and out. */
export function memoryStore(): Store {
	const map = new Map<string, Uint8Array>();
	return {
		async get(key) {
			const v = map.get(key);
			return v ? v.slice() : undefined;
		},
		async put(key, value) {
			map.set(key, value.slice());
		},
		async delete(key) {
			map.delete(key);
		},
		async keys(prefix) {
			return [...map.keys()].filter((k) => k.startsWith(prefix)).sort();
		}
	};
}
