/**
 * The franking material this device keeps so that messages can be reported (P8): a record per
 * content while it is shown (a message, an edit, a reaction), and per member the hello their
 * shown display name came from. A content that stops being shown (deleted, hidden, expired, a
 * reaction taken back) takes its record with it, in the same save batch (review finding 14).
 */
import { messageId } from './history.ts';
import type { Transcript } from './transcript.ts';
import { getJson, jsonPut, keys, type StagedPart } from './store.ts';
import type { FrankingRecord, SessionEvent } from '../protocol/session/types.ts';
import { del, type Kv, type KvOp } from '../storage/kv.ts';

export class FrankingStore implements StagedPart {
	readonly #group: string;
	readonly #store: Kv;
	readonly #transcript: Transcript;
	#profileIds: Record<string, string>;
	#profileIdsDirty = false;
	#new = new Map<string, FrankingRecord>();
	#goneProfiles: string[] = [];

	constructor(store: Kv, group: string, transcript: Transcript, profileIds: Record<string, string> = {}) {
		this.#store = store;
		this.#group = group;
		this.#transcript = transcript;
		this.#profileIds = profileIds;
	}

	static async load(store: Kv, group: string, transcript: Transcript): Promise<FrankingStore> {
		return new FrankingStore(store, group, transcript, (await getJson(store, keys.profileIds(group))) ?? {});
	}

	/** Id of the hello each member's shown display name came from (its franking record is kept: reportable). */
	get profileIds(): Readonly<Record<string, string>> {
		return this.#profileIds;
	}

	/** Keeps the record of content `id` while the transcript shows it. */
	keep(id: string, record: FrankingRecord): void {
		if (this.#transcript.history.shows(id)) this.#new.set(id, record);
	}

	/**
	 * A display name from a hello stays reportable (P8) under the hello's id while it is the name
	 * shown; the record of the hello it replaces is deleted with it.
	 */
	keepProfile(event: Extract<SessionEvent, { type: 'profile' }>): void {
		if (!event.address) return;
		const id = messageId(event.address);
		const before = this.#profileIds[event.sender];
		if (before === id) return;
		if (before) this.#goneProfiles.push(before);
		if (event.franking) {
			this.#profileIds[event.sender] = id;
			this.#new.set(id, event.franking);
		} else delete this.#profileIds[event.sender];
		this.#profileIdsDirty = true;
	}

	get(id: string): Promise<FrankingRecord | undefined> {
		const pending = this.#new.get(id);
		return pending ? Promise.resolve(pending) : getJson<FrankingRecord>(this.#store, keys.franking(this.#group, id));
	}

	/** Forgets the records and profile ids in memory without writing (a removal deletes them; lock). */
	reset(): void {
		this.#new.clear();
		this.#profileIds = {};
		this.#profileIdsDirty = false;
	}

	stage(ops: KvOp[]): () => void {
		const g = this.#group;
		const history = this.#transcript.history;
		const goneContents = history.takeGone();
		const goneProfiles = this.#goneProfiles.splice(0);
		const gone = [...goneContents, ...goneProfiles];
		for (const id of gone) this.#new.delete(id);
		const kept = [...this.#new];
		this.#new.clear();
		const profileIds = this.#profileIdsDirty;
		this.#profileIdsDirty = false;
		for (const [id, record] of kept) ops.push(jsonPut(keys.franking(g, id), record));
		// A deleted, hidden or expired message takes its franking records (its words) with it.
		for (const id of gone) ops.push(del(keys.franking(g, id)));
		if (profileIds) ops.push(jsonPut(keys.profileIds(g), this.#profileIds));
		return () => {
			history.untake([], goneContents);
			this.#goneProfiles.push(...goneProfiles);
			for (const [id, record] of kept) if (!this.#new.has(id)) this.#new.set(id, record);
			if (profileIds) this.#profileIdsDirty = true;
		};
	}
}
