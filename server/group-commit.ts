/**
 * Group commit: appends that arrive while a batch is being fsync'd wait and go together in the
 * next one, so durability costs one fsync per batch, not per message. Callbacks run in append
 * order, synchronously one after the other, which is what keeps fan-out in sequence order.
 */
import type { AppendRecord, RelayStore } from './store.ts';

export type CommitCallback = (error: Error | null) => void;

interface Pending {
	append: AppendRecord;
	done: CommitCallback;
}

/** A throwing callback must not stop the others nor leave the queue stuck. */
function settle(p: Pending, error: Error | null): void {
	try {
		p.done(error);
	} catch {
		// The callback's own failure concerns one peer only; the write itself is settled.
	}
}

export class GroupCommit {
	readonly #store: RelayStore;
	#queue: Pending[] = [];
	#flushing: Promise<void> | null = null;
	/** Largest batch written so far (reported by the benchmark). */
	maxBatch = 0;

	constructor(store: RelayStore) {
		this.#store = store;
	}

	get pending(): number {
		return this.#queue.length;
	}

	write(append: AppendRecord, done: CommitCallback): void {
		this.#queue.push({ append, done });
		this.#flushing ??= this.#flush();
	}

	/** Resolves once everything queued so far is on disk (or has failed). */
	async drain(): Promise<void> {
		while (this.#flushing) await this.#flushing;
	}

	async #flush(): Promise<void> {
		// Let the appends of this event-loop turn join the first batch.
		await new Promise((resolve) => setImmediate(resolve));
		while (this.#queue.length > 0) {
			const batch = this.#queue;
			this.#queue = [];
			this.maxBatch = Math.max(this.maxBatch, batch.length);
			let failure: Error | null = null;
			try {
				await this.#store.commit(batch.map((p) => p.append));
			} catch (error) {
				failure = error instanceof Error ? error : new Error(String(error));
			}
			if (failure) {
				// Later appends were validated against state that includes the failed ones: fail
				// them too, so the relay can roll every group back to what is really on disk.
				const rest = this.#queue;
				this.#queue = [];
				for (const p of [...batch, ...rest]) settle(p, failure);
			} else {
				for (const p of batch) settle(p, null);
			}
		}
		this.#flushing = null;
	}
}
