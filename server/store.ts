/**
 * The relay's storage interface: one small surface (commit, range, group state, delete) so a
 * clustered backend (Redis Streams, PRODUCT.md journey 8) can replace the embedded LevelDB
 * (store-level.ts) without touching the relay. Everything stored is ciphertext or routing data
 * listed field by field in docs/THREAT-MODEL.md.
 */
import type { GroupState } from '../src/lib/protocol/group/types.ts';

/** One appended entry as stored: `frame` is the exact `entry` frame text sent to subscribers. */
export interface EntryRecord {
	seq: number;
	ts: number;
	/**
	 * `erased`: a tombstone in place of a message its sender deleted (§9.8a); its `frame` is the
	 * tombstone's entry frame (the signed erase), or empty for one stored before erases were signed.
	 */
	kind: 'op' | 'msg' | 'erased';
	/** Tombstones only: the erased envelope's sender, so a repeated erase is checked like the first. */
	sender?: string;
	/** Client-chosen idempotency id (b64, 16 bytes). */
	mid: string;
	stamp?: string;
	frame: string;
}

export interface GroupHead {
	/** Last assigned sequence number (entries may have been deleted by retention since). */
	seq: number;
	/** Relay time of the last entry; entry times never decrease. */
	ts: number;
}

export interface StoredGroup {
	state: GroupState;
	head: GroupHead;
}

/** What a retry of a stored `mid` is answered with. */
export interface MidRecord {
	seq: number;
	ts: number;
	stamp?: string;
}

export interface AppendRecord {
	group: string;
	record: EntryRecord;
	head: GroupHead;
	/** Present when the entry is an op: the state after it. */
	state?: GroupState;
}

export interface ReportRecord {
	seq: number;
	ts: number;
	sealed: { to: string; box: string }[];
}

/** The deployment moderator's last ban or unban of a per-group identity key (§9.8b). */
export interface BanRecord {
	key: string;
	banned: boolean;
	/** The signed time of the request; a later request for the key must carry a larger one. */
	ts: number;
}

/** Reports addressed to the deployment moderator are stored under this target. */
export const DEPLOYMENT_TARGET = '~deployment';

export interface RelayStore {
	open(): Promise<void>;
	close(): Promise<void>;
	loadGroup(group: string): Promise<StoredGroup | undefined>;
	findMid(group: string, mid: string): Promise<MidRecord | undefined>;
	/** The 1-based position of an op hash in the group's log (the `seen` index of §3.5), if stored. */
	opPosition(group: string, hash: string): Promise<number | undefined>;
	/**
	 * Writes every record, its mid index, heads, states and, for an op, its hash → position row in
	 * ONE atomic fsync'd batch. What is written per append does not grow with the log (§9.10).
	 */
	commit(appends: AppendRecord[]): Promise<void>;
	/** The entry at `seq` (a tombstone included), if stored. */
	entry(group: string, seq: number): Promise<EntryRecord | undefined>;
	/** Replaces the entry at `seq` with `tombstone` in one fsync'd write (§9.8a). */
	erase(group: string, tombstone: EntryRecord): Promise<void>;
	/** Entries with seq > after, ascending, at most `limit`. */
	range(group: string, after: number, limit: number): Promise<EntryRecord[]>;
	/** Entries with seq < before, newest first, at most `limit` (slow mode's recent posts, §13.7). */
	rangeBack(group: string, before: number, limit: number): Promise<EntryRecord[]>;
	/** Ops of a group with seq > after, ascending, at most `limit` (ops are never expired: they are the membership log). */
	ops(group: string, after: number, limit: number): Promise<EntryRecord[]>;
	/** Ids and retention of every stored group, for the sweeper. */
	retentions(): AsyncIterable<{ group: string; retention: number }>;
	/** Deletes up to `limit` message entries older than `beforeTs`; returns how many. */
	expire(group: string, beforeTs: number, limit: number): Promise<number>;
	/** Rewrites the files so that deleted entries are gone from disk. */
	compact(): Promise<void>;
	putReport(target: string, report: Omit<ReportRecord, 'seq'>): Promise<number>;
	listReports(target: string, after: number, limit: number): Promise<ReportRecord[]>;
	/**
	 * Stores `record` (fsync'd) unless a ban or unban of the same key with `ts >= record.ts` is
	 * stored: the check and the write are one atomic step (replay protection, §9.8b). Returns
	 * whether it was stored.
	 */
	putBan(record: BanRecord): Promise<boolean>;
	/** Every stored ban and unban, oldest `ts` first. */
	listBans(): Promise<BanRecord[]>;
	/** A named 32-byte secret, created randomly (and durably) on first use. */
	secret(name: string): Promise<Uint8Array>;
	/**
	 * Present when several relay processes share the store (Redis, PROTOCOL §14): every entry any
	 * of them commits, in commit order. The relay then fans out from the feed, not from its own
	 * commits, and `commit` may throw StoreConflict.
	 */
	readonly feed?: EntryFeed;
	/**
	 * Several processes: registers this process (`id`) as alive for a while and returns how many
	 * are alive, this one included (approximate cross-process rate limits, §14.5).
	 */
	peers?(id: string): Promise<number>;
	/** Several processes: this process stops (it no longer counts among the peers). */
	leave?(id: string): Promise<void>;
}

/** A committed entry as published to every relay process sharing the store. */
export interface FedEntry {
	group: string;
	seq: number;
	ts: number;
	kind: 'op' | 'msg';
	frame: string;
	/** Ops only: the member keys after the op (a removed subscriber stops at its removal). */
	members?: string[];
	/** Ops only: the keys with a pending join request after the op (§9.5, §13.8), when any. */
	pending?: string[];
}

export interface EntryFeed {
	/** Calls `onEntry` for every committed entry in commit order; `onGap` when some may have been missed (after a reconnection). */
	listen(onEntry: (entry: FedEntry) => void, onGap: () => void): Promise<void>;
}

/** Thrown by `commit` when another process appended to a group first; nothing of the batch was stored. */
export class StoreConflict extends Error {
	readonly group: string;
	readonly storedSeq: number;
	constructor(group: string, storedSeq: number) {
		super('another relay process appended to this group first');
		this.name = 'StoreConflict';
		this.group = group;
		this.storedSeq = storedSeq;
	}
}

/** Thrown by a store when the disk refused a write; nothing of the batch was stored. */
export class StorageError extends Error {
	readonly code: 'RELAY_STORAGE_FULL' | 'RELAY_STORAGE_UNAVAILABLE' = 'RELAY_STORAGE_FULL';
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'StorageError';
	}
}

/**
 * The store cannot be reached (Redis down or restarting): nothing of the write is known to be
 * stored, and the relay refuses appends until the connection is back (it reconnects by itself).
 */
export class StorageUnavailableError extends StorageError {
	override readonly code = 'RELAY_STORAGE_UNAVAILABLE';
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'StorageUnavailableError';
	}
}
