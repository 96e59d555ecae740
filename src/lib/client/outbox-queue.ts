/**
 * A group's outbox on this device: contents waiting to be sent, in order, each with the step
 * prepared for it. The sender (outbox.ts) changes items; the queue writes the changed ones (and
 * deletes the sent ones) in the group's next save batch.
 */
import { del, type Kv, type KvOp } from '../storage/kv.ts';
import { jsonPut, keys, listJson, type StagedPart } from './store.ts';
import type { Content, SendStep } from '../protocol/session/types.ts';

export interface OutboxItem {
	/** Local id (also the history id while sending). */
	id: string;
	n: number;
	content: Content;
	createdAt: number;
	status: 'sending' | 'failed';
	/** The prepared entry: resent byte for byte (same mid) until the relay acknowledges it. */
	step?: SendStep;
	error?: string;
	/**
	 * Slow mode (§13.7): not sent before this time (this device's clock, ms), as the relay's
	 * refusal said; kept with the item so that a restart keeps the wait and the order.
	 */
	notBefore?: number;
	/** Slow mode (§13.7): this text already waited out its whole window (its hello may have gone since). */
	begun?: boolean;
	/** The relay refused this item with a slow mode that does not apply: warned once (§13.7). */
	badRefusal?: boolean;
}

export class OutboxQueue implements StagedPart {
	readonly #group: string;
	#items: OutboxItem[];
	#dirty = new Set<OutboxItem>();
	#gone = new Set<number>();

	constructor(group: string, items: OutboxItem[] = []) {
		this.#group = group;
		this.#items = items;
	}

	static async load(store: Kv, group: string): Promise<OutboxQueue> {
		return new OutboxQueue(group, (await listJson<OutboxItem>(store, keys.outboxAll(group))).map((r) => r.value));
	}

	get items(): readonly OutboxItem[] {
		return this.#items;
	}

	/** The number for a new item: after every item still queued. */
	nextN(): number {
		return this.#items.reduce((max, o) => Math.max(max, o.n), 0) + 1;
	}

	add(item: OutboxItem): void {
		this.#items.push(item);
		this.touch(item);
	}

	/** An item was added or changed: the next save writes it. */
	touch(item: OutboxItem): void {
		this.#gone.delete(item.n);
		this.#dirty.add(item);
	}

	/** The item left the outbox (sent): the next save deletes it. */
	drop(item: OutboxItem): void {
		this.#items = this.#items.filter((o) => o !== item);
		this.#dirty.delete(item);
		this.#gone.add(item.n);
	}

	/** Forgets every item in memory without writing (a removal deletes the records; lock). */
	reset(): void {
		this.#items = [];
		this.#dirty.clear();
		this.#gone.clear();
	}

	stage(ops: KvOp[]): () => void {
		const dirty = [...this.#dirty];
		const gone = [...this.#gone];
		this.#dirty.clear();
		this.#gone.clear();
		for (const item of dirty) ops.push(jsonPut(keys.outbox(this.#group, item.n), item));
		for (const n of gone) ops.push(del(keys.outbox(this.#group, n)));
		return () => {
			for (const item of dirty) if (this.#items.includes(item)) this.#dirty.add(item);
			for (const n of gone) if (!this.#items.some((o) => o.n === n)) this.#gone.add(n);
		};
	}
}
