/**
 * The relay's view of each group: the verified state (computed with the SAME state machine as
 * clients, src/lib/protocol/group/state.ts), the sequence counter and the subscribers. Appends
 * are validated and numbered synchronously (one group can never get two entries with one seq),
 * then written through the group commit; the ack and the fan-out happen only after the fsync.
 */
import { isProtocolError } from '../src/lib/core/errors.ts';
import * as may from '../src/lib/protocol/group/may.ts';
import { applyOp, opHashB64 } from '../src/lib/protocol/group/state.ts';
import type { GroupState } from '../src/lib/protocol/group/types.ts';
import type { Entry, Envelope, Op } from '../src/lib/core/schema.ts';
import { wireFrame } from './connection.ts';
import { RelayError } from './errors.ts';
import type { GroupCommit } from './group-commit.ts';
import { OPS_PER_HOUR, OpBudget, REKEYS_PER_HOUR } from './op-budget.ts';
import { nodePrimitives } from './primitives.ts';
import { RecentPosts } from './slow-mode.ts';
import { computeStamp } from './stamp.ts';
import { StoreConflict, type EntryRecord, type FedEntry, type GroupHead, type MidRecord, type RelayStore, type StoredGroup } from './store.ts';
import { standingIn, type Subscription } from './subscription.ts';

export type AppendDone = (error: RelayError | null, result?: MidRecord) => void;

interface GroupMem {
	id: string;
	/** State and head including entries still being written. */
	state: GroupState;
	head: GroupHead;
	/** What is on disk: restored if a write fails. */
	committed: { state: GroupState; head: GroupHead };
	pending: Map<string, AppendDone[]>;
	/**
	 * Mids committed in the last seconds: closes the race between a retry's disk lookup and the
	 * original's commit. The window is one disk read, so a short, small memory is enough.
	 */
	recent: Map<string, { result: MidRecord; at: number }>;
	/**
	 * The newest op hashes → position (the `seen` index of §3.5, whose whole is on disk): the head
	 * at load and the ops appended since, pending ones included, at most RECENT_HASHES. An op read
	 * while its parent was the head finds that parent here even if other ops were numbered first.
	 */
	seen: Map<string, number>;
	/** Ops stored per author in the current hour, for RELAY_OP_LIMIT (§9.9). */
	budget: OpBudget;
	/** Relay times of each sender's last few stored messages, for slow mode (§13.7); rebuilt from the store when the group is loaded. */
	posts: RecentPosts;
	subs: Set<Subscription>;
	/** The last seq handed to the subscribers (fan-out), which is where a new subscription goes live. */
	fanned: number;
	/**
	 * Several processes (PROTOCOL §14): another process appended an op, so the cached state is
	 * behind the store's; read it again before numbering the next append.
	 */
	stale: boolean;
	/** Several processes: the missed entries of a gap in the feed are being read from the store. */
	filling: boolean;
	/** A feed entry arrived while filling: read once more before going back to the feed. */
	refill: boolean;
}

/** Positions of an op's hash and parent read from disk, for an op whose parent was not the head. */
type Lookups = ReadonlyMap<string, number>;
const NO_LOOKUPS: Lookups = new Map();

export interface AppendRequest {
	group: string;
	mid: string;
	entry: Entry;
	/** Keys the connection has authenticated. */
	keys: ReadonlySet<string>;
}

const RECENT_MIDS = 1024;
/** Groups kept in memory; idle ones (no subscriber, nothing being written) beyond it are dropped. */
export const MAX_CACHED_GROUPS = 10_000;
const RECENT_MS = 10_000;
const RECENT_HASHES = 1024;
/** Times an append is numbered again after another process appended to its group first (§14.2). */
const CONFLICT_RETRIES = 50;
export { OPS_PER_HOUR, REKEYS_PER_HOUR } from './op-budget.ts';

export class GroupLog {
	readonly #store: RelayStore;
	readonly #writer: GroupCommit;
	readonly #stampSecret: Uint8Array;
	readonly #now: () => number;
	readonly #groups = new Map<string, GroupMem>();
	readonly #loading = new Map<string, Promise<GroupMem | undefined>>();
	/** The last append of each group still waiting to be numbered (arrival order, see append). */
	readonly #turns = new Map<string, Promise<void>>();
	readonly #maxCached: number;
	readonly #opsPerHour: number;
	readonly #rekeysPerHour: number;

	constructor(store: RelayStore, writer: GroupCommit, stampSecret: Uint8Array, now: () => number = Date.now, maxCached = MAX_CACHED_GROUPS, opsPerHour = OPS_PER_HOUR, rekeysPerHour = REKEYS_PER_HOUR) {
		this.#store = store;
		this.#writer = writer;
		this.#stampSecret = stampSecret;
		this.#now = now;
		this.#maxCached = maxCached;
		this.#opsPerHour = opsPerHour;
		this.#rekeysPerHour = rekeysPerHour;
	}

	/** Groups currently held in memory. */
	get cached(): number {
		return this.#groups.size;
	}

	/** The group as last committed or pending, loaded from disk once. */
	async get(group: string): Promise<GroupMem | undefined> {
		const cached = this.#groups.get(group);
		if (cached) return cached;
		let loading = this.#loading.get(group);
		if (!loading) {
			loading = this.#store.loadGroup(group).then(async (stored) => {
				const posts = stored ? await RecentPosts.read(this.#store, group, stored, this.#now()) : undefined;
				this.#loading.delete(group);
				if (!stored) return undefined;
				// A genesis may have created it in memory while the disk read was under way.
				const existing = this.#groups.get(group);
				if (existing) return existing;
				const mem = this.#fresh(group, stored.state, stored.head);
				mem.posts = posts!;
				this.#groups.set(group, mem);
				this.#evictIdle(group);
				return mem;
			});
			// A failed read (storage unreachable) is not remembered: the next request reads again.
			loading.catch(() => this.#loading.get(group) === loading && this.#loading.delete(group));
			this.#loading.set(group, loading);
		}
		return loading;
	}

	/** Committed state only, for authorization of reads (never pending, possibly failing ops). */
	async committedState(group: string): Promise<{ state: GroupState; seq: number } | undefined> {
		await this.catchUp(group);
		const mem = await this.get(group);
		return mem && { state: mem.committed.state, seq: mem.committed.head.seq };
	}

	/**
	 * Several processes (§14): brings a cached group up to the store before a read is authorized
	 * (an op another relay acknowledged may not have reached this one's feed yet). Runs in the
	 * group's turn, so no append is numbered meanwhile. One store read; nothing on one process.
	 */
	async catchUp(group: string): Promise<void> {
		if (!this.#store.feed || !this.#groups.has(group)) return;
		const turn = this.#takeTurn(group);
		try {
			await turn.ready;
			const mem = this.#groups.get(group);
			if (mem && mem.pending.size === 0) {
				mem.stale = true;
				await this.#refresh(mem);
			}
		} finally {
			turn.release();
		}
	}

	/**
	 * Appends in arrival order per group: the disk reads of several appends run side by side, but
	 * each is numbered only after every append that arrived before it in the same group. Without
	 * this, a read that finished early let a later append overtake an earlier one from the same
	 * connection (two ops naming the same parent: the second won; two messages: out of order).
	 */
	async append(req: AppendRequest, done: AppendDone, attempt = 0): Promise<void> {
		const turn = this.#takeTurn(req.group);
		try {
			await this.#appendInTurn(req, done, turn.ready, attempt);
		} finally {
			turn.release();
		}
	}

	/** A place in the group's queue: `ready` once every earlier append of the group was numbered. */
	#takeTurn(group: string): { ready: Promise<void>; release(): void } {
		const before = this.#turns.get(group) ?? Promise.resolve();
		let release!: () => void;
		const mine = new Promise<void>((resolve) => (release = resolve));
		this.#turns.set(group, mine);
		return {
			ready: before,
			release: () => {
				release();
				if (this.#turns.get(group) === mine) this.#turns.delete(group);
			}
		};
	}

	async #appendInTurn(req: AppendRequest, done: AppendDone, turn: Promise<void>, attempt: number, reread = false): Promise<void> {
		const isGenesis = 'op' in req.entry && req.entry.op.kind === 'genesis';
		let mem = await this.get(req.group);
		const [stored, lookups] = await Promise.all([
			mem || isGenesis ? this.#store.findMid(req.group, req.mid) : undefined,
			mem && 'op' in req.entry ? this.#lookUp(mem, req.entry.op) : NO_LOOKUPS
		]);
		await turn;
		if (mem?.stale && mem.pending.size === 0 && this.#groups.get(req.group) === mem) await this.#refresh(mem);
		// From here on, synchronous: validation, numbering and queueing cannot interleave.
		const current = this.#groups.get(req.group);
		// Evicted while the disk was read: start again from what is on disk now (still our turn).
		if (mem && current !== mem) return this.#appendInTurn(req, done, Promise.resolve(), attempt, reread);
		mem = current ?? mem;
		const waiting = mem?.pending.get(req.mid);
		if (waiting) return void waiting.push(done);
		const known = stored ?? mem?.recent.get(req.mid)?.result;
		if (known) return done(null, known);

		const now = this.#now();
		const ts = Math.max(now, mem?.head.ts ?? 0);
		const seq = (mem?.head.seq ?? 0) + 1;
		let state: GroupState | undefined;
		let stamp: string | undefined;
		try {
			if ('op' in req.entry) state = this.#checkOp(mem, req, req.entry.op, ts, lookups);
			else stamp = this.#checkMessage(mem, req, req.entry.msg, seq, ts);
		} catch (error) {
			// Several processes: the refusal may come from a cache behind the store (a member added
			// or an op appended through another relay a moment ago): check once more against it.
			if (this.#store.feed && mem && !reread && mem.pending.size === 0) {
				mem.stale = true;
				return this.#appendInTurn(req, done, Promise.resolve(), attempt, true);
			}
			return done(toRelayError(error, mem));
		}
		if (!mem) {
			mem = this.#fresh(req.group, state!, { seq: 0, ts: 0 });
			this.#groups.set(req.group, mem);
		}
		const g = mem;
		const kind = 'op' in req.entry ? 'op' : 'msg';
		const frame = JSON.stringify({ t: 'entry', group: req.group, seq, ts, entry: req.entry, stamp });
		const record: EntryRecord = { seq, ts, kind, mid: req.mid, frame, ...(stamp ? { stamp } : {}) };
		const head = { seq, ts };
		if (state) {
			const { author, kind: opKind } = (req.entry as { op: Op }).op;
			g.budget.count(author, opKind);
			g.state = state;
			g.seen.set(state.head, state.length);
			if (g.seen.size > RECENT_HASHES) g.seen.delete(g.seen.keys().next().value!);
		}
		g.head = head;
		const sender = kind === 'msg' ? (req.entry as { msg: Envelope }).msg.sender : undefined;
		if (sender !== undefined) g.posts.note(sender, seq, ts);
		g.pending.set(req.mid, [done]);
		this.#evictIdle(g.id);
		const stateAfter = g.state;
		this.#writer.write({ group: req.group, record, head, state }, (error) => {
			const waiters = g.pending.get(req.mid) ?? [];
			g.pending.delete(req.mid);
			if (error) {
				g.state = g.committed.state;
				g.head = g.committed.head;
				// Not stored: the post does not count against the sender's slow mode.
				if (sender !== undefined) g.posts.forget(sender, seq);
				for (const [hash, at] of g.seen) if (at > g.state.length) g.seen.delete(hash);
				if (g.committed.head.seq === 0) this.#groups.delete(g.id);
				if (error instanceof StoreConflict && attempt < CONFLICT_RETRIES) {
					// Another process numbered this group first (or this batch shared a script with
					// such a group): read the store's state again and number the append anew (§14.2).
					if (error.group === g.id) g.stale = true;
					const all: AppendDone = (e, r) => waiters.forEach((w) => w(e, r));
					return void this.append(req, all, attempt + 1);
				}
				const failure = storeFailure(error);
				for (const w of waiters) w(failure);
				return;
			}
			g.committed = { state: stateAfter, head };
			const result: MidRecord = { seq, ts, ...(stamp ? { stamp } : {}) };
			const at = this.#now();
			g.recent.set(req.mid, { result, at });
			for (const [key, value] of g.recent) {
				if (g.recent.size <= RECENT_MIDS && at - value.at < RECENT_MS) break;
				g.recent.delete(key);
			}
			for (const w of waiters) w(null, result);
			// Several processes: every entry, this process's included, is fanned out from the feed.
			if (this.#store.feed) return;
			g.fanned = seq;
			if (g.subs.size === 0) return;
			const wire = wireFrame(frame);
			for (const sub of g.subs) sub.offer(seq, wire, kind === 'op' ? standingIn(stateAfter, sub.as) : undefined);
		});
	}

	/** Several processes: follows the store's feed (every process's commits, in order). */
	async follow(): Promise<void> {
		await this.#store.feed?.listen(
			(entry) => this.#fed(entry),
			() => {
				// Entries published while the feed was away were missed: ops among them too.
				for (const mem of this.#groups.values()) {
					mem.stale = true;
					if (mem.subs.size > 0) void this.#fill(mem);
				}
			}
		);
	}

	/** One committed entry from the feed: keeps the cache current, and fans out in seq order. */
	#fed(e: FedEntry): void {
		const mem = this.#groups.get(e.group);
		if (!mem) return;
		if (mem.pending.size === 0 && !mem.stale && e.seq > mem.committed.head.seq) {
			if (e.kind === 'op' || e.seq !== mem.committed.head.seq + 1) mem.stale = true;
			else mem.head = mem.committed.head = { seq: e.seq, ts: e.ts };
		}
		// Another process's message counts against its sender's slow mode here too (§13.7).
		if (e.kind === 'msg') mem.posts.noteFrame(e.frame, e.seq, e.ts);
		if (e.seq <= mem.fanned) return;
		if (mem.filling || e.seq !== mem.fanned + 1) {
			mem.refill = true;
			return void this.#fill(mem);
		}
		mem.fanned = e.seq;
		if (mem.subs.size === 0) return;
		const wire = wireFrame(e.frame);
		const after = e.kind === 'op' ? { members: e.members ?? [], pending: e.pending ?? [] } : undefined;
		for (const sub of mem.subs) sub.offer(e.seq, wire, after && standingIn(after, sub.as));
	}

	/** Reads the entries after `fanned` from the store and fans them out, until none is left. */
	async #fill(mem: GroupMem): Promise<void> {
		if (mem.filling) return;
		mem.filling = true;
		try {
			let after: GroupState | undefined;
			for (;;) {
				mem.refill = false;
				const page = await this.#store.range(mem.id, mem.fanned, 256);
				if (page.length === 0 && !mem.refill) break;
				for (const record of page) {
					if (record.seq <= mem.fanned) continue;
					mem.fanned = record.seq;
					if (record.kind === 'erased') continue;
					// The members after this op are not in the record: the group's current ones stand in.
					if (record.kind === 'op') after ??= (await this.#store.loadGroup(mem.id))?.state ?? { ...mem.committed.state, members: {}, pending: undefined };
					const wire = wireFrame(record.frame);
					for (const sub of mem.subs) sub.offer(record.seq, wire, record.kind === 'op' ? (sub.pending ? answered(record.frame, sub.as) : standingIn(after!, sub.as)) : undefined);
				}
			}
		} catch {
			// The store is away: the feed's reconnection (or the next entry) fills again.
		} finally {
			mem.filling = false;
		}
	}

	/** Several processes: the group's state and head as stored now (no append of it is pending). */
	async #refresh(mem: GroupMem): Promise<void> {
		const stored = await this.#store.loadGroup(mem.id);
		if (!stored || mem.pending.size > 0) return;
		// The feed moved the head past what was read meanwhile: the next append reads again.
		if (stored.head.seq < mem.committed.head.seq) return;
		mem.state = stored.state;
		mem.head = stored.head;
		mem.committed = { state: stored.state, head: stored.head };
		mem.seen = new Map([[stored.state.head, stored.state.length]]);
		mem.stale = false;
	}

	/**
	 * Joins the fan-out at the current committed seq and returns it, or returns null when `mem`
	 * is no longer the group's live copy (evicted since it was read): the caller reads it again.
	 */
	subscribe(mem: GroupMem, sub: Subscription): number | null {
		if (this.#groups.get(mem.id) !== mem) return null;
		mem.subs.add(sub);
		return mem.fanned;
	}

	unsubscribe(sub: Subscription): void {
		this.#groups.get(sub.group)?.subs.delete(sub);
	}

	/** Live subscriber count (for tests and the benchmark). */
	subscribers(group: string): number {
		return this.#groups.get(group)?.subs.size ?? 0;
	}

	/** Keeps memory bounded: drops the oldest idle groups; they reload from disk when needed. */
	#evictIdle(keep: string): void {
		if (this.#groups.size <= this.#maxCached) return;
		const target = Math.floor(this.#maxCached * 0.9);
		for (const [id, g] of this.#groups) {
			if (this.#groups.size <= target) break;
			if (id !== keep && g.subs.size === 0 && g.pending.size === 0) this.#groups.delete(id);
		}
	}

	#fresh(id: string, state: GroupState, head: GroupHead): GroupMem {
		const seen = new Map([[state.head, state.length]]);
		return {
			id,
			state,
			head,
			committed: { state, head },
			pending: new Map(),
			recent: new Map(),
			seen,
			budget: new OpBudget(this.#opsPerHour, this.#rekeysPerHour),
			posts: new RecentPosts(),
			subs: new Set(),
			fanned: head.seq,
			stale: false,
			filling: false,
			refill: false
		};
	}

	/**
	 * Reads the positions `applyOp` may ask for (§3.5): only an op whose parent is not the head
	 * needs them (a replay, a fork or a stale parent), so an op extending the log reads nothing.
	 */
	async #lookUp(mem: GroupMem, op: Op): Promise<Lookups> {
		if (op.kind === 'genesis' || op.parent === mem.state.head) return NO_LOOKUPS;
		const hashes = [opHashB64(op, nodePrimitives), op.parent];
		const found = await Promise.all(hashes.map((h) => this.#store.opPosition(mem.id, h)));
		return new Map(hashes.flatMap((h, i) => (found[i] === undefined ? [] : [[h, found[i]!] as const])));
	}

	#checkOp(mem: GroupMem | undefined, req: AppendRequest, op: Op, ts: number, lookups: Lookups): GroupState {
		const ctx = { now: ts, primitives: nodePrimitives, seen: (h: string) => mem?.seen.get(h) ?? lookups.get(h) };
		if (op.kind === 'genesis') {
			if (mem) throw new RelayError('RELAY_GROUP_EXISTS', 'this group already exists');
			const state = applyOp(null, op, ctx);
			if (state.group !== req.group) throw new RelayError('RELAY_INVALID_OP', 'a genesis is appended with group = its op hash');
			return state;
		}
		if (!mem) throw new RelayError('RELAY_NO_GROUP', 'unknown group');
		mem.budget.check(op.author, op.kind, ts);
		return applyOp(mem.state, op, ctx);
	}

	#checkMessage(mem: GroupMem | undefined, req: AppendRequest, msg: Envelope, seq: number, ts: number): string {
		if (!mem) throw new RelayError('RELAY_NO_GROUP', 'unknown group');
		const { state } = mem;
		if (msg.group !== req.group) throw new RelayError('RELAY_FORBIDDEN', 'msg.group differs from the frame group');
		if (!req.keys.has(msg.sender)) throw new RelayError('RELAY_NOT_AUTHENTICATED', 'authenticate as msg.sender first');
		// The same answer every client gives (may.ts): an ended pair, a non-member or a listener does not post.
		// A mute is judged on the entry's own relay time (§13.3), as every client judges it.
		const posting = may.post(state, msg.sender, { at: ts });
		if (!posting.ok) throw new RelayError('RELAY_FORBIDDEN', posting.why);
		if (msg.epoch !== state.epoch) throw new RelayError('RELAY_STALE_EPOCH', `the current epoch is ${state.epoch}`);
		if (state.needsRekey) throw new RelayError('RELAY_STALE_EPOCH', 'a member left: a rekey must come first');
		// Slow mode (§13.7), on the entry's own relay time, as every client judges it.
		const wait = mem.posts.wait(state, msg.sender, ts);
		if (wait > 0) throw new RelayError('RELAY_SLOW_MODE', `this group is in slow mode: the next message may go in ${Math.ceil(wait / 1000)} s`, undefined, wait);
		return computeStamp(this.#stampSecret, { c: msg.c, sender: msg.sender, group: req.group, seq, ts });
	}
}

/**
 * Gap filling (§14.3) for a pending requester's feed (§9.5): the state after each op of the gap
 * is not at hand, so the op itself says whether it answers the request (an approve or decline
 * naming `as`). A revocation that drops the request keeps the feed open; the requester's client
 * reads the drop from the revoke it receives.
 */
function answered(frame: string, as: string): 'pending' | 'out' {
	try {
		const op = (JSON.parse(frame) as { entry?: { op?: { kind?: unknown; target?: unknown } } }).entry?.op;
		return (op?.kind === 'approve' || op?.kind === 'decline') && op.target === as ? 'out' : 'pending';
	} catch {
		return 'pending';
	}
}

/** A write the store refused (RELAY_STORAGE_FULL) or could not reach (RELAY_STORAGE_UNAVAILABLE). */
function storeFailure(error: Error): RelayError {
	if ((error as { code?: string }).code === 'RELAY_STORAGE_UNAVAILABLE') {
		return new RelayError('RELAY_STORAGE_UNAVAILABLE', 'the relay cannot reach its storage right now; nothing was stored');
	}
	if (error instanceof StoreConflict) return new RelayError('RELAY_STORAGE_UNAVAILABLE', 'the group is too busy right now; nothing was stored');
	return new RelayError('RELAY_STORAGE_FULL', 'the relay could not store this entry; nothing was stored');
}

function toRelayError(error: unknown, mem: GroupMem | undefined): RelayError {
	if (error instanceof RelayError) return error;
	if (isProtocolError(error)) {
		if ((error.code === 'PROTOCOL_BAD_PARENT' || error.code === 'PROTOCOL_FORK') && mem) {
			return new RelayError('RELAY_CONFLICT', 'the op does not extend the current head', mem.state.head);
		}
		return new RelayError('RELAY_INVALID_OP', `${error.code}: ${error.message}`);
	}
	throw error;
}
