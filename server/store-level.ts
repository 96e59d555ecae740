/**
 * RelayStore on LevelDB (`level` → classic-level). Sublevels are tables; keys sort by group
 * then zero-padded sequence, so a range read is one iterator. Appends and all their indexes go
 * in one atomic batch written with `sync: true` (fsync) before the relay acknowledges.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { AbstractBatchOperation, AbstractSublevel } from 'abstract-level';
import { Level } from 'level';
import type { GroupState } from '../src/lib/protocol/group/types.ts';
import {
	StorageError,
	type AppendRecord,
	type EntryRecord,
	type GroupHead,
	type MidRecord,
	type RelayStore,
	type ReportRecord,
	type BanRecord,
	type StoredGroup
} from './store.ts';

// Root keys outside every sublevel ('!name!…'): one sorts first, one last.
const SENTINEL_LOW = '\x01sentinel';
const SENTINEL_HIGH = '~sentinel';

const pad = (seq: number) => seq.toString().padStart(16, '0');
const entryKey = (group: string, seq: number) => `${group}:${pad(seq)}`;

type Db = Level<string, unknown>;
type Sub<V> = AbstractSublevel<Db, string | Buffer | Uint8Array, string, V>;
type BatchOp = AbstractBatchOperation<Db, string, unknown>;
type OldState = GroupState & { seen: Record<string, number>; commits: Record<string, string> };

export class LevelStore implements RelayStore {
	readonly location: string;
	readonly #db: Level<string, unknown>;
	readonly #entries: Sub<EntryRecord>;
	readonly #ops: Sub<EntryRecord>;
	readonly #states: Sub<GroupState>;
	readonly #heads: Sub<GroupHead>;
	readonly #mids: Sub<MidRecord>;
	/** Op hash index (`seen`, §3.5): group id ‖ op hash → 1-based position in the log. */
	readonly #hashes: Sub<number>;
	readonly #reports: Sub<ReportRecord>;
	readonly #secrets: Sub<string>;
	/** Service bans (§9.8b): key → its last ban or unban. */
	readonly #bans: Sub<BanRecord>;
	#banChain: Promise<unknown> = Promise.resolve();
	/** Retention cursor per group, apart from heads so the sweeper never rewrites a head. */
	readonly #swept: Sub<number>;
	readonly #reportSeq = new Map<string, number>();
	#reportChain: Promise<unknown> = Promise.resolve();

	constructor(location: string) {
		this.location = location;
		// No compression: stored values are ciphertext (incompressible), and plain table files let
		// tests search the raw bytes for what must not, or must no longer, be there.
		this.#db = new Level<string, unknown>(location, { valueEncoding: 'json', compression: false } as object);
		const table = <V>(name: string): Sub<V> => this.#db.sublevel<string, V>(name, { valueEncoding: 'json' });
		this.#entries = table('entries');
		this.#ops = table('ops');
		this.#states = table('states');
		this.#heads = table('heads');
		this.#mids = table('mids');
		this.#hashes = table('hashes');
		this.#reports = table('reports');
		this.#secrets = table('secrets');
		this.#bans = table('bans');
		this.#swept = table('swept');
	}

	async open(): Promise<void> {
		await mkdir(this.location, { recursive: true });
		await this.#db.open();
		// Sublevels closed with their parent do not reopen with it.
		const tables = [this.#entries, this.#ops, this.#states, this.#heads, this.#mids, this.#hashes, this.#reports, this.#secrets, this.#swept, this.#bans];
		await Promise.all(tables.map((t) => t.open()));
		await this.#layDownSentinels();
	}

	/**
	 * Makes `compact()` really erase deleted entries. LevelDB's manual compaction only rewrites
	 * levels above the deepest one holding files, and a memtable flush into an empty database
	 * lands on level 2, where an old value and its tombstone would then stay on disk side by
	 * side. Two keys below and above every table, flushed once at creation, make level 2 span
	 * the whole key space: later flushes land above it and each compaction merges them into it,
	 * dropping deleted values for good.
	 */
	async #layDownSentinels(): Promise<void> {
		if ((await this.#db.get(SENTINEL_LOW)) !== undefined) return;
		await this.#db.batch(
			[
				{ type: 'put', key: SENTINEL_LOW, value: 1 },
				{ type: 'put', key: SENTINEL_HIGH, value: 1 }
			],
			{ sync: true }
		);
		await this.compact();
	}

	async close(): Promise<void> {
		await this.#db.close();
	}

	async loadGroup(group: string): Promise<StoredGroup | undefined> {
		const [state, head] = await Promise.all([this.#states.get(group), this.#heads.get(group)]);
		if (state && 'seen' in state) await this.#upgradeState(group, state as OldState);
		return state && head ? { state, head } : undefined;
	}

	/**
	 * A state stored before issue 9 held every op hash (`seen`) and every epoch's commitment
	 * (`commits`): moves the hashes into their own rows and keeps the current commitment, once.
	 */
	async #upgradeState(group: string, state: OldState): Promise<void> {
		const batch: BatchOp[] = Object.entries(state.seen).map(([hash, at]) => ({ type: 'put', sublevel: this.#hashes as unknown as Sub<unknown>, key: `${group}:${hash}`, value: at }));
		state.commit = state.commits[String(state.epoch)]!;
		delete (state as Partial<OldState>).seen;
		delete (state as Partial<OldState>).commits;
		batch.push({ type: 'put', sublevel: this.#states as unknown as Sub<unknown>, key: group, value: state });
		await this.#db.batch(batch, { sync: true });
	}

	findMid(group: string, mid: string): Promise<MidRecord | undefined> {
		return this.#mids.get(`${group}:${mid}`);
	}

	opPosition(group: string, hash: string): Promise<number | undefined> {
		return this.#hashes.get(`${group}:${hash}`);
	}

	async commit(appends: AppendRecord[]): Promise<void> {
		const batch: BatchOp[] = [];
		for (const { group, record, head, state } of appends) {
			const key = entryKey(group, record.seq);
			batch.push({ type: 'put', sublevel: this.#entries as unknown as Sub<unknown>, key, value: record });
			if (record.kind === 'op') batch.push({ type: 'put', sublevel: this.#ops as unknown as Sub<unknown>, key, value: record });
			const mid: MidRecord = { seq: record.seq, ts: record.ts, stamp: record.stamp };
			batch.push({ type: 'put', sublevel: this.#mids as unknown as Sub<unknown>, key: `${group}:${record.mid}`, value: mid });
			batch.push({ type: 'put', sublevel: this.#heads as unknown as Sub<unknown>, key: group, value: head });
			if (state) {
				batch.push({ type: 'put', sublevel: this.#states as unknown as Sub<unknown>, key: group, value: state });
				batch.push({ type: 'put', sublevel: this.#hashes as unknown as Sub<unknown>, key: `${group}:${state.head}`, value: state.length });
			}
		}
		try {
			await this.#db.batch(batch, { sync: true });
		} catch (error) {
			// LevelDB applies a batch atomically or not at all, so a refused batch stored nothing.
			throw new StorageError('the disk refused the write', { cause: error });
		}
	}

	async range(group: string, after: number, limit: number): Promise<EntryRecord[]> {
		return this.#entries.values({ gt: entryKey(group, after), lt: `${group};`, limit }).all();
	}

	async rangeBack(group: string, before: number, limit: number): Promise<EntryRecord[]> {
		return this.#entries.values({ gt: entryKey(group, 0), lt: entryKey(group, before), reverse: true, limit }).all();
	}

	entry(group: string, seq: number): Promise<EntryRecord | undefined> {
		return this.#entries.get(entryKey(group, seq));
	}

	async erase(group: string, tombstone: EntryRecord): Promise<void> {
		try {
			await this.#entries.put(entryKey(group, tombstone.seq), tombstone, { sync: true } as object);
		} catch (error) {
			throw new StorageError('the disk refused the erasure', { cause: error });
		}
	}

	async ops(group: string, after: number, limit: number): Promise<EntryRecord[]> {
		return this.#ops.values({ gt: entryKey(group, after), lt: `${group};`, limit }).all();
	}

	async *retentions(): AsyncIterable<{ group: string; retention: number }> {
		for await (const [group, state] of this.#states.iterator()) yield { group, retention: state.settings.retention };
	}

	async expire(group: string, beforeTs: number, limit: number): Promise<number> {
		const start = (await this.#swept.get(group)) ?? 0;
		const batch: BatchOp[] = [];
		let swept = start;
		let deleted = 0;
		for await (const record of this.#entries.values({ gt: entryKey(group, start), lt: `${group};`, limit })) {
			if (record.ts >= beforeTs) break;
			swept = record.seq;
			if (record.kind === 'op') continue;
			batch.push({ type: 'del', sublevel: this.#entries as unknown as Sub<unknown>, key: entryKey(group, record.seq) });
			batch.push({ type: 'del', sublevel: this.#mids as unknown as Sub<unknown>, key: `${group}:${record.mid}` });
			deleted++;
		}
		if (swept === start) return 0;
		batch.push({ type: 'put', sublevel: this.#swept as unknown as Sub<unknown>, key: group, value: swept });
		try {
			await this.#db.batch(batch, { sync: true });
		} catch (error) {
			throw new StorageError('the disk refused the deletion', { cause: error });
		}
		return deleted;
	}

	async compact(): Promise<void> {
		// The whole key space: sublevel prefixes are `!name!`, all below '\xff'.
		await (this.#db as unknown as { compactRange(start: string, end: string): Promise<void> }).compactRange('\x00', '\xff');
	}

	putReport(target: string, report: Omit<ReportRecord, 'seq'>): Promise<number> {
		// Serialised so that two reports arriving together never get the same number.
		const next = this.#reportChain.then(() => this.#putReport(target, report));
		this.#reportChain = next.catch(() => undefined);
		return next;
	}

	async #putReport(target: string, report: Omit<ReportRecord, 'seq'>): Promise<number> {
		const seq = (await this.#lastReportSeq(target)) + 1;
		try {
			await this.#reports.put(entryKey(target, seq), { ...report, seq }, { sync: true } as object);
			this.#reportSeq.set(target, seq);
		} catch (error) {
			throw new StorageError('the disk refused the report', { cause: error });
		}
		return seq;
	}

	async listReports(target: string, after: number, limit: number): Promise<ReportRecord[]> {
		return this.#reports.values({ gt: entryKey(target, after), lt: `${target};`, limit }).all();
	}

	putBan(record: BanRecord): Promise<boolean> {
		// Serialised so that the check and the write of two requests never interleave.
		const next = this.#banChain.then(async () => {
			const old = await this.#bans.get(record.key);
			if (old && old.ts >= record.ts) return false;
			try {
				await this.#bans.put(record.key, record, { sync: true } as object);
			} catch (error) {
				throw new StorageError('the disk refused the ban', { cause: error });
			}
			return true;
		});
		this.#banChain = next.catch(() => undefined);
		return next;
	}

	async listBans(): Promise<BanRecord[]> {
		return (await this.#bans.values().all()).sort((a, b) => a.ts - b.ts);
	}

	async secret(name: string): Promise<Uint8Array> {
		const stored = await this.#secrets.get(name);
		if (stored) return new Uint8Array(Buffer.from(stored, 'base64'));
		const fresh = randomBytes(32);
		await this.#secrets.put(name, fresh.toString('base64'), { sync: true } as object);
		return new Uint8Array(fresh);
	}

	async #lastReportSeq(target: string): Promise<number> {
		const known = this.#reportSeq.get(target);
		if (known !== undefined) return known;
		const [last] = await this.#reports.values({ gt: `${target}:`, lt: `${target};`, reverse: true, limit: 1 }).all();
		return last?.seq ?? 0;
	}
}
