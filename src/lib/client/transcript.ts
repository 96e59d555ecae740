/**
 * What a group shows on this device: the chat history (history.ts) and the warnings beside it.
 * The changed messages, and the warnings when they changed, go into the group's next save batch,
 * with the chunks of the message index they changed (message-index.ts, §8 "Message index").
 *
 * A group opens with its newest page of messages read from the store (`load`); earlier pages are
 * read as the reader scrolls back (`readEarlier`), or all of them when something needs the whole
 * history (`readAll`: a reaction to an old message, a report, retention, the progress screens).
 */
import type { ChatMessage, Warning } from './api.ts';
import { History } from './history.ts';
import { MessageIndex, type IndexEntry } from './message-index.ts';
import { getJson, jsonPut, keys, listJson, type StagedPart } from './store.ts';
import { countOf, del, getManyOf, type Kv, type KvOp } from '../storage/kv.ts';
import { yieldToPage } from '../core/yield.ts';

const MAX_WARNINGS = 200;
/** Messages read when a group opens, and per page as the reader scrolls back. */
export const READ_PAGE = 100;
/** Messages read per slice when the whole history is read (between slices the page breathes). */
const READ_ALL_PAGE = 250;

const decoder = new TextDecoder();
const entryOf = (m: ChatMessage): IndexEntry => (m.seq === undefined ? { id: m.id, ts: m.ts } : { id: m.id, seq: m.seq, ts: m.ts });

/** Where a rebuilt index is reported (a log line; never a group id or a message). */
export type IndexLog = (line: string) => void;
const warn: IndexLog = (line) => console.warn(line);

export class Transcript implements StagedPart {
	readonly #group: string;
	readonly #store: Kv | null;
	#history: History;
	#index: MessageIndex;
	#warnings: Warning[];
	#warningsDirty = false;
	/** Page reads, one after another. */
	#reading: Promise<unknown> = Promise.resolve();
	readonly #log: IndexLog;

	constructor(group: string, records: ChatMessage[] = [], warnings: Warning[] = [], read?: { store: Kv; index: MessageIndex; older: IndexEntry[]; log?: IndexLog }) {
		this.#group = group;
		this.#history = new History(group, records, read?.older ?? []);
		this.#index = read?.index ?? MessageIndex.build(group, records.map(entryOf));
		this.#store = read?.store ?? null;
		this.#log = read?.log ?? warn;
		this.#warnings = warnings;
	}

	/**
	 * The group's transcript with its newest page read: the index, then the newest READ_PAGE
	 * messages. An index that is missing, does not open, or does not list every stored message
	 * loses nothing: every message is read (as before there was an index), the index is rebuilt
	 * by the next save, and a log line says so.
	 */
	static async load(store: Kv, group: string, log: IndexLog = warn): Promise<Transcript> {
		const warnings = (await getJson<Warning[]>(store, keys.warnings(group))) ?? [];
		const count = await countOf(store, keys.messages(group));
		let stale: number[] = [];
		let problem: string;
		try {
			const head = await getJson<unknown>(store, keys.index(group));
			if (head === undefined) {
				if (count === 0) return new Transcript(group, [], warnings, { store, index: new MessageIndex(group), older: [], log });
				problem = 'there is no index';
			} else {
				stale = MessageIndex.chunkNumbers(head);
				const chunks = (await getManyOf(store, stale.map((n) => keys.indexChunk(group, n)))).map((b) => (b === undefined ? undefined : (JSON.parse(decoder.decode(b)) as unknown)));
				const index = MessageIndex.fromStored(group, head, chunks);
				if (index.size !== count) problem = `the index lists ${index.size} messages and the store holds ${count}`;
				else {
					const entries = index.entries();
					const older = entries.slice(0, Math.max(0, entries.length - READ_PAGE));
					const newest = entries.slice(older.length);
					const records = await readMessages(store, group, newest.map((e) => e.id));
					if (records.every((r): r is ChatMessage => r !== undefined)) return new Transcript(group, records, warnings, { store, index, older, log });
					problem = 'a message the index lists is missing';
				}
			}
		} catch {
			problem = 'the index does not open';
		}
		// Read everything, as before there was an index; the next save writes a whole new index.
		const records = (await listJson<ChatMessage>(store, keys.messages(group))).map((r) => r.value);
		log(`Unseen: a group's message index was rebuilt (${problem}); all ${records.length} stored messages were read.`);
		return new Transcript(group, records, warnings, { store, index: MessageIndex.build(group, records.map(entryOf), stale), older: [], log });
	}

	get history(): History {
		return this.#history;
	}

	get warnings(): readonly Warning[] {
		return this.#warnings;
	}

	/**
	 * Reads the `n` newest stored messages not read yet (the page before what is shown). Returns
	 * how many were read. Reads run one after another.
	 */
	readEarlier(n = READ_PAGE): Promise<number> {
		const run = this.#reading.then(() => this.#readPage(n));
		this.#reading = run.catch(() => undefined);
		return run;
	}

	/** Reads every stored message not read yet, a slice at a time, letting the page breathe between slices. */
	async readAll(): Promise<void> {
		while (!this.#history.complete) {
			if ((await this.readEarlier(READ_ALL_PAGE)) === 0 && !this.#history.complete) break;
			if (!this.#history.complete) await yieldToPage();
		}
	}

	async #readPage(n: number): Promise<number> {
		const history = this.#history;
		const ids = history.olderIds(n);
		if (ids.length === 0 || !this.#store) return 0;
		const values = await readMessages(this.#store, this.#group, ids);
		if (history !== this.#history) return 0;
		const missing = ids.filter((_, i) => values[i] === undefined);
		if (missing.length) {
			// Listed but gone (cannot happen through this client's batches): it leaves the index.
			this.#log(`Unseen: ${missing.length} message(s) listed in a group's message index were not in the store; the index was corrected.`);
			for (const id of missing) this.#index.remove(id);
		}
		history.merge(
			values.filter((v): v is ChatMessage => v !== undefined),
			missing
		);
		return ids.length;
	}

	/** Keeps the latest warnings only. */
	addWarning(warning: Warning): void {
		this.#warnings = [...this.#warnings.slice(-(MAX_WARNINGS - 1)), warning];
		this.#warningsDirty = true;
	}

	/** Forgets the warnings in memory without writing (a removal deletes the record). */
	dropWarnings(): void {
		this.#warnings = [];
		this.#warningsDirty = false;
	}

	/** After lock: drops the messages (and the index of their ids) held in memory (already saved). */
	forgetMessages(): void {
		this.#history = new History(this.#group);
		this.#index = new MessageIndex(this.#group);
	}

	stage(ops: KvOp[]): () => void {
		const g = this.#group;
		const history = this.#history;
		const messages = history.takeDirty();
		const warnings = this.#warningsDirty;
		this.#warningsDirty = false;
		for (const id of messages) {
			const record = history.get(id);
			if (record) {
				ops.push(jsonPut(keys.message(g, id), record));
				this.#index.add(entryOf(record));
			} else {
				ops.push(del(keys.message(g, id)));
				this.#index.remove(id);
			}
		}
		const index = this.#index.stage(ops);
		if (warnings) ops.push(jsonPut(keys.warnings(g), this.#warnings));
		return () => {
			history.untake(messages, []);
			index();
			if (warnings) this.#warningsDirty = true;
		};
	}
}

/** The stored messages `ids` of `group`, in the order asked (undefined where one is missing). */
async function readMessages(store: Kv, group: string, ids: readonly string[]): Promise<(ChatMessage | undefined)[]> {
	const values = await getManyOf(
		store,
		ids.map((id) => keys.message(group, id))
	);
	return values.map((v) => (v === undefined ? undefined : (JSON.parse(decoder.decode(v)) as ChatMessage)));
}
