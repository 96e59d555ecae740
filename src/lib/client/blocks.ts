/**
 * The members I blocked in a group, on this device only (issue 12, PROTOCOL §13.1): nothing is
 * sent, nobody is told. Their messages collapse in my chat; they stay reportable.
 */
import type { Kv, KvOp } from '../storage/kv.ts';
import { getJson, jsonPut, keys, type StagedPart } from './store.ts';

export class Blocks implements StagedPart {
	readonly #group: string;
	#blocked: string[];
	#dirty = false;

	constructor(group: string, blocked: string[] = []) {
		this.#group = group;
		this.#blocked = blocked;
	}

	static async load(store: Kv, group: string): Promise<Blocks> {
		return new Blocks(group, (await getJson<string[]>(store, keys.blocked(group))) ?? []);
	}

	has(member: string): boolean {
		return this.#blocked.includes(member);
	}

	get all(): readonly string[] {
		return this.#blocked;
	}

	set(member: string, blocked: boolean): void {
		if (blocked === this.has(member)) return;
		this.#blocked = blocked ? [...this.#blocked, member] : this.#blocked.filter((m) => m !== member);
		this.#dirty = true;
	}

	/** Forgets every block in memory without writing (a removal deletes the record). */
	reset(): void {
		this.#blocked = [];
		this.#dirty = false;
	}

	stage(ops: KvOp[]): () => void {
		const dirty = this.#dirty;
		this.#dirty = false;
		if (dirty) ops.push(jsonPut(keys.blocked(this.#group), this.#blocked));
		return () => {
			if (dirty) this.#dirty = true;
		};
	}
}
