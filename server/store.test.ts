/**
 * The RelayStore contract, run against every backend through a factory (LevelDB today; a
 * clustered backend added later must pass the same suite).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, onTestFinished, test, vi } from 'vitest';
import { hasRedis, NO_REDIS, startRedis, type TestRedis } from '../test/kit/redis.ts';
import { until } from '../test/kit/until.ts';
import { RedisStore } from './store-redis.ts';
import type { GroupState } from '../src/lib/protocol/group/types.ts';
import { GroupCommit } from './group-commit.ts';
import { StorageError, StoreConflict, type AppendRecord, type RelayStore } from './store.ts';
import { LevelStore } from './store-level.ts';

interface Backend {
	name: string;
	/** Opens a store over `location`; the same location reopens the same data. */
	open(location: string): RelayStore;
	redis?: boolean;
}

let redis: TestRedis | undefined;
const backends: Backend[] = [
	{ name: 'LevelDB', open: (location) => new LevelStore(location) },
	// One redis-server for the suite; each test's folder name is its key prefix (reopen = same data).
	{ name: 'Redis', open: (location) => new RedisStore(redis!.url, { prefix: `${location.split('/').pop()}:` }), redis: true }
];
if (!hasRedis) console.warn(`RelayStore contract on Redis skipped: ${NO_REDIS}`);

beforeAll(async () => {
	if (hasRedis) redis = await startRedis();
});
afterAll(async () => {
	await redis?.stop();
});

const state = (group: string, retention = 0) => ({ group, head: group, length: 1, settings: { retention } }) as unknown as GroupState;

function append(group: string, seq: number, kind: 'op' | 'msg', ts = 1000 + seq, withState = false): AppendRecord {
	const record = { seq, ts, kind, mid: `mid-${group}-${seq}`, frame: `{"t":"entry","group":"${group}","seq":${seq}}`, ...(kind === 'msg' ? { stamp: `stamp-${seq}` } : {}) };
	return { group, record, head: { seq, ts }, ...(withState ? { state: state(group, 1) } : {}) };
}

describe.each(backends)('RelayStore contract: $name', (backend) => {
	if (backend.redis && !hasRedis) return test.skip(`skipped: ${NO_REDIS}`);
	let dir: string;
	let store: RelayStore;
	beforeEach(async () => {
		dir = mkdtempSync(join(tmpdir(), 'unseen-store-'));
		store = backend.open(dir);
		await store.open();
	});
	afterEach(async () => {
		await store.close().catch(() => undefined);
		rmSync(dir, { recursive: true, force: true });
	});

	test('a committed batch is readable in sequence order, per group, with its mids and head', async () => {
		await store.commit([append('g1', 1, 'op', 1001, true), append('g2', 1, 'op', 1001, true)]);
		await store.commit([append('g1', 2, 'msg'), append('g1', 3, 'msg'), append('g2', 2, 'msg')]);
		expect((await store.range('g1', 0, 10)).map((r) => r.seq)).toEqual([1, 2, 3]);
		expect((await store.range('g1', 1, 1)).map((r) => r.seq)).toEqual([2]);
		// Newest first, below `before` (slow mode's recent posts, §13.7).
		expect((await store.rangeBack('g1', 4, 10)).map((r) => r.seq)).toEqual([3, 2, 1]);
		expect((await store.rangeBack('g1', 3, 1)).map((r) => r.seq)).toEqual([2]);
		expect(await store.rangeBack('g1', 1, 10)).toEqual([]);
		expect((await store.ops('g1', 0, 10)).map((r) => r.seq)).toEqual([1]);
		expect(await store.findMid('g1', 'mid-g1-3')).toEqual({ seq: 3, ts: 1003, stamp: 'stamp-3' });
		expect(await store.findMid('g2', 'mid-g1-3')).toBeUndefined();
		expect(await store.loadGroup('g1')).toMatchObject({ head: { seq: 3, ts: 1003 }, state: { group: 'g1' } });
		expect(await store.loadGroup('nope')).toBeUndefined();
	});

	test('sequence numbers sort numerically, not as text, across many entries', async () => {
		await store.commit([append('g', 1, 'op', 1, true)]);
		await store.commit(Array.from({ length: 120 }, (_, i) => append('g', i + 2, 'msg')));
		const seqs = (await store.range('g', 0, 1000)).map((r) => r.seq);
		expect(seqs).toEqual(Array.from({ length: 121 }, (_, i) => i + 1));
	});

	test('data survives closing and reopening the store, secrets included', async () => {
		await store.commit([append('g', 1, 'op', 1, true)]);
		const secret = await store.secret('stamp');
		expect(secret).toHaveLength(32);
		await store.close();
		store = backend.open(dir);
		await store.open();
		expect(await store.secret('stamp')).toEqual(secret);
		expect((await store.range('g', 0, 10)).map((r) => r.seq)).toEqual([1]);
	});

	test('a refused batch stores none of its records and reports StorageError', async () => {
		await store.close();
		await expect(store.commit([append('g', 1, 'op', 1, true)])).rejects.toBeInstanceOf(StorageError);
		await store.open();
		expect(await store.loadGroup('g')).toBeUndefined();
		expect(await store.range('g', 0, 10)).toEqual([]);
	});

	test('expire deletes old messages and their mids, keeps ops and newer messages, and resumes from its cursor', async () => {
		await store.commit([append('g', 1, 'op', 100, true), append('g', 2, 'msg', 200), append('g', 3, 'msg', 300), append('g', 4, 'op', 400), append('g', 5, 'msg', 500)]);
		expect(await store.expire('g', 450, 1000)).toBe(2);
		expect((await store.range('g', 0, 10)).map((r) => r.seq)).toEqual([1, 4, 5]);
		expect(await store.findMid('g', 'mid-g-2')).toBeUndefined();
		expect(await store.expire('g', 450, 1000)).toBe(0);
		expect(await store.expire('g', 600, 1000)).toBe(1);
		expect((await store.range('g', 0, 10)).map((r) => r.seq)).toEqual([1, 4]);
	});

	test('retentions lists every group with its retention setting', async () => {
		await store.commit([append('a', 1, 'op', 1, true), append('b', 1, 'op', 1, true)]);
		const seen = [];
		for await (const r of store.retentions()) seen.push(r);
		expect(seen).toEqual([
			{ group: 'a', retention: 1 },
			{ group: 'b', retention: 1 }
		]);
	});

	test('reports get their own numbers per target, even when stored concurrently', async () => {
		const sealed = [{ to: 'k', box: 'b' }];
		const seqs = await Promise.all(Array.from({ length: 10 }, () => store.putReport('g', { ts: 1, sealed })));
		expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
		expect(await store.putReport('other', { ts: 1, sealed })).toBe(1);
		expect((await store.listReports('g', 7, 100)).map((r) => r.seq)).toEqual([8, 9, 10]);
	});

	test('service bans (§9.8b): stored only when newer than the key\'s last one (a replay is refused, even concurrently), unbans kept, durable across a reopen', async () => {
		expect(await store.putBan({ key: 'k1', banned: true, ts: 100 })).toBe(true);
		// The same request again, or an older one, is not stored.
		expect(await store.putBan({ key: 'k1', banned: true, ts: 100 })).toBe(false);
		expect(await store.putBan({ key: 'k1', banned: false, ts: 99 })).toBe(false);
		expect(await store.putBan({ key: 'k2', banned: true, ts: 50 })).toBe(true);
		// Two requests with the same time at once: exactly one is stored.
		const both = await Promise.all([store.putBan({ key: 'k3', banned: true, ts: 7 }), store.putBan({ key: 'k3', banned: false, ts: 7 })]);
		expect(both.filter(Boolean)).toHaveLength(1);
		expect(await store.putBan({ key: 'k1', banned: false, ts: 101 })).toBe(true);
		await store.close();
		store = backend.open(dir);
		await store.open();
		const bans = await store.listBans();
		expect(bans.filter((b) => b.key !== 'k3')).toEqual([
			{ key: 'k2', banned: true, ts: 50 },
			{ key: 'k1', banned: false, ts: 101 }
		]);
		// The unban's row keeps the order: the old ban replayed after it is still refused.
		expect(await store.putBan({ key: 'k1', banned: true, ts: 100 })).toBe(false);
	});
});

describe('LevelStore durability: fsync before the ack (P11)', () => {
	let dir: string;
	let store: LevelStore;
	beforeEach(async () => {
		dir = mkdtempSync(join(tmpdir(), 'unseen-store-'));
		store = new LevelStore(dir);
		await store.open();
	});
	afterEach(async () => {
		vi.restoreAllMocks();
		await store.close().catch(() => undefined);
		rmSync(dir, { recursive: true, force: true });
	});

	/**
	 * Every write LevelDB is asked for, with the options it was written with and whether it has
	 * finished. A kill -9 test cannot tell `sync: true` from `sync: false` (the OS still has the
	 * page cache), so this looks at what is asked of LevelDB: without `sync`, a power cut loses
	 * acknowledged entries.
	 */
	function recordWrites() {
		const writes: { values: unknown[]; options: { sync?: boolean } | undefined; done: boolean }[] = [];
		const real = Level.prototype.batch;
		vi.spyOn(Level.prototype, 'batch').mockImplementation(function (this: Level, ...args: unknown[]) {
			if (args.length === 0) {
				// Chained form: record at write() time, with write()'s options.
				const chained = (real as () => { put: (...a: unknown[]) => unknown; write: (o?: object) => Promise<void> }).call(this);
				const values: unknown[] = [];
				const put = chained.put.bind(chained);
				chained.put = (...a: unknown[]) => (values.push(a[1]), put(...a));
				const write = chained.write.bind(chained);
				chained.write = (options?: object) => {
					const w = { values, options, done: false };
					writes.push(w);
					return write(options).then(() => void (w.done = true));
				};
				return chained;
			}
			const [ops, options] = args as [{ value?: unknown }[], { sync?: boolean } | undefined];
			const w = { values: ops.map((op) => op.value), options, done: false };
			writes.push(w);
			return (real as (...a: unknown[]) => Promise<void>).apply(this, args).then(() => void (w.done = true));
		} as never);
		return writes;
	}

	test('every append batch is written with sync: true and has finished before its ack', async () => {
		const writes = recordWrites();
		const writer = new GroupCommit(store);
		const acked: Promise<unknown>[] = [];
		const records = new Set<unknown>();
		// What was true of the write holding each entry at the moment its ack was called back.
		const put = (a: AppendRecord) =>
			records.add(a.record) &&
			acked.push(
				new Promise((resolve, reject) =>
					writer.write(a, (error) => {
						if (error) return reject(error);
						const holding = writes.filter((w) => w.values.includes(a.record));
						resolve({ seq: a.record.seq, writes: holding.length, sync: holding[0]?.options?.sync, done: holding[0]?.done });
					})
				)
			);
		put(append('g', 1, 'op', 1, true));
		for (let seq = 2; seq <= 5; seq++) put(append('g', seq, 'msg'));
		await Promise.all(acked);
		// Appends arriving while a batch is being written go in a later one.
		for (let seq = 6; seq <= 40; seq++) {
			put(append('g', seq, 'msg'));
			if (seq % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
		}
		const seen = await Promise.all(acked);
		expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => ({ seq: i + 1, writes: 1, sync: true, done: true })));
		expect(writes.filter((w) => w.values.some((v) => records.has(v))).length).toBeGreaterThan(2);
		expect((await store.range('g', 0, 100)).map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
	});
});

describe.skipIf(!hasRedis)('RedisStore across processes (PROTOCOL §14)', () => {
	let store: RedisStore;
	let other: RedisStore;
	let n = 0;
	beforeEach(async () => {
		const prefix = `x${++n}-${Date.now()}:`;
		store = new RedisStore(redis!.url, { prefix });
		other = new RedisStore(redis!.url, { prefix });
		await Promise.all([store.open(), other.open()]);
	});
	afterEach(async () => {
		await Promise.all([store.close(), other.close()]);
	});

	test('a batch whose seq does not follow the stored head (another process appended first) throws StoreConflict and stores none of it', async () => {
		await store.commit([append('g', 1, 'op', 1, true), append('h', 1, 'op', 1, true)]);
		await other.commit([append('g', 2, 'msg')]);
		// This process still believes g's head is 1: its seq 2 conflicts, and h's entry in the same batch is not stored either.
		const refused = store.commit([append('h', 2, 'msg'), append('g', 2, 'msg')]);
		await expect(refused).rejects.toBeInstanceOf(StoreConflict);
		await expect(refused).rejects.toMatchObject({ group: 'g', storedSeq: 2 });
		expect((await store.range('h', 0, 10)).map((r) => r.seq)).toEqual([1]);
		expect(await store.findMid('h', 'mid-h-2')).toBeUndefined();
		expect((await store.loadGroup('h'))!.head.seq).toBe(1);
		await store.commit([append('h', 2, 'msg'), append('g', 3, 'msg')]);
		expect((await store.range('g', 0, 10)).map((r) => r.seq)).toEqual([1, 2, 3]);
	});

	test('the feed gives every process each committed entry once, in commit order, and nothing of a refused batch', async () => {
		const seen: string[] = [];
		await other.feed.listen((e) => seen.push(`${e.group}:${e.seq}`), () => undefined);
		await store.commit([append('g', 1, 'op', 1, true)]);
		await store.commit([append('g', 2, 'msg'), append('g', 3, 'msg')]);
		await expect(store.commit([append('g', 3, 'msg')])).rejects.toBeInstanceOf(StoreConflict);
		await other.commit([append('g', 4, 'msg')]);
		await until(() => seen.length >= 4);
		expect(seen).toEqual(['g:1', 'g:2', 'g:3', 'g:4']);
	});

	test('expired messages leave Redis memory at once and its append-only files after compact()', async () => {
		const secret = (seq: number) => ({ ...append('g', seq, 'msg', seq), record: { ...append('g', seq, 'msg', seq).record, frame: `CIPHERTEXT-MARKER-${seq}-${n}` } });
		await store.commit([append('g', 1, 'op', 1, true), secret(2), secret(3)]);
		expect(await store.expire('g', 3, 100)).toBe(1);
		const { createClient } = await import('redis');
		const admin = createClient({ url: redis!.url }).on('error', () => undefined);
		await admin.connect();
		onTestFinished(() => admin.close());
		const members = (await admin.sendCommand(['ZRANGE', `${store.prefix}e:g`, '0', '-1'])) as string[];
		expect(members.join()).not.toContain(`CIPHERTEXT-MARKER-2-${n}`);
		expect(members.join()).toContain(`CIPHERTEXT-MARKER-3-${n}`);
		const aof = () => {
			const dir = join(redis!.dir, 'appendonlydir');
			return readdirSync(dir).map((f) => readFileSync(join(dir, f), 'latin1')).join();
		};
		expect(aof()).toContain(`CIPHERTEXT-MARKER-2-${n}`);
		await store.compact();
		let info = '';
		for (let i = 0; i < 200; i++) {
			info = String(await admin.sendCommand(['INFO', 'persistence']));
			if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info) && !aof().includes(`CIPHERTEXT-MARKER-2-${n}`)) break;
			await new Promise((r) => setTimeout(r, 50));
		}
		expect(aof()).not.toContain(`CIPHERTEXT-MARKER-2-${n}`);
		expect(aof()).toContain(`CIPHERTEXT-MARKER-3-${n}`);
	});
});
