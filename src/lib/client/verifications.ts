/**
 * The members I verified in a group (compared safety numbers with), each with the display name
 * they had then, so that someone later taking a verified member's name with another key shows up.
 */
import type { Kv, KvOp } from '../storage/kv.ts';
import { getJson, jsonPut, keys, type StagedPart } from './store.ts';

export type Verified = Readonly<Record<string, { name: string | null }>>;

export class Verifications implements StagedPart {
	readonly #group: string;
	#verified: Record<string, { name: string | null }>;
	#dirty = false;

	constructor(group: string, verified: Record<string, { name: string | null }> = {}) {
		this.#group = group;
		this.#verified = verified;
	}

	static async load(store: Kv, group: string): Promise<Verifications> {
		return new Verifications(group, (await getJson(store, keys.verified(group))) ?? {});
	}

	get all(): Verified {
		return this.#verified;
	}

	has(member: string): boolean {
		return Object.prototype.hasOwnProperty.call(this.#verified, member);
	}

	set(member: string, verified: boolean, name: string | null): void {
		if (verified) this.#verified[member] = { name };
		else delete this.#verified[member];
		this.#dirty = true;
	}

	/** Forgets every verification in memory without writing (a removal deletes the record). */
	reset(): void {
		this.#verified = {};
		this.#dirty = false;
	}

	stage(ops: KvOp[]): () => void {
		const dirty = this.#dirty;
		this.#dirty = false;
		if (dirty) ops.push(jsonPut(keys.verified(this.#group), this.#verified));
		return () => {
			if (dirty) this.#dirty = true;
		};
	}
}
