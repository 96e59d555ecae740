/**
 * The backlog path (docs/PROTOCOL.md §5.2 "Links", §5.4): a batch of stored entries verified with
 * one Ed25519 signature per sender run instead of one per message. A first pass decrypts each
 * message on a scratch copy of its sender's chain (a message key depends only on the counter, so
 * the result is valid for the real chain) and runs `verifyLinked` per sender; the real pass then
 * processes every entry through `GroupSession.receive` in relay order, exactly as one by one,
 * except that a message vouched for under the sender's verified epoch signing key skips its own
 * signature check. Anything else (no verified key yet, a broken link, a forged copy that took a
 * counter first in the scratch pass) falls back to per-message verification, so the result is
 * the same as the live path, only faster.
 */
import { fromB64 } from '../../core/bytes.ts';
import type { Envelope } from '../../core/schema.ts';
import { SenderChain } from '../../crypto/chain.ts';
import { verifyLinked } from '../../crypto/history.ts';
import { decryptMessage, type Decrypted } from '../../crypto/message.ts';
import type { Prepared } from './receive.ts';
import type { GroupSession } from './session.ts';
import type { RelayEntry, SessionEvent } from './types.ts';

interface Opened {
	item: RelayEntry;
	opened: Decrypted;
}

/** Processes `items` (in relay order, as `receive` would) with linked verification. */
export function receiveBacklog(session: GroupSession, items: readonly RelayEntry[]): SessionEvent[] {
	const prepared = prepare(session, items);
	return items.flatMap((item) => session.receive(item, { prepared: prepared.get(item) }));
}

function prepare(session: GroupSession, items: readonly RelayEntry[]): Map<RelayEntry, Prepared> {
	const { data } = session;
	const now = session.clock();
	const scratch = new Map<string, SenderChain>();
	const runs = new Map<string, Opened[]>();
	for (const item of items) {
		if (item.seq <= data.cursor || !('msg' in item.entry)) continue;
		const msg: Envelope = item.entry.msg;
		const epochData = data.epochs[String(msg.epoch)];
		const state = epochData?.chains[msg.sender];
		if (!state || msg.sender === data.me) continue;
		const key = `${msg.epoch}:${msg.sender}`;
		let chain = scratch.get(key);
		if (!chain) scratch.set(key, (chain = SenderChain.fromJSON(state)));
		try {
			const opened = chain.receive(msg.ctr, now, (k) => decryptMessage(msg, k));
			let run = runs.get(key);
			if (!run) runs.set(key, (run = []));
			run.push({ item, opened });
		} catch {
			// Left to the real pass, which reports it.
		}
	}
	for (const chain of scratch.values()) chain.wipe();
	const prepared = new Map<RelayEntry, Prepared>();
	for (const run of runs.values()) {
		const first = run[0]!.opened.header;
		const hello = run.find((o) => o.opened.content.t === 'hello')?.opened.content;
		const esk = data.epochs[String(first.epoch)]?.esk[first.sender] ?? (hello?.t === 'hello' ? hello.esk : undefined);
		const texts = run.filter((o) => o.opened.content.t !== 'hello');
		const verdicts = esk ? verifyLinked(texts.map((o) => ({ header: o.opened.header, sig: o.opened.sig, prev: o.opened.prev })), fromB64(esk)) : [];
		for (const o of run) prepared.set(o.item, { opened: o.opened });
		texts.forEach((o, i) => prepared.set(o.item, { opened: o.opened, esk, verified: verdicts[i] === true }));
	}
	return prepared;
}
