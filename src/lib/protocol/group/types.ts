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
	/** Epoch commitments by epoch number (b64), so members can check their opened secret. */
	commits: Record<string, string>;
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
	/**
	 * Every op hash applied so far (b64) → its 1-based position in the log. Lets a client tell a
	 * replayed op (`PROTOCOL_REPLAY`) from a second child of an old op (`PROTOCOL_FORK`).
	 */
	seen: Record<string, number>;
	/** Relay time of the last applied op. */
	lastOpAt: number;
	/**
	 * Listeners with a pending `ask` to speak (sign pks, in the order they asked). Absent when
	 * none is pending, so states of logs without asks are unchanged.
	 */
	asks?: string[];
}
