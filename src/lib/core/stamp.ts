/**
 * The relay's franking stamp (docs/PROTOCOL.md §6.2): what it covers and the exact bytes it MACs,
 *
 *   stamp = HMAC-SHA256(relaySecret, labelled("unseen/v1/stamp", {c, sender, group, seq, ts}))
 *
 * defined once here. The MAC itself belongs to each side's crypto: node:crypto in the relay
 * (server/stamp.ts, which may not load libsodium), libsodium in crypto/franking.ts (tests and the
 * vectors cross-check the two). The `verify` frame (§9.7) carries the same fields.
 */
import { b64Bytes } from './bytes.ts';
import { labelled } from './cjson.ts';
import { LABEL } from './labels.ts';

/** The fields the relay's stamp covers (and the `verify` frame carries, §9.7). */
export interface StampFields {
	c: string;
	sender: string;
	group: string;
	seq: number;
	ts: number;
}

/** The bytes the stamp's HMAC runs over; only these five fields, whatever else `fields` holds. */
export function stampInput(fields: StampFields): Uint8Array {
	return labelled(LABEL.stamp, { c: fields.c, sender: fields.sender, group: fields.group, seq: fields.seq, ts: fields.ts });
}

/** A presented stamp's 32 bytes, or null when it is not base64url of exactly 32 bytes. */
export function presentedStamp(stamp: string): Uint8Array | null {
	try {
		return b64Bytes(stamp, 32, 'stamp');
	} catch {
		return null;
	}
}
