/**
 * Relay franking stamps (docs/PROTOCOL.md §6.2): an HMAC-SHA256 under a secret that only the
 * relay holds, binding a commitment to its authenticated sender, group, sequence and time.
 * A MAC, not a signature, so nobody but this relay can check one (deniability, P8).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { b64Bytes, toB64 } from '../src/lib/core/bytes.ts';
import { labelled } from '../src/lib/core/cjson.ts';
import { LABEL } from '../src/lib/core/labels.ts';

export interface StampFields {
	c: string;
	sender: string;
	group: string;
	seq: number;
	ts: number;
}

export function computeStamp(secret: Uint8Array, fields: StampFields): string {
	const { c, sender, group, seq, ts } = fields;
	const mac = createHmac('sha256', secret).update(labelled(LABEL.stamp, { c, sender, group, seq, ts })).digest();
	return toB64(mac);
}

/** Constant-time check of a presented stamp; false for any malformed input. */
export function checkStamp(secret: Uint8Array, fields: StampFields, stamp: string): boolean {
	let presented: Uint8Array;
	try {
		presented = b64Bytes(stamp, 32, 'stamp');
	} catch {
		return false;
	}
	const expected = b64Bytes(computeStamp(secret, fields), 32, 'stamp');
	return timingSafeEqual(presented, expected);
}
