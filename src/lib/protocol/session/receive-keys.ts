/**
 * Receive keys (docs/PROTOCOL.md §4.4, P4): fresh random X25519 key pairs, one published at a
 * time per member in the signed log, to which the next epoch secret is sealed. The secret half
 * lives only in the session state, and goes as soon as the log records a newer key of mine, so
 * that today's state plus the relay's stored log opens no earlier epoch.
 */
import { fromB64, toB64 } from '../../core/bytes.ts';
import { ProtocolError } from '../../core/errors.ts';
import type { Op } from '../../core/schema.ts';
import type { Identity } from '../../crypto/identity.ts';
import { sodium } from '../../crypto/sodium.ts';
import type { GroupState } from '../group/types.ts';
import type { SessionData } from './types.ts';

/** Keys held at most: the one the log records for me plus those of my ops still in flight. */
export const MAX_RECEIVE_KEYS = 5;

const has = (record: object, key: string) => Object.prototype.hasOwnProperty.call(record, key);

/** My receive key recorded in `log`, if any. */
export function recordedKey(log: GroupState | null, me: string): string | undefined {
	return log && has(log.members, me) ? log.members[me]!.rk : undefined;
}

/** A fresh receive key pair (b64), for an op built before its session exists (a genesis): hold it with `holdReceiveKey`. */
export function newReceiveKeyPair(): { pk: string; sk: string } {
	const na = sodium();
	const pair = na.crypto_box_keypair();
	const held = { pk: toB64(pair.publicKey), sk: toB64(pair.privateKey) };
	na.memzero(pair.privateKey);
	return held;
}

/** Holds `pair` in the session (persist it before the op naming it is sent). */
export function holdReceiveKey(data: SessionData, pair: { pk: string; sk: string }): void {
	const held = [...(data.receiveKeys ?? []), pair];
	// Too many in flight: drop the oldest that the log does not record for me.
	const current = recordedKey(data.log, data.me);
	while (held.length > MAX_RECEIVE_KEYS) held.splice(held.findIndex((k) => k.pk !== current), 1);
	data.receiveKeys = held;
}

/** A fresh receive key held in the session; returns its public half, to publish as `rk`. */
export function makeReceiveKey(data: SessionData): Uint8Array {
	const pair = newReceiveKeyPair();
	holdReceiveKey(data, pair);
	return fromB64(pair.pk);
}

/**
 * The receive key for a `key` op: the newest one I made that the log does not record yet (an
 * earlier `key` op of mine still in flight, or refused on the way), else a fresh one. Building
 * the op again after a failed send then publishes the same key, so a relay that drops my `key`
 * op over and over cannot push the key it finally appends out of the ones I hold (review of
 * issue 9, finding 3).
 */
export function pendingReceiveKey(data: SessionData): Uint8Array {
	const held = data.receiveKeys ?? [];
	const current = recordedKey(data.log, data.me);
	const after = held.slice(held.findIndex((k) => k.pk === current) + 1);
	const pending = after.at(-1);
	return pending ? fromB64(pending.pk) : makeReceiveKey(data);
}

/**
 * The key pair my copy of `op`'s epoch secret was sealed to (§4.2): the op's `rk` when I wrote
 * it, else my receive key recorded before the op, else the first receive key my entry in the op
 * carries (a genesis or `add` made from my code), else my box key. PROTOCOL_BAD_KEYS when that
 * receive key is not held here (wiped, or lost with an older backup): the epoch is unreadable.
 * The caller wipes `boxSk` when it is not the identity's.
 */
export function openingKey(data: SessionData, op: Extract<Op, { commit: string }>, prev: GroupState | null, id: Identity): { boxPk: Uint8Array; boxSk: Uint8Array; own: boolean } {
	const entries = op.kind === 'genesis' ? op.members : op.kind === 'add' ? [op.member] : [];
	// The approve of my request is sealed to the first receive key the request published (§13.8).
	const first = entries.find((m) => m.sign === data.me)?.rk ?? (op.kind === 'approve' && op.target === data.me ? prev?.pending?.[data.me]?.rk : undefined);
	const wanted = op.author === data.me && op.rk !== undefined ? op.rk : (recordedKey(prev, data.me) ?? first);
	if (wanted === undefined) return { boxPk: id.boxPk, boxSk: id.boxSk, own: false };
	const held = data.receiveKeys?.find((k) => k.pk === wanted);
	if (!held) throw new ProtocolError('PROTOCOL_BAD_KEYS', 'the receive key this epoch was sealed to is not held here');
	return { boxPk: fromB64(held.pk), boxSk: fromB64(held.sk), own: true };
}

/**
 * Once the log records a key of mine, every key I made before it is useless (the epoch it
 * opened has been opened, and no later op seals to it): dropped from the session (P4).
 */
export function dropReplacedKeys(data: SessionData): void {
	const held = data.receiveKeys;
	if (!held) return;
	const recorded = recordedKey(data.log, data.me);
	// My pending key landed: its attempts are over (§4.4).
	if (data.keyAttempts && data.keyAttempts.pk === recorded) delete data.keyAttempts;
	const i = held.findIndex((k) => k.pk === recorded);
	if (i > 0) data.receiveKeys = held.slice(i);
}

/** Removed, or the group ended: every receive key goes. */
export function dropAllReceiveKeys(data: SessionData): void {
	delete data.receiveKeys;
}
