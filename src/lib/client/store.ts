/**
 * The client's persistence: JSON records over the one Kv (storage/kv.ts: sealed IndexedDB in the
 * browser, memory in Node tests). Key layout, one table per prefix:
 *   device                   device root and identity nonces
 *   moderator                deployment moderator keys, pinned on first use
 *   g/<group>/session        GroupSession state
 *   g/<group>/m/<id>         chat messages (ChatMessage)
 *   g/<group>/x              message index head; g/<group>/x/<n> its chunks (message-index.ts, §8)
 *   g/<group>/f/<id>         franking material of received messages, for reports
 *   g/<group>/o/<n>          outbox items, in order
 *   g/<group>/w              warnings
 *   g/<group>/i/<key>        invite links I created
 *   g/<group>/v              members I verified
 *   g/<group>/b              members I blocked (on this device only)
 *   g/<group>/p              hello id of each member's shown display name (reportable)
 *   g/<group>/s              sponsorship in this group (§11)
 *   g/<group>/k              report cases: their states and my reports' reply keys (§13.6)
 *   g/<pair>/pm              where a pair came from and who the other is (§11.3)
 */
import { del, entriesOf, put, type Kv, type KvOp } from '../storage/kv.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function getJson<T>(store: Kv, key: string): Promise<T | undefined> {
	const bytes = await store.get(key);
	return bytes === undefined ? undefined : (JSON.parse(decoder.decode(bytes)) as T);
}

/** The op that writes `value` as JSON under `key`, for a batch. */
export function jsonPut(key: string, value: unknown): KvOp {
	return put(key, encoder.encode(JSON.stringify(value)));
}

/** Writes one record on its own (a step that changes only this record). */
export function putJson(store: Kv, key: string, value: unknown): Promise<void> {
	return store.batch([jsonPut(key, value)]);
}

export async function listJson<T>(store: Kv, prefix: string): Promise<{ key: string; value: T }[]> {
	// One pass over the store (Kv.entries): each sealed record is read and opened once.
	return (await entriesOf(store, prefix)).map(([key, bytes]) => ({ key, value: JSON.parse(decoder.decode(bytes)) as T }));
}

/**
 * A part of a group that keeps records (transcript, outbox, franking, invite links,
 * verifications): `stage` puts what changed since the last save into the group's one batch and
 * returns how to take it back, so that a batch that fails leaves those changes for the next one.
 */
export interface StagedPart {
	stage(ops: KvOp[]): () => void;
}

/** The ops that delete every record under `prefix` as it stands now, for a batch. */
export async function prefixDeletes(store: Kv, prefix: string): Promise<KvOp[]> {
	return (await store.keys(prefix)).map(del);
}

export const keys = {
	device: 'device',
	/** The deployment moderator's keys, pinned on first use. */
	moderator: 'moderator',
	session: (g: string) => `g/${g}/session`,
	message: (g: string, id: string) => `g/${g}/m/${id}`,
	messages: (g: string) => `g/${g}/m/`,
	index: (g: string) => `g/${g}/x`,
	indexChunk: (g: string, n: number) => `g/${g}/x/${n}`,
	franking: (g: string, id: string) => `g/${g}/f/${id}`,
	frankingAll: (g: string) => `g/${g}/f/`,
	outbox: (g: string, n: number) => `g/${g}/o/${String(n).padStart(12, '0')}`,
	outboxAll: (g: string) => `g/${g}/o/`,
	warnings: (g: string) => `g/${g}/w`,
	invite: (g: string, key: string) => `g/${g}/i/${key}`,
	invites: (g: string) => `g/${g}/i/`,
	verified: (g: string) => `g/${g}/v`,
	blocked: (g: string) => `g/${g}/b`,
	profileIds: (g: string) => `g/${g}/p`,
	sponsorship: (g: string) => `g/${g}/s`,
	cases: (g: string) => `g/${g}/k`,
	pairMeta: (g: string) => `g/${g}/pm`,
	group: (g: string) => `g/${g}/`
};
