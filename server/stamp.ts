/**
 * Relay franking stamps (docs/PROTOCOL.md §6.2): an HMAC-SHA256 under a secret that only the
 * relay holds, binding a commitment to its authenticated sender, group, sequence and time.
 * A MAC, not a signature, so nobody but this relay can check one (deniability, P8). The input's
 * fields and bytes are core/stamp.ts's; the HMAC is node:crypto's, so the relay needs no libsodium.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { toB64 } from '../src/lib/core/bytes.ts';
import { labelled } from '../src/lib/core/cjson.ts';
import { LABEL } from '../src/lib/core/labels.ts';
import { presentedStamp, stampInput, type StampFields } from '../src/lib/core/stamp.ts';

const stampMac = (secret: Uint8Array, fields: StampFields): Buffer => createHmac('sha256', secret).update(stampInput(fields)).digest();

export function computeStamp(secret: Uint8Array, fields: StampFields): string {
	return toB64(stampMac(secret, fields));
}

/** Constant-time check of a presented stamp; false for any malformed input. */
export function checkStamp(secret: Uint8Array, fields: StampFields, stamp: string): boolean {
	const presented = presentedStamp(stamp);
	return presented !== null && timingSafeEqual(presented, stampMac(secret, fields));
}

/** A pair genesis's `settings.met` tag (§3.2, §9.7): H("unseen/v1/pair-met", {met, s}). */
export function pairMetTag(met: string, s: string): Buffer {
	return createHash('sha256').update(labelled(LABEL.pairMet, { met, s })).digest();
}
