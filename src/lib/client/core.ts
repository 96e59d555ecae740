/**
 * What the parts of the headless client share: the connection, the store, the clock, the
 * loaded groups, the listeners, the device keys and the lock flag. One instance per
 * UnseenClient; the other modules (joining, subscriptions, actions, lock) take it as their
 * first argument, so the client class itself stays a thin, readable API.
 */
import type { ClientEvent } from './api.ts';
import type { ConnectionPool } from './pool.ts';
import type { GroupHandle } from './group.ts';
import { ProtocolError } from '../core/errors.ts';
import type { Primitives } from '../protocol/group/types.ts';
import type { DeviceState } from '../protocol/session/device.ts';
import type { SessionOptions } from '../protocol/session/session.ts';
import { sodium } from '../crypto/sodium.ts';
import { KEY_OP_JITTER_MS } from '../protocol/session/send.ts';
import type { Kv } from '../storage/kv.ts';

/** Saves are coalesced: a burst of entries writes once, this long after the first. */
const SAVE_DELAY_MS = 20;
/** Expired keys are wiped this often while the client runs, not only when entries arrive (§4.3). */
export const PRUNE_INTERVAL_MS = 3 * 60 * 1000;

export class ClientCore {
	/** One connection per group identity (pool.ts, P9). */
	readonly conn: ConnectionPool;
	readonly store: Kv;
	readonly origin: string;
	readonly now: () => number;
	/**
	 * Sessions get this device's own clock, not `now` (which follows the relay's): key lifetimes
	 * and the live clock-skew check must not depend on what the relay says the time is.
	 */
	readonly sessionOptions: SessionOptions;
	readonly groups = new Map<string, GroupHandle>();
	readonly listeners = new Set<(event: ClientEvent) => void>();
	/** Groups whose outbox is being sent, and the running pumps (awaited by lock). */
	readonly pumping = new Map<string, Promise<void>>();
	/** Running sends of session-initiated steps (hello, healing rekey) per group (due.ts). */
	readonly dueRuns = new Map<string, Promise<void>>();
	/** Per group, the timer that pumps the outbox again when a waiting item may go (slow mode, §13.7). */
	readonly wakeTimers = new Map<string, ReturnType<typeof setTimeout>>();
	readonly saveTimers = new Map<string, ReturnType<typeof setTimeout>>();
	device: DeviceState | null = null;
	/**
	 * The random pause (0 to KEY_OP_JITTER_MS) before a `key` op is built (§4.4). Tests replace
	 * it with a seeded one; nothing asserts on its length.
	 */
	keyPause: () => Promise<void> = () => new Promise((resolve) => setTimeout(resolve, sodium().randombytes_uniform(KEY_OP_JITTER_MS + 1)));
	primitives: Primitives | null = null;
	/** Set by lock(): every later call is refused with PROTOCOL_LOCKED. */
	locked = false;
	#pruneTimer: ReturnType<typeof setInterval> | null = null;

	constructor(conn: ConnectionPool, store: Kv, origin: string, now: () => number, clock: () => number = Date.now) {
		this.conn = conn;
		this.store = store;
		this.origin = origin;
		this.now = now;
		this.sessionOptions = { clock };
	}

	/** Starts wiping expired keys of every group on a timer; `stopPruning` ends it (stop, lock). */
	startPruning(intervalMs = PRUNE_INTERVAL_MS): void {
		this.stopPruning();
		this.#pruneTimer = setInterval(() => this.pruneAll(), intervalMs);
	}

	stopPruning(): void {
		if (this.#pruneTimer) clearInterval(this.#pruneTimer);
		this.#pruneTimer = null;
	}

	/** Cancels the outbox wake-ups (stop, lock): waiting items stay in the outbox for the next start. */
	stopWaking(): void {
		for (const timer of this.wakeTimers.values()) clearTimeout(timer);
		this.wakeTimers.clear();
	}

	/** Wipes keys that expired by this device's clock in every group, and saves what changed. */
	pruneAll(): void {
		if (this.locked) return;
		for (const g of this.groups.values()) {
			if (g.session.data.removed) continue;
			const before = JSON.stringify(g.session.data.epochs);
			g.session.pruneKeys();
			if (JSON.stringify(g.session.data.epochs) === before) continue;
			g.markDirty();
			this.scheduleSave(g);
		}
	}

	emit(event: ClientEvent): void {
		for (const listener of this.listeners) {
			try {
				listener(event);
			} catch {
				// A failing listener must not break the client.
			}
		}
	}

	/** Throws PROTOCOL_LOCKED after lock(); use at the top of every call that acts. */
	requireUnlocked(): void {
		if (this.locked) throw new ProtocolError('PROTOCOL_LOCKED', 'the app is locked; unlock it to continue');
	}

	requireDevice(): { device: DeviceState; primitives: Primitives } {
		this.requireUnlocked();
		if (!this.device || !this.primitives) throw new ProtocolError('PROTOCOL_LOCKED', 'call start() first');
		return { device: this.device, primitives: this.primitives };
	}

	group(group: string): GroupHandle {
		this.requireUnlocked();
		const g = this.groups.get(group);
		if (!g) throw new ProtocolError('PROTOCOL_UNKNOWN_MEMBER', 'unknown group');
		return g;
	}

	/** Opens the group identity's own connection (pool.ts); it logs in as that key alone. */
	addKey(g: GroupHandle): void {
		const signSk = g.session.id.signSk;
		this.conn.addKey(g.session.me, (m) => sodium().crypto_sign_detached(m, signSk));
	}

	scheduleSave(g: GroupHandle): void {
		if (this.locked || this.saveTimers.has(g.id)) return;
		this.saveTimers.set(
			g.id,
			setTimeout(() => {
				this.saveTimers.delete(g.id);
				void g.save().catch(() => undefined);
			}, SAVE_DELAY_MS)
		);
	}

	/** Writes every pending change now (cancelling the coalescing timers). */
	async flushSaves(): Promise<void> {
		for (const timer of this.saveTimers.values()) clearTimeout(timer);
		this.saveTimers.clear();
		for (const g of this.groups.values()) await g.save();
	}

	cancelSave(g: GroupHandle): void {
		clearTimeout(this.saveTimers.get(g.id));
		this.saveTimers.delete(g.id);
	}
}
