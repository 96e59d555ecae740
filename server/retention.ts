/**
 * Retention (routing data: `settings.retention` of each group's verified state). Message
 * entries older than the group's retention are deleted for real; ops stay, because they are the
 * membership log every client verifies. After a sweep that deleted something, the files are
 * compacted so that the deleted ciphertext is gone from disk, not just hidden.
 */
import type { RelayStore } from './store.ts';

const DELETE_BATCH = 1000;

export class RetentionSweeper {
	readonly #store: RelayStore;
	readonly #intervalMs: number;
	readonly #now: () => number;
	#timer: NodeJS.Timeout | undefined;
	#running: Promise<number> | null = null;

	constructor(store: RelayStore, intervalMs: number, now: () => number = Date.now) {
		this.#store = store;
		this.#intervalMs = intervalMs;
		this.#now = now;
	}

	start(): void {
		this.#timer = setInterval(() => void this.sweep().catch(() => undefined), this.#intervalMs);
		this.#timer.unref();
	}

	async stop(): Promise<void> {
		clearInterval(this.#timer);
		if (this.#running) await this.#running.catch(() => undefined);
	}

	/** One pass over every group; resolves with the number of messages deleted. */
	sweep(): Promise<number> {
		this.#running ??= this.#sweep().finally(() => (this.#running = null));
		return this.#running;
	}

	async #sweep(): Promise<number> {
		let deleted = 0;
		const now = this.#now();
		for await (const { group, retention } of this.#store.retentions()) {
			if (retention <= 0) continue;
			const cutoff = now - retention * 1000;
			for (;;) {
				const n = await this.#store.expire(group, cutoff, DELETE_BATCH);
				deleted += n;
				if (n === 0) break;
			}
		}
		if (deleted > 0) await this.#store.compact();
		return deleted;
	}
}
