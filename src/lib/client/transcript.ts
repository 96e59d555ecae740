/**
 * What a group shows on this device: the chat history (history.ts) and the warnings beside it.
 * The changed messages, and the warnings when they changed, go into the group's next save batch.
 */
import type { ChatMessage, Warning } from './api.ts';
import { History } from './history.ts';
import { getJson, jsonPut, keys, listJson, type StagedPart } from './store.ts';
import { del, type Kv, type KvOp } from '../storage/kv.ts';

const MAX_WARNINGS = 200;

export class Transcript implements StagedPart {
	readonly #group: string;
	#history: History;
	#warnings: Warning[];
	#warningsDirty = false;

	constructor(group: string, records: ChatMessage[] = [], warnings: Warning[] = []) {
		this.#group = group;
		this.#history = new History(group, records);
		this.#warnings = warnings;
	}

	static async load(store: Kv, group: string): Promise<Transcript> {
		const records = (await listJson<ChatMessage>(store, keys.messages(group))).map((r) => r.value);
		return new Transcript(group, records, (await getJson<Warning[]>(store, keys.warnings(group))) ?? []);
	}

	get history(): History {
		return this.#history;
	}

	get warnings(): readonly Warning[] {
		return this.#warnings;
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

	/** After lock: drops the messages held in memory (already saved). */
	forgetMessages(): void {
		this.#history = new History(this.#group);
	}

	stage(ops: KvOp[]): () => void {
		const g = this.#group;
		const history = this.#history;
		const messages = history.takeDirty();
		const warnings = this.#warningsDirty;
		this.#warningsDirty = false;
		for (const id of messages) {
			const record = history.get(id);
			ops.push(record ? jsonPut(keys.message(g, id), record) : del(keys.message(g, id)));
		}
		if (warnings) ops.push(jsonPut(keys.warnings(g), this.#warnings));
		return () => {
			history.untake(messages, []);
			if (warnings) this.#warningsDirty = true;
		};
	}
}
