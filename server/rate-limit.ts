/**
 * Token buckets for the per-connection and per-key limits (docs/PROTOCOL.md §9.9).
 * Time is passed in so the arithmetic is testable and the hot path makes no syscalls.
 */
import type { RateLimit } from './config.ts';

export class TokenBucket {
	#tokens: number;
	#last: number;
	readonly #limit: RateLimit;

	constructor(limit: RateLimit, now: number) {
		this.#limit = limit;
		this.#tokens = limit.burst;
		this.#last = now;
	}

	/** Takes one token; false when the bucket is empty (the caller answers RELAY_RATE_LIMITED). */
	take(now: number): boolean {
		this.#refill(now);
		if (this.#tokens < 1) return false;
		this.#tokens -= 1;
		return true;
	}

	/** Full buckets carry no information and can be forgotten. */
	isFull(now: number): boolean {
		this.#refill(now);
		return this.#tokens >= this.#limit.burst;
	}

	#refill(now: number): void {
		const elapsed = Math.max(0, now - this.#last) / 1000;
		this.#last = now;
		this.#tokens = Math.min(this.#limit.burst, this.#tokens + elapsed * this.#limit.perSecond);
	}
}

/** One bucket per key, shared by every connection that authenticated that key. */
export class KeyedBuckets {
	readonly #buckets = new Map<string, TokenBucket>();
	readonly #configured: RateLimit;
	/** What each bucket refills by: the configured limit divided among the relay processes. */
	readonly #limit: RateLimit;

	constructor(limit: RateLimit) {
		this.#configured = limit;
		this.#limit = { ...limit };
	}

	/**
	 * Several relay processes (PROTOCOL §14.5): each takes an equal share of the configured
	 * per-key budget, so a key's appends spread over `processes` relays stay near the limit.
	 * Applies to existing buckets at once (their next refill).
	 */
	share(processes: number): void {
		const n = Math.max(1, Math.floor(processes));
		this.#limit.perSecond = this.#configured.perSecond / n;
		this.#limit.burst = Math.max(1, this.#configured.burst / n);
	}

	take(key: string, now: number): boolean {
		let bucket = this.#buckets.get(key);
		if (!bucket) {
			bucket = new TokenBucket(this.#limit, now);
			this.#buckets.set(key, bucket);
		}
		return bucket.take(now);
	}

	/** Drops full buckets so the map does not grow with every key ever seen. */
	prune(now: number): void {
		for (const [key, bucket] of this.#buckets) if (bucket.isFull(now)) this.#buckets.delete(key);
	}

	get size(): number {
		return this.#buckets.size;
	}
}
