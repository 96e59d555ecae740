/**
 * Message franking (docs/PROTOCOL.md §6, property P8).
 *
 *   c     = HMAC-SHA256(fk, labelled("unseen/v1/frank", {group, epoch, sender, ctr, body: b64(contentBytes)}))
 *   stamp = HMAC-SHA256(relaySecret, labelled("unseen/v1/stamp", {c, sender, group, seq, ts}))
 *
 * `c` sits in the envelope header, hence in the AEAD associated data; `fk` travels inside the
 * ciphertext. XChaCha20-Poly1305 is not key-committing, so a receiver recomputes `c` before it
 * shows anything. The stamp is computed by the relay (server/stamp.ts, with node:crypto); the
 * relay and this module share the stamp's input, its fields and exact bytes, from core/stamp.ts.
 * `computeStamp` here is the libsodium twin that tests and the vectors check the relay against.
 */
import { toB64 } from '../core/bytes.ts';
import { labelled } from '../core/cjson.ts';
import { ProtocolError } from '../core/errors.ts';
import { LABEL } from '../core/labels.ts';
import { presentedStamp, stampInput, type StampFields } from '../core/stamp.ts';
import { sodium } from './sodium.ts';

/** Where a message sits: the franking commitment binds the content to it. */
export interface FrankingContext {
	group: string;
	epoch: number;
	sender: string;
	ctr: number;
}

export function newFrankingKey(): Uint8Array {
	return sodium().randombytes_buf(32);
}

function frankInput(ctx: FrankingContext, contentBytes: Uint8Array): Uint8Array {
	return labelled(LABEL.frank, {
		group: ctx.group,
		epoch: ctx.epoch,
		sender: ctx.sender,
		ctr: ctx.ctr,
		body: toB64(contentBytes)
	});
}

/** The commitment `c` (32 bytes) to `contentBytes` at `ctx` under franking key `fk`. */
export function commit(fk: Uint8Array, ctx: FrankingContext, contentBytes: Uint8Array): Uint8Array {
	if (fk.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'franking key must be 32 bytes');
	return sodium().crypto_auth_hmacsha256(frankInput(ctx, contentBytes), fk);
}

/** True when `c` commits to `contentBytes` at `ctx` under `fk`. Constant-time comparison. */
export function verifyCommitment(fk: Uint8Array, ctx: FrankingContext, contentBytes: Uint8Array, c: Uint8Array): boolean {
	if (fk.length !== 32 || c.length !== 32) return false;
	const expected = commit(fk, ctx, contentBytes);
	return sodium().memcmp(expected, c);
}

/** Throws PROTOCOL_BAD_COMMITMENT unless `c` commits to the content. */
export function checkCommitment(fk: Uint8Array, ctx: FrankingContext, contentBytes: Uint8Array, c: Uint8Array): void {
	if (!verifyCommitment(fk, ctx, contentBytes, c)) {
		throw new ProtocolError('PROTOCOL_BAD_COMMITMENT', 'franking commitment does not match the message');
	}
}

/** The relay's stamp over a stored message (§6.2). Only the holder of `relaySecret` can compute or check it. */
export function computeStamp(relaySecret: Uint8Array, fields: StampFields): Uint8Array {
	if (relaySecret.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'relay secret must be 32 bytes');
	return sodium().crypto_auth_hmacsha256(stampInput(fields), relaySecret);
}

/** Relay side: constant-time check of a presented stamp. */
export function checkStamp(relaySecret: Uint8Array, fields: StampFields, stamp: string): boolean {
	const presented = presentedStamp(stamp);
	return presented !== null && sodium().memcmp(computeStamp(relaySecret, fields), presented);
}
