/**
 * Tombstones in the backlog (docs/PROTOCOL.md §9.8a): the relay serves, in place of a message its
 * sender deleted and erased, the sender's signed erase. A valid one counts the erased counter as
 * received, so a member that syncs later sees no false gap; one the sender did not sign is the
 * relay's own (it checks the signature before storing one) and is treated as a missing entry.
 * The erase names the sender's `delete` message (`by`), which must turn out to delete it.
 */
import type { Erased } from '../../core/schema.ts';
import { isProtocolError } from '../../core/errors.ts';
import { SenderChain } from '../../crypto/chain.ts';
import { verifyErase } from '../../crypto/erase.ts';
import type { Primitives } from '../../core/primitives.ts';
import { warning } from './receive.ts';
import type { RelayEntry, SessionData, SessionEvent } from './types.ts';

/** Tombstones whose `delete` is still to come, kept at most (the oldest dropped). */
export const MAX_PENDING_ERASURES = 256;

const has = (record: object, key: string) => Object.prototype.hasOwnProperty.call(record, key);

/** One tombstone in relay order (its seq and ts already checked like any entry's). */
export function receiveErased(data: SessionData, primitives: Primitives, item: RelayEntry, erased: Erased, now: number): SessionEvent[] {
	const log = data.log;
	if (!log || erased.sender === data.me) return [];
	const where = { sender: erased.sender, epoch: erased.epoch, ctr: erased.ctr, seq: item.seq };
	if (!verifyErase(primitives, erased.sender, erased.sig, { group: data.group, seq: item.seq, epoch: erased.epoch, ctr: erased.ctr, by: erased.by })) {
		return [warning('tampered-log', 'PROTOCOL_BAD_SIGNATURE', 'bad-erase', item.ts, where)];
	}
	// Not mine to account for: another epoch at its place (I was not in it), or not a member.
	if (erased.epoch !== log.epoch || !has(log.members, erased.sender)) return [];
	const epochData = data.epochs[String(erased.epoch)];
	const chainState = epochData && !epochData.unreadable ? epochData.chains[erased.sender] : undefined;
	if (!epochData || !chainState) return [];
	const chain = SenderChain.fromJSON(chainState);
	const expected = chain.next;
	const events: SessionEvent[] = [];
	try {
		// Steps over the erased counter: its key is derived and wiped (or its skipped key dropped).
		chain.receive(erased.ctr, now, () => true);
		epochData.chains[erased.sender] = chain.toJSON();
	} catch (error) {
		if (!isProtocolError(error)) throw error;
		return [];
	} finally {
		chain.wipe();
	}
	if (erased.ctr > expected) {
		events.push(warning('gap', 'PROTOCOL_GAP', 'gap', item.ts, { sender: erased.sender, epoch: erased.epoch, from: expected, to: erased.ctr - 1 }));
	}
	(epochData.lastTs ??= {})[erased.sender] = Math.max(epochData.lastTs[erased.sender] ?? 0, item.ts);
	const pending = [...(data.erasures ?? []), { by: erased.by, sender: erased.sender, epoch: erased.epoch, ctr: erased.ctr }];
	data.erasures = pending.slice(-MAX_PENDING_ERASURES);
	return events;
}

/**
 * After the entry `item` was processed into `events`: a tombstone expecting its `delete` at this
 * seq is settled. The sender's message there must delete the erased one; another message of the
 * sender's opened there means the sender erased a message it never deleted for everyone; nothing
 * of the sender's opened there (an entry past `by` without it), or one opened after a skipped counter of
 * the sender's (the delete dropped and the entries renumbered), means the relay dropped the delete. A
 * message held for its sender's hello cannot be judged: nothing is said.
 */
export function settleErasures(data: SessionData, item: RelayEntry, events: SessionEvent[]): SessionEvent[] {
	const pending = data.erasures;
	if (!pending?.length) return [];
	const out: SessionEvent[] = [];
	const left = pending.filter((p) => {
		if (p.by > item.seq) return true;
		const held = p.by === item.seq && events.some((e) => e.type === 'warning' && (e.about === 'held' || e.about === 'held-again'));
		const deleted =
			p.by === item.seq &&
			events.some((e) => e.type === 'message' && e.address.sender === p.sender && e.content.t === 'delete' && e.content.to.sender === p.sender && e.content.to.epoch === p.epoch && e.content.to.ctr === p.ctr);
		if (held || deleted) return false;
		// Only a message of the sender's, opened at `by`, that is not the delete is the sender's doing;
		// nothing opened there (a gap, an entry that is not the sender's message) is the relay's (§9.8a).
		// A counter of the sender's skipped just before it (a `gap`) means the delete that held it was
		// dropped and the entries after it renumbered: the relay's doing too (review of issue 9, D).
		const skipped = events.some((e) => e.type === 'warning' && e.about === 'gap' && e.detail?.sender === p.sender);
		const opened = p.by === item.seq && !skipped && events.some((e) => e.type === 'message' && e.address.sender === p.sender);
		if (opened) out.push(warning('gap', 'PROTOCOL_GAP', 'erased-without-delete', item.ts, { sender: p.sender, epoch: p.epoch, from: p.ctr, to: p.ctr }));
		else out.push(warning('gap', 'PROTOCOL_GAP', 'erase-delete-missing', item.ts, { sender: p.sender, epoch: p.epoch, from: p.ctr, to: p.ctr }));
		return false;
	});
	if (left.length) data.erasures = left;
	else delete data.erasures;
	return out;
}
