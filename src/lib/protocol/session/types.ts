/**
 * The serialisable state of one group session and the events it reports. Plain JSON (b64
 * secrets) for the encrypted store; `GroupSession.toJSON()` writes it, `fromJSON` reads it.
 */
import type { ChainState } from '../../crypto/chain.ts';
import type { Content } from '../../crypto/content.ts';
import type { GroupState } from '../group/types.ts';
import type { Entry, Envelope, EnvelopeHeader, Op } from '../schema.ts';

export type { Content };

/** A relay entry as delivered by `entry` frames (docs/PROTOCOL.md §9.5). */
export interface RelayEntry {
	seq: number;
	ts: number;
	entry: Entry;
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
}

/** My sending side in the current epoch. */
export interface SendData {
	epoch: number;
	chain: ChainState;
	eskPk: string;
	eskSk: string;
	/** The hello of this epoch once built: resent with the same mid until acknowledged. */
	hello?: { mid: string; envelope: Envelope; acked: boolean };
}

export interface SessionData {
	v: 1;
	group: string;
	/** My sign pk (b64) in this group. */
	me: string;
	/** Identity nonce (with the device root it re-derives my keys). */
	nonce: string;
	log: GroupState | null;
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

export type WarningKind = 'gap' | 'late' | 'replay' | 'fork' | 'unverified' | 'bad-commitment' | 'decrypt-failed' | 'tampered-log';

export type SessionEvent =
	| { type: 'message'; address: Address; content: Content; seq: number; ts: number; franking: FrankingRecord | null; late: boolean }
	| { type: 'own'; address: Address; seq: number; ts: number }
	| { type: 'op'; op: Op; seq: number; ts: number }
	| { type: 'hidden'; seq: number }
	| { type: 'profile'; sender: string; name: string }
	| { type: 'removed' }
	| { type: 'warning'; kind: WarningKind; code: string; text: string; at: number; detail?: Record<string, unknown> };

/** The next thing to append for an outgoing message (the client persists it before sending). */
export type SendStep =
	| { kind: 'op'; op: Op; mid: string }
	| { kind: 'hello'; envelope: Envelope; mid: string }
	| { kind: 'msg'; envelope: Envelope; mid: string; address: Address; fk: string; body: string };
