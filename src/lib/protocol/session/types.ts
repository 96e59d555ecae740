/**
 * The serialisable state of one group session and the events it reports. Plain JSON (b64
 * secrets) for the encrypted store; `GroupSession.toJSON()` writes it, `fromJSON` reads it.
 */
import type { ChainState } from '../../crypto/chain.ts';
import type { Content } from '../../core/content.ts';
import type { GroupState } from '../group/types.ts';
import type { Post } from '../group/may.ts';
import type { Envelope, EnvelopeHeader, Op, StoredEntry } from '../../core/schema.ts';
import type { WarningAbout } from '../../core/warnings.ts';

export type { Content, WarningAbout };

/** A relay entry as delivered by `entry` frames (docs/PROTOCOL.md §9.5). */
export interface RelayEntry {
	seq: number;
	ts: number;
	/** A tombstone (§9.8a) only as served in the log, never appended. */
	entry: StoredEntry;
	stamp?: string;
}

export interface Address {
	sender: string;
	epoch: number;
	ctr: number;
}

/** Keys of one epoch this member can still use to read. */
export interface EpochData {
	startedAt: number;
	/** Op-body key of the epoch; '' once the epoch is no longer current. */
	meta: string;
	/** Receive chain per other member (sign pk), wiped once that sender moved to a later epoch. */
	chains: Record<string, ChainState>;
	/** My own first chain key of the epoch until my send chain starts. */
	own?: string;
	/** Epoch signing key per sender, set only after that sender's hello MAC checked out. */
	esk: Record<string, string>;
	/** Entries from senders whose hello has not been verified yet (held, not shown). */
	held: RelayEntry[];
	/** Relay time of the op that started the epoch (retention checks compare relay times). */
	relayStart?: number;
	/** Relay time of the last message received per sender (retention checks, §5.4). */
	lastTs?: Record<string, number>;
	/**
	 * My box of this epoch did not open or failed the commitment: nothing of it is readable here.
	 * `lost`: it was sealed to a receive key of mine this device no longer holds (an older backup).
	 */
	unreadable?: { author: string; lost?: true };
}

/** What was received of each sender in an epoch that has ended (tail check against hellos, §5.4). */
export interface EpochTail {
	/** Next counter expected per sender when the epoch ended (0: nothing received). */
	next: Record<string, number>;
	/** Relay time of the last message per sender, else of the epoch start. */
	ts: Record<string, number>;
}

/** My sending side in the current epoch. */
export interface SendData {
	epoch: number;
	chain: ChainState;
	eskPk: string;
	eskSk: string;
	/** The hello of this epoch once built: resent with the same mid until acknowledged. */
	hello?: { mid: string; envelope: Envelope; acked: boolean };
	/** `messageLink` (b64) of my last sealed message in this epoch: the next one's `prev` (§5.2). */
	link?: string;
}

export interface SessionData {
	v: 1;
	group: string;
	/** My sign pk (b64) in this group. */
	me: string;
	/** Identity nonce (with the device root it re-derives my keys). */
	nonce: string;
	log: GroupState | null;
	/** Every op hash of `log` → its 1-based position: the `ctx.seen` index of §3.5 (replays, forks, a message's `state`). */
	seen: Record<string, number>;
	/** Highest relay seq processed. */
	cursor: number;
	/** Epoch in which I joined: earlier messages are not for me (privacy of earlier shares). */
	joinedEpoch: number;
	name: string;
	description: string;
	/** Display names from encrypted profiles, by sign pk. */
	profiles: Record<string, string>;
	epochs: Record<string, EpochData>;
	send: SendData | null;
	frozen: { code: string; message: string } | null;
	/** Set once I am no longer a member (removed or left). */
	removed: boolean;
	unread: number;
	lastActivity: number;
	/** Ask-to-speak requests seen, by listener sign pk. */
	asks: Record<string, number>;
	/** Relay time of the last entry processed: it never goes back (§5.4). */
	lastTs?: number;
	/** Each member's last few accepted message entries (seq, relay time), for slow mode (§13.7). */
	posts?: Record<string, Post[]>;
	/** My last message the relay delivered back to me: its (epoch, ctr) goes into my next epoch's hello. */
	ownLast?: { epoch: number; ctr: number };
	/** Per ended epoch (a few kept), what was received of each sender. */
	tails?: Record<string, EpochTail>;
	/** Epoch whose key update did not open here: a rekey is due to recover (§4.2). */
	recover?: number;
	/**
	 * I joined through an invite and nobody in charge has confirmed it yet (§7): `at` is the log
	 * length after my join, `by` the invite's author. Cleared by a verified message from `by` or a
	 * current admin naming an op at or after `at`. Until then the relay could be keeping me on a
	 * branch of its own.
	 */
	unconfirmed?: { at: number; by: string };
	/**
	 * My request to join is no longer waiting and I was not let in (§13.8): `declined` by a
	 * moderator, `withdrawn` by me, `link` dropped with its revoked invite, all read from verified
	 * ops; `unknown` while the relay refuses my subscription as I wait (review R2-1): not an end,
	 * the subscription is tried again with backoff and `unknown` cleared once accepted; the keys
	 * stay until a verified answer or until the person chooses to forget.
	 */
	requestEnded?: 'declined' | 'withdrawn' | 'link' | 'unknown';
	/**
	 * The person asked to withdraw their request (§13.8) and it is not settled yet: nothing is
	 * posted in their name meanwhile (no hello, no key op); if an approve landed first, this
	 * device leaves the group instead of greeting it.
	 */
	withdrawing?: true;
	/**
	 * Moderators only (§13.8): the name and note of each waiting request, opened with my box key
	 * when the request arrived (null: not sealed to me). Dropped once the request is answered.
	 */
	requestNotes?: Record<string, { name: string; note?: string } | null>;
	/**
	 * Restored from a backup (§8): the copy that made the backup may have sent with the counters
	 * this state still holds, so a new epoch (my own `rekey`) comes before anything I send.
	 */
	restored?: boolean;
	/** A member new to this epoch should learn my name: send my hello now, not at my next message. */
	helloDue?: boolean;
	/**
	 * Secret halves of my receive keys (§4.4), oldest first: the one the log records for me and
	 * those of my ops in flight. Earlier ones are dropped once a later one is recorded.
	 */
	receiveKeys?: { pk: string; sk: string }[];
	/** Tombstones (§9.8a) whose sender's `delete` message, at seq `by`, is still to come. */
	erasures?: { by: number; sender: string; epoch: number; ctr: number }[];
	/**
	 * Attempts at publishing my pending receive key (§4.4): its public half, how many attempts
	 * failed in a way that counts (no answer, or a refusal other than RELAY_CONFLICT /
	 * RELAY_STALE_EPOCH naming another head), the time spent online and caught up since the
	 * first attempt (`online`, ms, by this device's clock, `at` the last check), and whether the
	 * warning was raised. Cleared when the log records the key.
	 */
	keyAttempts?: { pk: string; n: number; online: number; at?: number; warned?: boolean };
	/** Epochs sealed to a receive key no longer held here were met and said once; cleared by the next readable epoch. */
	keysLostTold?: true;
}

/** What a report needs to disclose a message (docs/PROTOCOL.md §6.3). */
export interface FrankingRecord {
	header: EnvelopeHeader;
	n: string;
	seq: number;
	ts: number;
	stamp: string;
	fk: string;
	body: string;
}

export type WarningKind =
	| 'gap'
	| 'late'
	| 'replay'
	| 'fork'
	| 'unverified'
	| 'bad-commitment'
	| 'decrypt-failed'
	| 'tampered-log';

/**
 * The kinds stay the ones the client's `api.ts` knows; `code` tells the new cases apart.
 * Codes of warnings that have no ProtocolError of their own (docs/PROTOCOL.md §5.4). Stable:
 * the UI and tests may match on them.
 */
export const WARNING_CODE = {
	/** Relay seq or ts went backwards. */
	badOrder: 'PROTOCOL_BAD_ORDER',
	/** A live entry's relay time is far from this device's clock. */
	clockSkew: 'PROTOCOL_CLOCK_SKEW',
	/** A live entry's seq is not the one after the last. */
	seqGap: 'PROTOCOL_SEQ_GAP',
	/** A message arrived without its relay stamp: it cannot be reported. */
	noStamp: 'PROTOCOL_NO_STAMP',
	/** My `key` op has not landed after several attempts or a while (§4.4). */
	keyStalled: 'PROTOCOL_KEY_STALLED',
	/** The relay refused my message with a slow mode that my log does not have for me (§13.7). */
	badRefusal: 'PROTOCOL_BAD_REFUSAL'
} as const;

/** Largest tolerated |relay ts - local clock| for a live entry. */
export const MAX_CLOCK_SKEW_MS = 10 * 60 * 1000;

export type SessionEvent =
	| {
			type: 'message';
			address: Address;
			content: Content;
			seq: number;
			ts: number;
			franking: FrankingRecord | null;
			late: boolean;
			/** A text with a link from a sender the group's link limit does not allow (§13.7): shown behind a notice. */
			noLinks?: true;
	  }
	| { type: 'own'; address: Address; seq: number; ts: number }
	| { type: 'op'; op: Op; seq: number; ts: number; /** A `remove` revoked the invite its target joined with (§3.3). */ linkWithdrawn?: boolean }
	| { type: 'hidden'; seq: number }
	| { type: 'unhidden'; seq: number }
	/** A moderator's note I could open (§13.5): to me, or (as a moderator) to `target`. */
	| { type: 'warned'; seq: number; ts: number; author: string; target: string; text: string }
	/**
	 * A display name learned from a join op or a hello. From a hello it carries the hello's address
	 * and franking data (null without a relay stamp), so an abusive name can be reported (§6.3).
	 */
	| { type: 'profile'; sender: string; name: string; address?: Address; franking?: FrankingRecord | null }
	| { type: 'removed' }
	/** My join request ended without my being let in (§13.8), read from a verified op. */
	| { type: 'request-ended'; how: 'declined' | 'withdrawn' | 'link' }
	/** A moderator let me in (§13.8): subscribe again as a member. */
	| { type: 'approved' }
	/** Send `helloStep` now: a newcomer (or a recovery) needs my hello before my next message. */
	| { type: 'hello-due' }
	/** My copy of the current epoch cannot be read: post a `rekey` (any member may) to recover. */
	| { type: 'rekey-due' }
	/** No sentence: `about` and `detail` say what happened, src/lib/words/warnings.ts says it in words. */
	| { type: 'warning'; kind: WarningKind; code: string; about: WarningAbout; at: number; detail?: Record<string, unknown> };

/** The next thing to append for an outgoing message (the client persists it before sending). */
export type SendStep =
	| { kind: 'op'; op: Op; mid: string }
	| { kind: 'hello'; envelope: Envelope; mid: string }
	| { kind: 'msg'; envelope: Envelope; mid: string; address: Address; fk: string; body: string };
