/**
 * Linked verification of a backlog (docs/PROTOCOL.md §5.2 "Links").
 *
 * A sender may sign, with each message ctr > 0, `prev` = SHA-256(labelled("unseen/v1/msg-link",
 * signed value of its message ctr - 1)), where the signed value is the header plus that message's
 * own `prev`. Once message i is verified, message i - 1 is authentic if its signed value hashes
 * to i's `prev`: the signature of i covers it by collision resistance. A backlog of
 * n messages from one sender then costs one Ed25519 verification plus n hashes, instead of n
 * verifications. A message that no verified successor vouches for (the last one, or one before
 * a gap, or an unlinked one) is verified on its own signature.
 */
import type { EnvelopeHeader } from '../core/schema.ts';
import { messageLink, verifyMessageSignature } from './message.ts';
import { sodium } from './sodium.ts';

export interface LinkedItem {
	header: EnvelopeHeader;
	sig: Uint8Array;
	prev?: Uint8Array;
}

/**
 * Verifies messages of ONE sender in ONE epoch, in any order, against that sender's eskPk.
 * Returns, per item (same order), whether it is authentic. Never throws for a bad item.
 * Items must have distinct counters (the chain already refuses replays).
 */
export function verifyLinked(items: readonly LinkedItem[], eskPk: Uint8Array): boolean[] {
	const s = sodium();
	const result = new Array<boolean>(items.length).fill(false);
	const order = items.map((_, i) => i).sort((a, b) => items[b]!.header.ctr - items[a]!.header.ctr);
	const sender = items[0]?.header.sender;
	const epoch = items[0]?.header.epoch;
	/** ctr → link hash vouched for by a verified successor. */
	const vouched = new Map<number, Uint8Array>();
	for (const i of order) {
		const item = items[i]!;
		if (item.header.sender !== sender || item.header.epoch !== epoch) continue;
		const expected = vouched.get(item.header.ctr);
		let ok = false;
		if (expected && s.memcmp(messageLink(item.header, item.prev), expected)) {
			ok = true;
		} else {
			try {
				verifyMessageSignature(item.header, item.sig, eskPk, item.prev);
				ok = true;
			} catch {
				ok = false;
			}
		}
		result[i] = ok;
		if (ok && item.prev && item.header.ctr > 0) vouched.set(item.header.ctr - 1, item.prev);
	}
	return result;
}
