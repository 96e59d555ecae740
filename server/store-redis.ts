/**
 * RelayStore on Redis (`REDIS_URL`), so that several relay processes share one store (PROTOCOL
 * §14). Keys, all under one prefix (default `unseen:`):
 *
 *   g:{group}      hash: `state` (GroupState JSON), `head` ({seq, ts} JSON), `swept` (retention cursor)
 *   e:{group}      sorted set: entry JSON scored by seq (tombstones in place, §9.8a)
 *   o:{group}      sorted set: op entries scored by seq
 *   m:{group}      hash: mid → {seq, ts, stamp?}
 *   x:{group}      hash: op hash → 1-based position (the `seen` index of §3.5)
 *   groups         sorted set of group ids (score 0, read by lex order), for the sweeper
 *   r:{target}     sorted set: reports scored by their number; rn:{target} the last number
 *   bans           hash: per-group identity key → {key, banned, ts} (§9.8b)
 *   secret:{name}  a 32-byte secret (base64), set once with NX
 *   feed           pub/sub channel: every committed entry, in commit order (§14.3)
 *
 * A commit is ONE Lua script (COMMIT, redis-scripts.ts): it checks that every group's stored head
 * is the seq just below the first appended entry (compare-and-set: the state the appending process
 * validated against is still the stored one), and only then writes entries, indexes, heads, states
 * and publishes each entry on `feed`. Redis runs a script alone, so two processes can never both
 * append seq n. A stale head throws StoreConflict and nothing was written. With `appendonly yes`
 * and `appendfsync always`, Redis fsyncs the AOF before it replies and before subscribers see the
 * published entry, so the relay's ack follows the fsync as it does on LevelDB.
 */
import { randomBytes } from 'node:crypto';
import { createClient, type RedisClientType } from 'redis';
import type { GroupState } from '../src/lib/protocol/group/types.ts';
import {
	StorageError,
	StorageUnavailableError,
	StoreConflict,
	type AppendRecord,
	type BanRecord,
	type EntryFeed,
	type EntryRecord,
	type FedEntry,
	type GroupHead,
	type MidRecord,
	type RelayStore,
	type ReportRecord,
	type StoredGroup
} from './store.ts';
import { BAN, COMMIT, ERASE, REPORT, type CommitItem } from './redis-scripts.ts';

/** One group as the migration copies it. */
export interface ImportedGroup {
	state: GroupState;
	head: GroupHead;
	/** Every stored entry with its `mid` row (absent when retention deleted it). */
	entries: { record: EntryRecord; mid?: MidRecord }[];
	/** Op hash → 1-based position. */
	hashes: [string, number][];
}

const PEER_TTL_MS = 15_000;

export interface RedisStoreOptions {
	/** Key prefix, so several deployments (or tests) can share one Redis. */
	prefix?: string;
}

type Client = RedisClientType;

/** Whether an error means "Redis cannot be reached right now" rather than "Redis refused". */
function unreachable(error: unknown): boolean {
	const e = error as { name?: string; message?: string; code?: string };
	const text = `${e?.name ?? ''} ${e?.message ?? ''} ${e?.code ?? ''}`;
	return /closed|offline|socket|ECONNREFUSED|ECONNRESET|EPIPE|connect|Disconnect|LOADING|timeout/i.test(text);
}

export class RedisStore implements RelayStore {
	readonly url: string;
	readonly prefix: string;
	#client: Client | null = null;
	#subscriber: Client | null = null;
	readonly #sha = new Map<string, string>();
	readonly feed: EntryFeed;

	constructor(url: string, options: RedisStoreOptions = {}) {
		this.url = url;
		this.prefix = options.prefix ?? 'unseen:';
		this.feed = { listen: (onEntry, onGap) => this.#listen(onEntry, onGap) };
	}

	#newClient(): Client {
		const client = createClient({
			url: this.url,
			// Fail at once while Redis is away (the relay answers RELAY_STORAGE_UNAVAILABLE) instead
			// of queueing appends that nobody has acknowledged.
			disableOfflineQueue: true,
			socket: { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000), connectTimeout: 5000 }
		}) as Client;
		// Without a listener node-redis throws; reconnection is automatic.
		client.on('error', () => undefined);
		return client;
	}

	async open(): Promise<void> {
		if (this.#client?.isOpen) return;
		const client = this.#newClient();
		await client.connect();
		this.#client = client;
	}

	async close(): Promise<void> {
		const clients = [this.#client, this.#subscriber];
		this.#client = null;
		this.#subscriber = null;
		for (const c of clients) if (c?.isOpen) await c.close().catch(() => c.destroy());
	}

	get #c(): Client {
		if (!this.#client) throw new StorageUnavailableError('the store is closed');
		return this.#client;
	}

	#k(...parts: string[]): string {
		return this.prefix + parts.join(':');
	}

	/** Runs a command; a lost connection becomes StorageUnavailableError. */
	async #run<T>(args: string[]): Promise<T> {
		try {
			return (await this.#c.sendCommand(args)) as T;
		} catch (error) {
			if (error instanceof StorageError) throw error;
			if (unreachable(error)) throw new StorageUnavailableError('Redis cannot be reached', { cause: error });
			throw error;
		}
	}

	/** EVALSHA with a load on first use (and again after a Redis restart lost the script cache). */
	async #script<T>(source: string, keys: string[], args: string[]): Promise<T> {
		let sha = this.#sha.get(source);
		if (!sha) {
			sha = await this.#run<string>(['SCRIPT', 'LOAD', source]);
			this.#sha.set(source, sha);
		}
		try {
			return await this.#run<T>(['EVALSHA', sha, String(keys.length), ...keys, ...args]);
		} catch (error) {
			if (!/NOSCRIPT/.test(String((error as Error)?.message))) throw error;
			this.#sha.delete(source);
			return this.#script(source, keys, args);
		}
	}

	async loadGroup(group: string): Promise<StoredGroup | undefined> {
		// One HMGET: state and head of the same moment (a commit in between is impossible).
		const [state, head] = await this.#run<(string | null)[]>(['HMGET', this.#k('g', group), 'state', 'head']);
		if (!state || !head) return undefined;
		return { state: JSON.parse(state) as GroupState, head: JSON.parse(head) as GroupHead };
	}

	async findMid(group: string, mid: string): Promise<MidRecord | undefined> {
		const raw = await this.#run<string | null>(['HGET', this.#k('m', group), mid]);
		return raw ? (JSON.parse(raw) as MidRecord) : undefined;
	}

	async opPosition(group: string, hash: string): Promise<number | undefined> {
		const raw = await this.#run<string | null>(['HGET', this.#k('x', group), hash]);
		return raw ? Number(raw) : undefined;
	}

	async commit(appends: AppendRecord[]): Promise<void> {
		const list = appends.map(({ group, record, head, state }): CommitItem => {
			const fed: FedEntry = { group, seq: record.seq, ts: record.ts, kind: record.kind as 'op' | 'msg', frame: record.frame };
			if (state) fed.members = Object.keys(state.members ?? {});
			if (state?.pending) fed.pending = Object.keys(state.pending);
			const mid: MidRecord = { seq: record.seq, ts: record.ts, stamp: record.stamp };
			return {
				g: group,
				seq: record.seq,
				rec: JSON.stringify(record),
				op: record.kind === 'op',
				mid: record.mid,
				midrec: JSON.stringify(mid),
				head: JSON.stringify(head),
				...(state ? { state: JSON.stringify(state), hash: state.head, len: String(state.length) } : {}),
				pub: JSON.stringify(fed)
			};
		});
		let reply: string[];
		try {
			reply = await this.#script<string[]>(COMMIT, [], [this.prefix, JSON.stringify(list)]);
		} catch (error) {
			if (error instanceof StorageError) throw error;
			// OOM under maxmemory, MISCONF after a failed save, a read-only replica: refused, nothing stored.
			throw new StorageError('Redis refused the write', { cause: error });
		}
		if (reply[0] === 'conflict') throw new StoreConflict(reply[1]!, Number(reply[2]));
	}

	async entry(group: string, seq: number): Promise<EntryRecord | undefined> {
		const [raw] = await this.#run<string[]>(['ZRANGE', this.#k('e', group), String(seq), String(seq), 'BYSCORE']);
		return raw ? (JSON.parse(raw) as EntryRecord) : undefined;
	}

	async erase(group: string, tombstone: EntryRecord): Promise<void> {
		try {
			await this.#script(ERASE, [this.#k('e', group)], [String(tombstone.seq), JSON.stringify(tombstone)]);
		} catch (error) {
			if (error instanceof StorageError) throw error;
			throw new StorageError('Redis refused the erasure', { cause: error });
		}
	}

	async #page(key: string, after: number, limit: number): Promise<EntryRecord[]> {
		const raw = await this.#run<string[]>(['ZRANGE', key, `(${after}`, '+inf', 'BYSCORE', 'LIMIT', '0', String(limit)]);
		return raw.map((r) => JSON.parse(r) as EntryRecord);
	}

	range(group: string, after: number, limit: number): Promise<EntryRecord[]> {
		return this.#page(this.#k('e', group), after, limit);
	}

	async rangeBack(group: string, before: number, limit: number): Promise<EntryRecord[]> {
		const raw = await this.#run<string[]>(['ZRANGE', this.#k('e', group), `(${before}`, '-inf', 'BYSCORE', 'REV', 'LIMIT', '0', String(limit)]);
		return raw.map((r) => JSON.parse(r) as EntryRecord);
	}

	ops(group: string, after: number, limit: number): Promise<EntryRecord[]> {
		return this.#page(this.#k('o', group), after, limit);
	}

	async *retentions(): AsyncIterable<{ group: string; retention: number }> {
		let from = '-';
		for (;;) {
			const groups = await this.#run<string[]>(['ZRANGE', this.#k('groups'), from, '+', 'BYLEX', 'LIMIT', '0', '500']);
			for (const group of groups) {
				const state = await this.#run<string | null>(['HGET', this.#k('g', group), 'state']);
				if (state) yield { group, retention: (JSON.parse(state) as GroupState).settings.retention };
			}
			if (groups.length < 500) return;
			from = `(${groups[groups.length - 1]}`;
		}
	}

	async expire(group: string, beforeTs: number, limit: number): Promise<number> {
		const start = Number((await this.#run<string | null>(['HGET', this.#k('g', group), 'swept'])) ?? 0);
		let swept = start;
		const doomed: EntryRecord[] = [];
		for (const record of await this.range(group, start, limit)) {
			if (record.ts >= beforeTs) break;
			swept = record.seq;
			if (record.kind !== 'op') doomed.push(record);
		}
		if (swept === start) return 0;
		const multi = this.#c.multi();
		for (const r of doomed) {
			multi.addCommand(['ZREMRANGEBYSCORE', this.#k('e', group), String(r.seq), String(r.seq)]);
			multi.addCommand(['HDEL', this.#k('m', group), r.mid]);
		}
		multi.addCommand(['HSET', this.#k('g', group), 'swept', String(swept)]);
		try {
			await multi.exec();
		} catch (error) {
			throw new StorageError('Redis refused the deletion', { cause: error });
		}
		return doomed.length;
	}

	/**
	 * Deleted entries leave Redis's memory at once; on disk they stay in the append-only file
	 * until it is rewritten, so this asks for a rewrite (Redis runs one at a time and queues a
	 * request made while one is running).
	 */
	async compact(): Promise<void> {
		await this.#run(['BGREWRITEAOF']).catch((error: unknown) => {
			if (error instanceof StorageUnavailableError) throw error;
		});
	}

	async putReport(target: string, report: Omit<ReportRecord, 'seq'>): Promise<number> {
		try {
			return await this.#script<number>(REPORT, [this.#k('rn', target), this.#k('r', target)], [JSON.stringify(report)]);
		} catch (error) {
			if (error instanceof StorageError) throw error;
			throw new StorageError('Redis refused the report', { cause: error });
		}
	}

	async listReports(target: string, after: number, limit: number): Promise<ReportRecord[]> {
		const raw = await this.#run<string[]>(['ZRANGE', this.#k('r', target), `(${after}`, '+inf', 'BYSCORE', 'LIMIT', '0', String(limit)]);
		return raw.map((r) => JSON.parse(r) as ReportRecord);
	}

	async putBan(record: BanRecord): Promise<boolean> {
		try {
			const stored = await this.#script<number>(BAN, [this.#k('bans')], [record.key, String(record.ts), JSON.stringify(record)]);
			return stored === 1;
		} catch (error) {
			if (error instanceof StorageError) throw error;
			throw new StorageError('Redis refused the ban', { cause: error });
		}
	}

	async listBans(): Promise<BanRecord[]> {
		const raw = await this.#run<string[]>(['HVALS', this.#k('bans')]);
		return raw.map((r) => JSON.parse(r) as BanRecord).sort((a, b) => a.ts - b.ts);
	}

	async secret(name: string): Promise<Uint8Array> {
		const key = this.#k('secret', name);
		// NX: the first process to ask creates it; every other one reads the same value.
		await this.#run(['SET', key, randomBytes(32).toString('base64'), 'NX']);
		const stored = await this.#run<string>(['GET', key]);
		return new Uint8Array(Buffer.from(stored, 'base64'));
	}

	/** Relay processes alive: each re-registers every few seconds; one silent for PEER_TTL_MS is gone. */
	async peers(id: string): Promise<number> {
		const now = Date.now();
		const key = this.#k('peers');
		const reply = await this.#c
			.multi()
			.addCommand(['ZADD', key, String(now + PEER_TTL_MS), id])
			.addCommand(['ZREMRANGEBYSCORE', key, '-inf', String(now)])
			.addCommand(['ZCARD', key])
			.exec();
		return Number(reply[2]);
	}

	async leave(id: string): Promise<void> {
		await this.#run(['ZREM', this.#k('peers'), id]);
	}

	/** Whether anything is stored under this prefix yet (the migration refuses to mix data). */
	async isEmpty(): Promise<boolean> {
		const found = await this.#run<number>(['EXISTS', this.#k('groups'), this.#k('secret', 'stamp'), this.#k('rn', '~deployment')]);
		return found === 0;
	}

	/**
	 * The migration's write (server/migrate.ts): one group copied as stored elsewhere, entries
	 * with their own seq (retention gaps and tombstones kept), written in chunks, the state and
	 * head last so that a relay never sees a group whose entries are still being copied.
	 */
	async importGroup(group: string, data: ImportedGroup): Promise<void> {
		const CHUNK = 500;
		for (let i = 0; i < data.entries.length; i += CHUNK) {
			const multi = this.#c.multi();
			for (const { record, mid } of data.entries.slice(i, i + CHUNK)) {
				multi.addCommand(['ZREMRANGEBYSCORE', this.#k('e', group), String(record.seq), String(record.seq)]);
				multi.addCommand(['ZADD', this.#k('e', group), String(record.seq), JSON.stringify(record)]);
				if (record.kind === 'op') multi.addCommand(['ZADD', this.#k('o', group), String(record.seq), JSON.stringify(record)]);
				if (mid) multi.addCommand(['HSET', this.#k('m', group), record.mid, JSON.stringify(mid)]);
			}
			await multi.exec();
		}
		for (let i = 0; i < data.hashes.length; i += CHUNK) {
			const args = data.hashes.slice(i, i + CHUNK).flatMap(([hash, at]) => [hash, String(at)]);
			await this.#run(['HSET', this.#k('x', group), ...args]);
		}
		await this.#c
			.multi()
			.addCommand(['HSET', this.#k('g', group), 'state', JSON.stringify(data.state), 'head', JSON.stringify(data.head)])
			.addCommand(['ZADD', this.#k('groups'), '0', group])
			.exec();
	}

	async importReport(target: string, report: ReportRecord): Promise<void> {
		await this.#c
			.multi()
			.addCommand(['ZADD', this.#k('r', target), String(report.seq), JSON.stringify(report)])
			.addCommand(['SET', this.#k('rn', target), String(report.seq)])
			.exec();
	}

	async importSecret(name: string, secret: Uint8Array): Promise<void> {
		await this.#run(['SET', this.#k('secret', name), Buffer.from(secret).toString('base64')]);
	}

	/**
	 * The feed: one subscriber connection on `feed`. Redis delivers the messages of one channel to
	 * one connection in publish order, and publishes from the commit script, so entries arrive in
	 * commit order. A dropped connection loses what was published meanwhile: `onGap` runs after
	 * every reconnection so the relay reads the missed entries from the store.
	 */
	async #listen(onEntry: (e: FedEntry) => void, onGap: () => void): Promise<void> {
		const sub = this.#newClient();
		let connected = false;
		sub.on('ready', () => {
			if (connected) onGap();
			connected = true;
		});
		await sub.connect();
		await sub.subscribe(this.#k('feed'), (message: string) => onEntry(JSON.parse(message) as FedEntry));
		this.#subscriber = sub;
	}
}
