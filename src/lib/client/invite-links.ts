/**
 * The invite links I created in a group. The group log keeps only each invite's public key; the
 * link (which holds the secret) exists on this device alone, so the invite screen can show it again.
 */
import { del, type Kv, type KvOp } from '../storage/kv.ts';
import { jsonPut, keys, listJson, type StagedPart } from './store.ts';

export class InviteLinks implements StagedPart {
	readonly #group: string;
	#links: Record<string, string> = {};
	#dirty = new Set<string>();

	constructor(group: string) {
		this.#group = group;
	}

	static async load(store: Kv, group: string): Promise<InviteLinks> {
		const out = new InviteLinks(group);
		const prefix = keys.invites(group);
		for (const { key, value } of await listJson<{ link: string }>(store, prefix)) out.#links[key.slice(prefix.length)] = value.link;
		return out;
	}

	/** The link of the invite with public key `key`, or '' when it was not made on this device. */
	link(key: string): string {
		return this.#links[key] ?? '';
	}

	set(key: string, link: string): void {
		this.#links[key] = link;
		this.#dirty.add(key);
	}

	/** Forgets a link whose invite never reached the log (its record, if saved meanwhile, goes at the next save). */
	forget(key: string): void {
		delete this.#links[key];
		this.#dirty.add(key);
	}

	/** Forgets every link in memory without writing (a removal deletes the records; lock). */
	reset(): void {
		this.#links = {};
		this.#dirty.clear();
	}

	stage(ops: KvOp[]): () => void {
		const dirty = [...this.#dirty];
		this.#dirty.clear();
		for (const key of dirty) ops.push(key in this.#links ? jsonPut(keys.invite(this.#group, key), { link: this.#links[key] }) : del(keys.invite(this.#group, key)));
		return () => dirty.forEach((key) => this.#dirty.add(key));
	}
}
