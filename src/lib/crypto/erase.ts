/**
 * The signed erase (docs/PROTOCOL.md §9.8a): a sender asks the relay to erase the stored bytes of
 * a message it deleted, naming its `delete` message (`by`). The relay keeps the signature in the
 * tombstone, so a member that syncs later can tell an honest erase from a message the relay
 * dropped and covered with a tombstone of its own.
 */
import { fromB64, toB64 } from '../core/bytes.ts';
import { labelled } from '../core/cjson.ts';
import { LABEL } from '../core/labels.ts';
import type { Primitives } from '../core/primitives.ts';
import { sodium } from './sodium.ts';

export interface EraseFields {
	group: string;
	/** Seq of the erased message. */
	seq: number;
	/** The erased envelope's epoch and counter. */
	epoch: number;
	ctr: number;
	/** Seq of the sender's `delete` message. */
	by: number;
}

export function eraseSigningBytes(f: EraseFields): Uint8Array {
	return labelled(LABEL.erase, { by: f.by, ctr: f.ctr, epoch: f.epoch, group: f.group, seq: f.seq });
}

/** `sig` of an erase request, by the sender's per-group identity key (b64). */
export function signErase(signSk: Uint8Array, f: EraseFields): string {
	return toB64(sodium().crypto_sign_detached(eraseSigningBytes(f), signSk));
}

/** Whether `sig` is `sender`'s erase of `f` (a hello, ctr 0, is never erasable; `by` follows `seq`). */
export function verifyErase(primitives: Primitives, sender: string, sig: string, f: EraseFields): boolean {
	if (f.ctr === 0 || f.by <= f.seq) return false;
	try {
		return primitives.verify(fromB64(sig), eraseSigningBytes(f), fromB64(sender));
	} catch {
		return false;
	}
}
