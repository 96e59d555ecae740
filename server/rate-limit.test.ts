/** Token-bucket arithmetic behind RELAY_RATE_LIMITED (docs/PROTOCOL.md §9.9). */
import { describe, expect, test } from 'vitest';
import { KeyedBuckets, TokenBucket } from './rate-limit.ts';

describe('token buckets', () => {
	test('a full bucket allows a burst, then one frame per refill interval', () => {
		const bucket = new TokenBucket({ perSecond: 10, burst: 3 }, 0);
		expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
		expect(bucket.take(50)).toBe(false);
		expect(bucket.take(100)).toBe(true);
		expect(bucket.take(100)).toBe(false);
	});

	test('a long pause refills to the burst size and no further', () => {
		const bucket = new TokenBucket({ perSecond: 10, burst: 2 }, 0);
		bucket.take(0);
		bucket.take(0);
		expect(bucket.isFull(60_000)).toBe(true);
		expect([bucket.take(60_000), bucket.take(60_000), bucket.take(60_000)]).toEqual([true, true, false]);
	});

	test('a clock that goes backwards never adds tokens', () => {
		const bucket = new TokenBucket({ perSecond: 1, burst: 1 }, 10_000);
		expect(bucket.take(10_000)).toBe(true);
		expect(bucket.take(0)).toBe(false);
	});

	test('keys have separate budgets, and full buckets are forgotten', () => {
		const keys = new KeyedBuckets({ perSecond: 1, burst: 1 });
		expect(keys.take('a', 0)).toBe(true);
		expect(keys.take('a', 0)).toBe(false);
		expect(keys.take('b', 0)).toBe(true);
		keys.prune(500);
		expect(keys.size).toBe(2);
		keys.prune(5000);
		expect(keys.size).toBe(0);
	});

	test('several relay processes: each takes an equal share of the per-key budget, existing buckets included', () => {
		const buckets = new KeyedBuckets({ perSecond: 10, burst: 6 });
		buckets.share(3);
		expect([buckets.take('k', 0), buckets.take('k', 0), buckets.take('k', 0)]).toEqual([true, true, false]);
		// 10/3 per second: one token after 300 ms, none at 250 ms.
		expect(buckets.take('k', 250)).toBe(false);
		expect(buckets.take('k', 300)).toBe(true);
		buckets.share(1);
		expect(buckets.take('k', 400)).toBe(true);
		expect(buckets.take('other', 400)).toBe(true);
	});
});
