/**
 * One member's view of one group, with no I/O (the matrix-js-sdk / Signal pattern): relay
 * entries go in through `receive`, and it returns events for the UI; outgoing content goes in
 * through `nextStep` (send.ts), which returns the next entry to append. It keeps the verified
 * group state (every op through `applyOp`, P2), the epoch keys and per-sender chains, and freezes
 * the group at the first op that does not verify: only a misbehaving relay can deliver one.
 */
import { fromB64, toB64 } from '../../core/bytes.ts';
import { isProtocolError } from '../../core/errors.ts';
import type { Op } from '../../core/schema.ts';
import { applyOp, isEpochOp, rekeyDue, seenIn } from '../group/state.ts';
import { decryptOpBody } from '../group/body.ts';
import * as may from '../group/may.ts';
import type { GroupState, Primitives } from '../group/types.ts';
import { SenderChain } from '../../crypto/chain.ts';
import { deriveEpochKeys, groupContext, openEpochSecret } from '../../crypto/epoch.ts';
import type { Identity } from '../../crypto/identity.ts';
import { sodium } from '../../crypto/sodium.ts';
import { openWarn } from '../../crypto/warn-note.ts';
import { openRequest } from '../../crypto/join-request.ts';
import { closeEpochs, pruneKeys, wipeDeparted } from './keys.ts';
import { dropAllReceiveKeys, dropReplacedKeys, openingKey, recordedKey } from './receive-keys.ts';
import { receiveErased, settleErasures } from './erase.ts';
import { receiveMessage, warning, type Prepared } from './receive.ts';
import { MAX_CLOCK_SKEW_MS, WARNING_CODE, type RelayEntry, type SessionData, type SessionEvent } from './types.ts';

const has = (record: object, key: string) => Object.prototype.hasOwnProperty.call(record, key);

export interface SessionOptions {
	/** This device's clock (ms). Key lifetimes and clock checks use it, never the relay's `ts`. */
	clock?: () => number;
}

export interface ReceiveOptions {
	/** The entry came after the relay's `live` frame (§9.5): seq must follow on and ts be near now. */
	live?: boolean;
	/** Backlog fast path only (backlog.ts): a decryption and link verdict made for this entry. */
	prepared?: Prepared;
}

export class GroupSession {
	data: SessionData;
	readonly id: Identity;
	readonly primitives: Primitives;
	readonly clock: () => number;

	constructor(data: SessionData, id: Identity, primitives: Primitives, options: SessionOptions = {}) {
		this.data = data;
		this.id = id;
		this.primitives = primitives;
		this.clock = options.clock ?? (() => Date.now());
	}

	/** A session for a group not yet known locally (creator before its genesis, joiner before its join). */
	static create(group: string, nonce: string, id: Identity, primitives: Primitives, options: SessionOptions = {}): GroupSession {
		const data: SessionData = {
			v: 1,
			group,
			me: toB64(id.signPk),
			nonce,
			log: null,
			seen: {},
			cursor: 0,
			joinedEpoch: 0,
			name: '',
			description: '',
			profiles: {},
			epochs: {},
			send: null,
			frozen: null,
			removed: false,
			unread: 0,
			lastActivity: 0,
			asks: {}
		};
		return new GroupSession(data, id, primitives, options);
	}

	/** Restores from `toJSON()` output (already decrypted from the store) and prunes expired keys. */
	static fromJSON(value: unknown, id: Identity, primitives: Primitives, options: SessionOptions = {}): GroupSession {
		const data = value as SessionData;
		if (!data || data.v !== 1 || typeof data.group !== 'string' || data.me !== toB64(id.signPk)) {
			throw new TypeError('session state does not belong to this identity');
		}
		const session = new GroupSession(withSeenIndex(structuredClone(data)), id, primitives, options);
		session.pruneKeys();
		return session;
	}

	/** Wipes keys that have expired by the local clock (also run on load and on every entry). */
	pruneKeys(now = this.clock()): void {
		pruneKeys(this.data, now);
	}

	toJSON(): SessionData {
		return structuredClone(this.data);
	}

	get state(): GroupState | null {
		return this.data.log;
	}

	get me(): string {
		return this.data.me;
	}

	/**
	 * True when the next sender must start a new epoch first (leave, or scheduled rotation). The
	 * schedule also runs on this device's own clock from when it adopted the epoch (§4.4): `now`
	 * follows the relay's clock, and a relay that lies about the time must not stop rotation.
	 */
	rekeyDue(now: number): boolean {
		const log = this.data.log;
		if (!log || this.data.frozen || this.data.removed) return false;
		return rekeyDue(log, now) || this.data.recover === log.epoch || this.data.restored === true || this.#rotationDueLocally(log);
	}

	/** This state came from a backup: start a new epoch before sending (§8). Listeners send nothing. */
	markRestored(): void {
		const log = this.data.log;
		if (log && !log.ended && !this.data.removed && may.post(log, this.data.me).ok) this.data.restored = true;
	}

	#rotationDueLocally(log: GroupState): boolean {
		const adopted = this.data.epochs[String(log.epoch)]?.startedAt;
		return !log.ended && log.settings.rotate > 0 && adopted !== undefined && this.clock() - adopted >= log.settings.rotate * 1000;
	}

	/**
	 * Processes one relay entry in relay order. An entry at the cursor is a duplicate and ignored;
	 * below it, or with a relay time before the last, it is refused with a warning (§5.4).
	 */
	receive(item: RelayEntry, options: ReceiveOptions = {}): SessionEvent[] {
		const data = this.data;
		const active = !data.frozen && !data.removed;
		if (item.seq <= data.cursor) {
			if (item.seq === data.cursor || !active) return [];
			return [warning('tampered-log', WARNING_CODE.badOrder, 'order-backwards', item.ts, { seq: item.seq, cursor: data.cursor })];
		}
		const previous = data.cursor;
		data.cursor = item.seq;
		if (!active) return [];
		if (data.lastTs !== undefined && item.ts < data.lastTs) {
			return [warning('tampered-log', WARNING_CODE.badOrder, 'time-backwards', item.ts, { seq: item.seq, ts: item.ts, last: data.lastTs })];
		}
		data.lastTs = item.ts;
		const now = this.clock();
		const events: SessionEvent[] = [];
		if (options.live) {
			// A waiting requester's feed carries ops only (§9.5): the messages between them are not missing.
			if (previous > 0 && item.seq !== previous + 1 && !may.isPending(data.log, data.me)) {
				events.push(warning('gap', WARNING_CODE.seqGap, 'seq-gap', item.ts, { from: previous + 1, to: item.seq - 1 }));
			}
			if (Math.abs(item.ts - now) > MAX_CLOCK_SKEW_MS) {
				events.push(warning('tampered-log', WARNING_CODE.clockSkew, 'clock-skew', item.ts, { ts: item.ts, now }));
			}
		}
		pruneKeys(data, now);
		if ('erased' in item.entry) events.push(...receiveErased(data, this.primitives, item, item.entry.erased, now));
		else events.push(...('op' in item.entry ? this.receiveOp(item, item.entry.op, now) : receiveMessage({ data, id: this.id, now }, item, item.entry.msg, false, options.prepared)));
		events.push(...settleErasures(data, item, events));
		// My own new epoch, arriving live (so made by this copy after the restore, not an older op of
		// the backed-up copy in the backlog): my counters are fresh again.
		const op = 'op' in item.entry ? item.entry.op : null;
		if (data.restored && options.live && op && isEpochOp(op) && op.author === data.me && data.log?.epoch === op.epoch) delete data.restored;
		for (const e of events) {
			if (e.type === 'message') {
				this.data.lastActivity = Math.max(this.data.lastActivity, e.ts);
				if (e.content.t === 'text') this.data.unread++;
				if (e.content.t === 'ask-to-speak') this.data.asks[e.address.sender] = e.ts;
			}
		}
		return events;
	}

	/**
	 * Applies ops the relay handed over for an invite (§9.6) before this member exists in the log.
	 * Any invalid op means the relay lies: throws, and nothing is kept.
	 */
	replayInviteLog(ops: { seq: number; ts: number; op: Op }[]): void {
		let log = this.data.log;
		const seen = { ...this.data.seen };
		for (const { ts, op } of ops) {
			log = applyOp(log, op, { now: ts, primitives: this.primitives, seen: seenIn(seen) });
			seen[log.head] = log.length;
		}
		if (!log || log.group !== this.data.group) throw new TypeError('invite log is for another group');
		this.data.log = log;
		this.data.seen = seen;
		this.data.cursor = ops.length ? ops[ops.length - 1]!.seq : 0;
		this.readGenesisName(ops[0]?.op);
	}

	/**
	 * The relay's `live` frame says its backlog covered every entry up to `seq`: those it did not
	 * send are gone (retention, or a message its sender erased, §9.8a), not missing, so the cursor
	 * moves past them and the next live entry is not taken for a gap.
	 */
	caughtUp(seq: number): void {
		if (seq > this.data.cursor) this.data.cursor = seq;
	}

	markRead(): void {
		this.data.unread = 0;
	}

	freeze(code: string, message: string, at: number): SessionEvent[] {
		this.data.frozen = { code, message };
		return [warning('tampered-log', code, 'frozen', at, { message })];
	}

	private receiveOp(item: RelayEntry, op: Op, now: number): SessionEvent[] {
		const data = this.data;
		const prev = data.log;
		let next: GroupState;
		try {
			next = applyOp(prev, op, { now: item.ts, primitives: this.primitives, seen: seenIn(data.seen) });
		} catch (error) {
			if (isProtocolError(error)) return this.freeze(error.code, error.message, item.ts);
			throw error;
		}
		if (prev === null && next.group !== data.group) return this.freeze('PROTOCOL_BAD_GENESIS', 'genesis of another group', item.ts);
		data.log = next;
		data.seen[next.head] = next.length;
		data.lastActivity = Math.max(data.lastActivity, item.ts);
		const events: SessionEvent[] = [{ type: 'op', op, seq: item.seq, ts: item.ts, ...(linkWithdrawn(prev, next, op) ? { linkWithdrawn: true } : {}) }];
		const wasMember = !!prev && has(prev.members, data.me);
		const isMember = has(next.members, data.me);
		// My request to join ended without an approve (§13.8): a decline, my withdrawal, or its link revoked.
		if (may.isPending(prev, data.me) && !isMember && !may.isPending(next, data.me)) {
			this.wipeKeys();
			const how = op.kind === 'decline' && op.target === data.me ? (op.author === data.me ? 'withdrawn' : 'declined') : 'link';
			data.requestEnded = how;
			events.push({ type: 'request-ended', how });
			return events;
		}
		if (wasMember && !isMember) {
			this.wipeKeys();
			data.removed = true;
			events.push({ type: 'removed' });
			return events;
		}
		if (prev) wipeDeparted(data, Object.keys(prev.members).filter((m) => !has(next.members, m)));
		if (isEpochOp(op) && isMember) {
			events.push(...closeEpochs(data, item.ts));
			try {
				this.adoptEpoch(op, prev, next, now, item.ts);
				delete data.recover;
				delete data.keysLostTold;
			} catch (error) {
				if (!isProtocolError(error)) throw error;
				events.push(...this.unreadableEpoch(op, next, now, item.ts, keyLost(data, op, prev)));
			}
			if (!wasMember) data.joinedEpoch = next.epoch;
			if (!wasMember && op.kind === 'join' && op.author === data.me) data.unconfirmed = { at: next.length, by: next.invites[op.invite]!.author };
			// Let in by a moderator (§13.8, §7): confirmed, as after a join, by the invite's author.
			if (!wasMember && op.kind === 'approve' && op.target === data.me) {
				data.unconfirmed = { at: next.length, by: next.invites[next.members[data.me]!.invite!]!.author };
				events.push({ type: 'approved' });
				// The members have no join body with my name (§13.8): my hello tells them at once.
				if (may.post(next, data.me).ok) {
					data.helloDue = true;
					events.push({ type: 'hello-due' });
				}
			}
			const newcomer = wasMember && Object.keys(next.members).some((m) => !has(prev!.members, m));
			// Only someone who may post has a name to tell and keys to heal with (listeners do not).
			if (newcomer && !data.recover && may.post(next, data.me).ok) {
				data.helloDue = true;
				events.push({ type: 'hello-due' });
			}
		}
		// A key of mine newer than those held is in the log now: the older ones go (§4.4).
		if (isMember) dropReplacedKeys(data);
		if (op.kind === 'hide') events.push({ type: 'hidden', seq: op.target });
		if (op.kind === 'unhide') events.push({ type: 'unhidden', seq: op.target });
		if (op.kind === 'warn' && isMember) events.push(...this.readWarn(op, next, item));
		if (op.kind === 'request' || (data.requestNotes && !next.pending)) this.readRequest(op, prev, next);
		// A pair that has ended takes no more messages: every key of it goes now (§3.3).
		if (op.kind === 'end') events.push(...closeEpochs(data, item.ts));
		events.push(...this.readBody(op, next));
		return events;
	}

	/**
	 * The op passed every rule, so its author signed a box for me that does not open or does not
	 * match the commitment (§4.2): the author's fault, not the relay's. Or (`lost`) it was sealed
	 * to a receive key of mine that this device does not hold, as after restoring an older backup
	 * (§4.4, §8): nobody's fault, said once, naming nobody. The epoch is unreadable on this device;
	 * ops still apply, and a rekey from me (or anyone) heals the group.
	 */
	private unreadableEpoch(op: Extract<Op, { commit: string }>, next: GroupState, now: number, ts: number, lost: boolean): SessionEvent[] {
		const data = this.data;
		const own = lost && op.author === data.me && op.rk !== undefined && !data.restored;
		const told = lost && data.keysLostTold === true;
		if (lost && !own) data.keysLostTold = true;
		data.epochs[String(op.epoch)] = { startedAt: now, relayStart: ts, meta: '', chains: {}, esk: {}, held: [], unreadable: { author: op.author, ...(lost ? { lost: true as const } : {}) } };
		data.send = null;
		data.recover = op.epoch;
		// My own op, appended with a key I made and no longer hold, and no restore to explain it: a
		// relay that refused the op until its key was pushed out, then stored that version (§4.4).
		if (own) {
			const events: SessionEvent[] = [warning('tampered-log', 'PROTOCOL_BAD_KEYS', 'own-key-dropped', ts, { epoch: op.epoch })];
			if (may.post(next, data.me).ok) events.push({ type: 'rekey-due' });
			return events;
		}
		if (lost) {
			const events: SessionEvent[] = told ? [] : [warning('decrypt-failed', 'PROTOCOL_BAD_KEYS', 'unreadable-epoch', ts, { epoch: op.epoch, lost: true, ...(data.restored ? { restored: true } : {}) })];
			if (may.post(next, data.me).ok) events.push({ type: 'rekey-due' });
			return events;
		}
		// The name the author went by when the update came (words fall back to its key).
		const name = data.profiles[op.author];
		const events: SessionEvent[] = [
			warning('decrypt-failed', 'PROTOCOL_BAD_KEYS', 'unreadable-epoch', ts, { author: op.author, epoch: op.epoch, ...(name === undefined ? {} : { name }) })
		];
		if (may.post(next, data.me).ok) events.push({ type: 'rekey-due' });
		return events;
	}

	/** Opens my sealed epoch secret, checks its commitment, derives the epoch keys and wipes the secret. */
	private adoptEpoch(op: Extract<Op, { commit: string }>, prev: GroupState | null, next: GroupState, now: number, ts: number): void {
		const data = this.data;
		const commitGroup = op.kind === 'genesis' ? '' : data.group;
		const key = openingKey(data, op, prev, this.id);
		let secret: Uint8Array;
		try {
			secret = openEpochSecret(op, commitGroup, { sign: data.me, boxPk: key.boxPk, boxSk: key.boxSk });
		} finally {
			if (key.own) sodium().memzero(key.boxSk);
		}
		const keys = deriveEpochKeys(secret, groupContext(op.epoch === 0 ? '' : data.group), Object.keys(next.members));
		const chains: Record<string, ReturnType<SenderChain['toJSON']>> = {};
		let own: string | undefined;
		for (const [sign, key] of keys.chains) {
			if (sign === data.me) own = toB64(key);
			else {
				const chain = SenderChain.fromChainKey(key);
				chains[sign] = chain.toJSON();
				chain.wipe();
			}
			sodium().memzero(key);
		}
		data.epochs[String(op.epoch)] = { startedAt: now, relayStart: ts, meta: toB64(keys.metaKey), chains, own, esk: {}, held: [] };
		sodium().memzero(keys.metaKey);
	}

	private readBody(op: Op, next: GroupState): SessionEvent[] {
		const data = this.data;
		try {
			if (op.kind === 'genesis') {
				this.readGenesisName(op);
			} else if (op.kind === 'join') {
				const meta = this.metaKey(op.epoch);
				if (!meta) return [];
				const body = decryptOpBody(meta, op.body, { group: data.group, kind: 'join', author: op.author, epoch: op.epoch });
				data.profiles[op.author] = body.profile.name;
				return [{ type: 'profile', sender: op.author, name: body.profile.name }];
			} else if (op.kind === 'settings') {
				const meta = this.metaKey(next.epoch);
				if (!meta) return [];
				const body = decryptOpBody(meta, op.body, { group: data.group, kind: 'settings', author: op.author, epoch: next.epoch });
				data.name = body.name;
				data.description = body.description;
			}
		} catch (error) {
			// A body that does not open is the author's fault, not the relay's: the op stands.
			if (!isProtocolError(error)) throw error;
		}
		return [];
	}

	/**
	 * A moderator's note (§13.5): shown to me if it opens with my box key and names a member
	 * other than its author. Anything else is not for me, or the author's fault: nothing shown.
	 */
	private readWarn(op: Extract<Op, { kind: 'warn' }>, next: GroupState, item: RelayEntry): SessionEvent[] {
		const note = openWarn(this.data.group, op.author, { boxPk: this.id.boxPk, boxSk: this.id.boxSk }, op.body);
		if (!note || note.target === op.author || !Object.hasOwn(next.members, note.target)) return [];
		return [{ type: 'warned', seq: item.seq, ts: item.ts, author: op.author, target: note.target, text: note.text }];
	}

	/**
	 * A join request's note (§13.8), opened only when I am a moderator or an admin at its place
	 * (review M6: the requester picks the wraps, so a note could otherwise reach anyone). Answered
	 * requests' notes are dropped.
	 */
	private readRequest(op: Op, prev: GroupState | null, next: GroupState): void {
		const data = this.data;
		const notes = { ...data.requestNotes };
		for (const sign of Object.keys(notes)) if (!may.isPending(next, sign)) delete notes[sign];
		if (op.kind === 'request' && prev && may.moderate(prev, data.me).ok) {
			const note = openRequest(data.group, op.author, op.invite, { boxPk: this.id.boxPk, boxSk: this.id.boxSk }, op.body);
			notes[op.author] = note ? { name: note.profile.name, ...(note.note ? { note: note.note } : {}) } : null;
		}
		if (Object.keys(notes).length > 0) data.requestNotes = notes;
		else delete data.requestNotes;
	}

	private readGenesisName(op: Op | undefined): void {
		if (!op || op.kind !== 'genesis') return;
		const meta = this.metaKey(0);
		if (!meta) return;
		try {
			const body = decryptOpBody(meta, op.body, { group: '', kind: 'genesis', author: op.author, epoch: 0 });
			this.data.name = body.name;
			this.data.description = body.description;
			this.data.profiles[op.author] = body.profile.name;
		} catch (error) {
			if (!isProtocolError(error)) throw error;
		}
	}

	/** The op-body key of `epoch` if it is still held (only the current epoch's is kept). */
	metaKey(epoch: number): Uint8Array | null {
		const meta = this.data.epochs[String(epoch)]?.meta;
		return meta ? fromB64(meta) : null;
	}

	/** Forgets every key: after removal nothing sent later can be read, and nothing old is kept. */
	wipeKeys(): void {
		this.data.epochs = {};
		this.data.send = null;
		dropAllReceiveKeys(this.data);
	}
}

/** Whether a `remove` revoked the invite its target had joined with (§3.3). */
function linkWithdrawn(prev: GroupState | null, next: GroupState, op: Op): boolean {
	if (op.kind !== 'remove' || !prev) return false;
	const key = prev.members[op.target]?.invite;
	return key !== undefined && prev.invites[key]?.revoked === false && next.invites[key]?.revoked === true;
}

/**
 * Sessions stored before issue 9 kept the op-hash index inside the state (`log.seen`); it now
 * lives beside it (`data.seen`, §3.5), so a copy kept from then is moved over on load.
 */
function withSeenIndex(data: SessionData): SessionData {
	const old = data.log as (GroupState & { seen?: Record<string, number>; commits?: Record<string, string> }) | null;
	if (old?.seen) {
		data.seen ??= old.seen;
		delete old.seen;
	}
	if (old?.commits) {
		old.commit ??= old.commits[String(old.epoch)]!;
		delete old.commits;
	}
	data.seen ??= {};
	return data;
}

/** The epoch op was sealed to a receive key of mine that this device does not hold (§4.4): an older backup, not anyone's fault. */
function keyLost(data: SessionData, op: Extract<Op, { commit: string }>, prev: GroupState | null): boolean {
	const waiting = op.kind === 'approve' && op.target === data.me ? prev?.pending?.[data.me]?.rk : undefined;
	const wanted = op.author === data.me && op.rk !== undefined ? op.rk : (recordedKey(prev, data.me) ?? waiting);
	return wanted !== undefined && !data.receiveKeys?.some((k) => k.pk === wanted);
}
