/**
 * The index of a group's stored messages in relay order (§8 "Message index"): record names are
 * keyed hashes, so the store cannot list a group's messages in order, and without this index
 * opening a group reads and opens every message it holds. With it, a group opens by reading the
 * index (a few records of ids) and the newest page of messages, and earlier pages are read as
 * the reader scrolls back (transcript.ts).
 *
 * Records: `g/<group>/x` (the head, `{v: 1, first, last}`: the numbers of the first and last
 * chunk) and `g/<group>/x/<n>` (chunk n: `[id, seq | null, ts][]` in relay order). Messages are
 * appended to the last chunk until it holds CHUNK entries; a message that sorts earlier goes to
 * the chunk whose range holds it. An emptied chunk is deleted. Only the chunks that changed are
 * written, in the group's save batch, so the index and the messages never disagree on disk.
 */
import { jsonPut, keys } from './store.ts';
import { del, type KvOp } from '../storage/kv.ts';

/** Entries per chunk before a new chunk is started. */
export const CHUNK = 256;

/** What the index knows of a message: its id and its place in relay order. */
export interface IndexEntry {
	id: string;
	seq?: number;
	ts: number;
}

export interface IndexHead {
	v: 1;
	first: number;
	last: number;
}

type Stored = [string, number | null, number];

const key = (e: IndexEntry): [number, number] => [e.seq ?? Number.MAX_SAFE_INTEGER, e.ts];
/** Relay order, as History.list: by seq, ones still sending (no seq) last, by local time. */
export const inOrder = (a: IndexEntry, b: IndexEntry): number => {
	const [as, at] = key(a);
	const [bs, bt] = key(b);
	return as - bs || at - bt;
};

export class MessageIndex {
	readonly #group: string;
	readonly #chunks = new Map<number, IndexEntry[]>();
	readonly #where = new Map<string, number>();
	#first = 0;
	#last = -1;
	readonly #dirty = new Set<number>();
	#headDirty = false;

	constructor(group: string) {
		this.#group = group;
	}

	/** An index of `entries` (any order), written whole by the next save (a rebuilt index). */
	static build(group: string, entries: readonly IndexEntry[], stale: readonly number[] = []): MessageIndex {
		const index = new MessageIndex(group);
		const sorted = [...entries].sort(inOrder);
		for (let n = 0; n * CHUNK < sorted.length; n++) {
			const chunk = sorted.slice(n * CHUNK, (n + 1) * CHUNK);
			index.#chunks.set(n, chunk);
			for (const e of chunk) index.#where.set(e.id, n);
			index.#dirty.add(n);
			index.#last = n;
		}
		// Chunks of the index this one replaces, beyond its own, are deleted by the same save.
		for (const n of stale) if (!index.#chunks.has(n)) index.#dirty.add(n);
		index.#headDirty = true;
		return index;
	}

	/**
	 * The index from its stored records: `head`, and `chunks[i]` the parsed record of chunk
	 * `head.first + i` (undefined when absent). Throws on a record of the wrong shape.
	 */
	static fromStored(group: string, head: unknown, chunks: readonly unknown[]): MessageIndex {
		if (!isHead(head)) throw new TypeError('message index head has the wrong shape');
		const index = new MessageIndex(group);
		index.#first = head.first;
		index.#last = head.last;
		chunks.forEach((chunk, i) => {
			if (chunk === undefined) return;
			if (!Array.isArray(chunk) || !chunk.every(isStored)) throw new TypeError('message index chunk has the wrong shape');
			const n = head.first + i;
			const entries = (chunk as Stored[]).map(([id, seq, ts]): IndexEntry => (seq === null ? { id, ts } : { id, seq, ts }));
			index.#chunks.set(n, entries);
			for (const e of entries) index.#where.set(e.id, n);
		});
		return index;
	}

	/** The chunk numbers a stored head names, first to last. */
	static chunkNumbers(head: unknown): number[] {
		if (!isHead(head)) throw new TypeError('message index head has the wrong shape');
		return Array.from({ length: head.last - head.first + 1 }, (_, i) => head.first + i);
	}

	get size(): number {
		return this.#where.size;
	}

	has(id: string): boolean {
		return this.#where.has(id);
	}

	/** Every entry in relay order. */
	entries(): IndexEntry[] {
		const out: IndexEntry[] = [];
		for (let n = this.#first; n <= this.#last; n++) out.push(...(this.#chunks.get(n) ?? []));
		return out;
	}

	/** The numbers of the chunks on record now (for a rebuild to delete). */
	chunkNumbers(): number[] {
		return [...this.#chunks.keys()];
	}

	add(entry: IndexEntry): void {
		if (this.#where.has(entry.id)) return;
		if (this.#chunks.size === 0) {
			this.#first = this.#last = 0;
			this.#place(0, [entry], 0);
			this.#headDirty = true;
			return;
		}
		// The last chunk whose first entry is not after it (most often the last chunk).
		let n = this.#last;
		while (n > this.#first) {
			const chunk = this.#chunks.get(n);
			if (chunk && chunk.length > 0 && inOrder(chunk[0]!, entry) <= 0) break;
			n -= 1;
		}
		while (!this.#chunks.has(n)) n += 1;
		const chunk = this.#chunks.get(n)!;
		let at = chunk.length;
		while (at > 0 && inOrder(chunk[at - 1]!, entry) > 0) at -= 1;
		if (n === this.#last && at === chunk.length && chunk.length >= CHUNK) {
			this.#last += 1;
			this.#place(this.#last, [entry], 0);
			this.#headDirty = true;
			return;
		}
		chunk.splice(at, 0, entry);
		this.#place(n, chunk, at);
	}

	remove(id: string): void {
		const n = this.#where.get(id);
		if (n === undefined) return;
		this.#where.delete(id);
		const chunk = this.#chunks.get(n)!;
		chunk.splice(
			chunk.findIndex((e) => e.id === id),
			1
		);
		this.#dirty.add(n);
		if (chunk.length > 0) return;
		this.#chunks.delete(n);
		if (this.#chunks.size === 0) {
			this.#first = 0;
			this.#last = -1;
		} else {
			while (!this.#chunks.has(this.#first)) this.#first += 1;
			while (!this.#chunks.has(this.#last)) this.#last -= 1;
		}
		this.#headDirty = true;
	}

	#place(n: number, chunk: IndexEntry[], at: number): void {
		this.#chunks.set(n, chunk);
		this.#where.set(chunk[at]!.id, n);
		this.#dirty.add(n);
	}

	/** Puts the changed chunks (and the head) into a save batch; returns how to take it back. */
	stage(ops: KvOp[]): () => void {
		const g = this.#group;
		const dirty = [...this.#dirty];
		const head = this.#headDirty;
		this.#dirty.clear();
		this.#headDirty = false;
		for (const n of dirty) {
			const chunk = this.#chunks.get(n);
			ops.push(chunk ? jsonPut(keys.indexChunk(g, n), chunk.map((e): Stored => [e.id, e.seq ?? null, e.ts])) : del(keys.indexChunk(g, n)));
		}
		if (head) ops.push(this.#chunks.size === 0 ? del(keys.index(g)) : jsonPut(keys.index(g), { v: 1, first: this.#first, last: this.#last } satisfies IndexHead));
		return () => {
			for (const n of dirty) this.#dirty.add(n);
			if (head) this.#headDirty = true;
		};
	}
}

const isInt = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const MAX_CHUNKS = 1 << 20;

function isHead(head: unknown): head is IndexHead {
	if (typeof head !== 'object' || head === null) return false;
	const h = head as Record<string, unknown>;
	return h.v === 1 && isInt(h.first) && isInt(h.last) && h.last >= h.first && h.last - h.first < MAX_CHUNKS;
}

function isStored(e: unknown): e is Stored {
	return Array.isArray(e) && e.length === 3 && typeof e[0] === 'string' && (e[1] === null || isInt(e[1])) && typeof e[2] === 'number' && Number.isFinite(e[2]);
}
