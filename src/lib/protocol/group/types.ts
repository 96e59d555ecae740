/**
 * The group state every client computes from the verified log (docs/PROTOCOL.md §3.5), and the
 * relay computes too for routing. Plain JSON (b64 strings), so it can be stored as is.
 */
import type { Primitives } from '../../core/primitives.ts';
import type { Role, Settings } from '../../core/schema.ts';

export type { Primitives };

export interface ApplyContext {
	/** Relay time of the entry carrying the op (ms). Used for invite expiry. */
	now: number;
	primitives: Primitives;
	/**
	 * The 1-based position of an op hash already applied to this log (or to a log extending it),
	 * else undefined: the caller's append-only index, to which it adds `next.head → next.length`
	 * after each op it keeps. Consulted only for an op whose parent is not the head, to tell a
	 * replay (`PROTOCOL_REPLAY`) and a fork (`PROTOCOL_FORK`) from a bad parent. Kept out of the
	 * state so that applying an op copies nothing that grows with the log (§3.5).
	 */
	seen?: (hash: string) => number | undefined;
}

export interface MemberState {
	sign: string;
	box: string;
	role: Role;
	/** Epoch in which the member joined or was added. */
	since: number;
	/**
	 * Key of the invite the member joined through (§3.5). Absent for genesis members and members
	 * added by an admin. Removing the member revokes that invite (§3.3), so a removed member
	 * cannot come back through the link it used, nor can anyone it passed that link to.
	 */
	invite?: string;
	/** The member's current receive key (§4.4): absent until its first `key` op or epoch op with `rk`. */
	rk?: string;
	/** Epoch in which `rk` was set. */
	rkAt?: number;
}

export interface InviteState {
	key: string;
	author: string;
	expires: number;
	maxUses: number;
	uses: number;
	role: 'member' | 'listener';
	revoked: boolean;
}

export interface GroupState {
	/** Group id, b64 (op hash of the genesis). */
	group: string;
	/** Op hash of the last applied op, b64. */
	head: string;
	/** Number of ops applied. */
	length: number;
	epoch: number;
	/** Commitment of the current epoch (b64), so members can check their opened secret; earlier ones are in their epoch ops. */
	commit: string;
	/** Relay time at which the current epoch began. */
	epochStartedAt: number;
	needsRekey: boolean;
	ended: boolean;
	settings: Settings;
	/** Keyed by sign pk (b64). Object with null prototype semantics: keys are validated b64. */
	members: Record<string, MemberState>;
	invites: Record<string, InviteState>;
	/** Messages hidden by moderators, by relay seq. */
	hidden: number[];
	/** Relay time of the last applied op. */
	lastOpAt: number;
	/**
	 * Listeners with a pending `ask` to speak (sign pks, in the order they asked). Absent when
	 * none is pending, so states of logs without asks are unchanged.
	 */
	asks?: string[];
	/**
	 * Members muted by a moderator (§13.3): sign pk → relay time (ms) until which they may not
	 * post. Absent when empty, so states of logs without mutes are unchanged.
	 */
	muted?: Record<string, number>;
	/**
	 * Join requests not yet answered (§13.8): sign pk → what the `approve` needs. Absent when
	 * empty, so states of logs without requests are unchanged.
	 */
	pending?: Record<string, PendingState>;
}

/** One unanswered `request` (§3.5, §13.8). */
export interface PendingState {
	box: string;
	role: 'member' | 'listener';
	/** The invite it asked through (a use was spent). */
	invite: string;
	/** Its first receive key: the approving epoch is sealed to it (§4.4). */
	rk: string;
	/** Relay time of the request (ms). */
	at: number;
}
