/**
 * Receiving one message envelope (docs/PROTOCOL.md §5.4): header checks, the sender's ratchet,
 * AEAD, franking commitment (before anything is shown, P8), the epoch-signing-key signature
 * (P3), and transcript integrity events (P6): gap, late, replay, fork. Pure: state in, events out.
 */
import { b64Bytes, fromB64, toB64 } from '../../core/bytes.ts';
import { isProtocolError, ProtocolError } from '../../core/errors.ts';
import type { Envelope } from '../../core/schema.ts';
import * as may from '../group/may.ts';
import { containsLink } from '../../core/links.ts';
import { SenderChain } from '../../crypto/chain.ts';
import { openMessage, verifyHello, verifyMessageSignature, type Decrypted } from '../../crypto/message.ts';
import type { Identity } from '../../crypto/identity.ts';
import { WARNING_CODE, type RelayEntry, type SessionData, type SessionEvent, type WarningAbout, type WarningKind } from './types.ts';

export interface ReceiveContext {
	data: SessionData;
	id: Identity;
	/** This device's clock (ms): key ages and retention are measured by it, never by the relay. */
	now: number;
}

export function warning(kind: WarningKind, code: string, about: WarningAbout, at: number, detail?: Record<string, unknown>): SessionEvent {
	return detail ? { type: 'warning', kind, code, about, at, detail } : { type: 'warning', kind, code, about, at };
}

const has = (record: object, key: string) => Object.prototype.hasOwnProperty.call(record, key);

/** Optional fast path (backlog.ts): a decryption done earlier and a signature verdict vouched by links. */
export interface Prepared {
	opened?: Decrypted;
	/** eskPk (b64) under which `verified` was established. */
	esk?: string;
	verified?: boolean;
}

/**
 * §5.4 header checks that hold at the entry's place in the relay order: the sender's message is
 * in the current epoch, no rekey is pending after a leave, the sender is a current member and
 * not a listener. An honest relay refuses anything else at append, so a failure is the relay's.
 */
function placeCheck(ctx: ReceiveContext, item: RelayEntry, msg: Envelope): SessionEvent | null {
	const log = ctx.data.log!;
	const where = { sender: msg.sender, epoch: msg.epoch, ctr: msg.ctr, seq: item.seq };
	if (log.ended) {
		return warning('tampered-log', 'PROTOCOL_GROUP_ENDED', 'after-end', item.ts, where);
	}
	// Before the epoch: a removal withheld from me moves the others to an epoch I do not have, and
	// the head an admin names is what tells me so (§5.4 `unseen-head`). Only for a message of
	// another epoch, which cannot be opened here: in my own epoch the message is opened first and
	// an unknown `state` is then the sender's own claim (the `fork` check after decryption), so a
	// relay that rewrites `state` only breaks the envelope and cannot blame a member.
	if (msg.epoch !== log.epoch && has(log.members, msg.sender) && log.members[msg.sender]!.role === 'admin' && !has(ctx.data.seen, msg.state)) {
		return warning('fork', 'PROTOCOL_FORK', 'unseen-head', item.ts, { ...where, state: msg.state });
	}
	if (msg.epoch !== log.epoch) {
		return warning('tampered-log', 'PROTOCOL_STALE_EPOCH', 'stale-epoch', item.ts, { ...where, current: log.epoch });
	}
	if (log.needsRekey) {
		return warning('tampered-log', 'PROTOCOL_STALE_EPOCH', 'before-rekey', item.ts, where);
	}
	const member = has(log.members, msg.sender) ? log.members[msg.sender] : undefined;
	if (!member) {
		return warning('tampered-log', 'PROTOCOL_UNKNOWN_MEMBER', 'not-member', item.ts, where);
	}
	// Ended and membership were told apart above with their own warnings; what is left of may.post is the role.
	if (!may.post(log, msg.sender).ok) return warning('unverified', 'PROTOCOL_NOT_ALLOWED', 'listener', item.ts, where);
	// Muted at the entry's relay time (§13.3): the relay should have refused it.
	if (may.mutedUntil(log, msg.sender, item.ts) !== null) return warning('unverified', 'PROTOCOL_NOT_ALLOWED', 'muted', item.ts, where);
	// Slow mode (§13.7): an honest relay refuses such an append, so the warning names the relay.
	if (may.slowWait(log, msg.sender, item.ts, ctx.data.posts?.[msg.sender]) > 0) return warning('tampered-log', 'PROTOCOL_NOT_ALLOWED', 'slow-mode', item.ts, where);
	return null;
}

/** Counts an accepted message entry against its sender's slow mode (§13.7). */
export function notePosted(data: SessionData, sender: string, seq: number, ts: number): void {
	const posts = (data.posts ??= {});
	posts[sender] = may.notePost(has(posts, sender) ? posts[sender] : undefined, seq, ts);
}

/**
 * One message entry in relay order. `held` marks an entry released after its sender's hello
 * verified: its place in the log was checked when it arrived, so the checks are not repeated.
 */
export function receiveMessage(ctx: ReceiveContext, item: RelayEntry, msg: Envelope, held = false, prepared?: Prepared): SessionEvent[] {
	const { data } = ctx;
	const log = data.log;
	if (!log) return [];
	if (msg.group !== data.group) {
		return [warning('decrypt-failed', 'PROTOCOL_BAD_FRAME', 'other-group', item.ts)];
	}
	if (msg.sender === data.me) {
		if (msg.epoch === log.epoch && !log.needsRekey && (!data.ownLast || data.ownLast.epoch < msg.epoch || data.ownLast.ctr < msg.ctr)) data.ownLast = { epoch: msg.epoch, ctr: msg.ctr };
		notePosted(data, msg.sender, item.seq, item.ts);
		return [{ type: 'own', address: { sender: msg.sender, epoch: msg.epoch, ctr: msg.ctr }, seq: item.seq, ts: item.ts }];
	}
	if (!held) {
		const misplaced = placeCheck(ctx, item, msg);
		if (misplaced) return [misplaced];
		notePosted(data, msg.sender, item.seq, item.ts);
	}
	const epochData = data.epochs[String(msg.epoch)];
	// No keys: the epoch's key update did not open here (already warned), or I was not in it.
	if (!epochData || epochData.unreadable) return [];
	const chainState = epochData.chains[msg.sender];
	if (!chainState) {
		return [warning('unverified', 'PROTOCOL_UNKNOWN_MEMBER', 'no-chain', item.ts)];
	}
	const chain = SenderChain.fromJSON(chainState);
	const expected = chain.next;
	const wasMissing = chain.missing.includes(msg.ctr);
	const eskB64 = epochData.esk[msg.sender];
	try {
		const opened = chain.receive(msg.ctr, ctx.now, (key) => {
			if (prepared?.opened && prepared.verified && prepared.esk === eskB64 && prepared.opened.content.t !== 'hello') return prepared.opened;
			const result = prepared?.opened
				? checkSignature(prepared.opened, eskB64)
				: openMessage(msg, key, eskB64 ? fromB64(eskB64) : null);
			if (result.content.t === 'hello') {
				const box = data.log?.members[msg.sender]?.box;
				if (!box) throw new ProtocolError('PROTOCOL_UNVERIFIED_SENDER', 'hello from a sender who is no longer a member');
				verifyHello(result.content, { group: data.group, epoch: msg.epoch, sender: msg.sender, senderBox: box, me: data.me, myBoxSk: ctx.id.boxSk });
			}
			return result;
		});
		epochData.chains[msg.sender] = chain.toJSON();
		chain.wipe();
		// `state` is checked only now that the envelope opened and its signature held: the header is
		// bound into the AEAD, so an unknown op hash is the sender's own claim, never a relay's edit
		// (an edited header fails to open above). The sender saw an op this device was not shown
		// (the relay withheld it or forked the log), or the sender's app wrote a wrong hash: the
		// warning names the sender, and the message is not shown (its counter counts as received).
		if (!has(data.seen, msg.state)) return [warning('fork', 'PROTOCOL_FORK', 'fork', item.ts, { sender: msg.sender, state: msg.state })];
		confirmArrival(data, msg);
		const events: SessionEvent[] = [];
		const lastTs = epochData.lastTs?.[msg.sender] ?? epochData.relayStart ?? 0;
		if (msg.ctr > expected && !expired(ctx, lastTs)) {
			events.push(
				warning('gap', 'PROTOCOL_GAP', 'gap', item.ts, {
					sender: msg.sender,
					epoch: msg.epoch,
					from: expected,
					to: msg.ctr - 1
				})
			);
		}
		if (wasMissing) {
			events.push(warning('late', 'PROTOCOL_LATE', 'late', item.ts, { sender: msg.sender, epoch: msg.epoch, ctr: msg.ctr }));
		}
		(epochData.lastTs ??= {})[msg.sender] = Math.max(lastTs, item.ts);
		// A hello is franked like any message: the display name in it can be reported.
		const franking = item.stamp
			? { header: opened.header, n: msg.n, seq: item.seq, ts: item.ts, stamp: item.stamp, fk: toB64(opened.frankingKey), body: toB64(opened.contentBytes) }
			: null;
		const address = { sender: msg.sender, epoch: msg.epoch, ctr: msg.ctr };
		if (opened.content.t === 'hello') {
			epochData.esk[msg.sender] = opened.content.esk;
			data.profiles[msg.sender] = opened.content.profile.name;
			events.push(...tailCheck(ctx, item, msg.sender, msg.epoch, opened.content.prev));
			events.push({ type: 'profile', sender: msg.sender, name: opened.content.profile.name, address, franking });
			events.push(...releaseHeld(ctx, msg.sender, msg.epoch));
			return events;
		}
		if (!item.stamp) {
			events.push(
				warning('tampered-log', WARNING_CODE.noStamp, 'no-stamp', item.ts, {
					sender: msg.sender,
					epoch: msg.epoch,
					ctr: msg.ctr,
					seq: item.seq
				})
			);
		}
		// Link limit (§13.7), judged at the entry's place: a text is shown behind a notice, an edit is ignored.
		const c = opened.content;
		const linked = (c.t === 'text' && (containsLink(c.text) || (c.cw !== undefined && containsLink(c.cw)))) || (c.t === 'edit' && containsLink(c.text));
		if (linked && !may.link(log, msg.sender).ok) {
			if (c.t === 'edit') return events;
			events.push({ type: 'message', address, content: c, seq: item.seq, ts: item.ts, franking, late: wasMissing, noLinks: true });
			return events;
		}
		events.push({ type: 'message', address: { sender: msg.sender, epoch: msg.epoch, ctr: msg.ctr }, content: opened.content, seq: item.seq, ts: item.ts, franking, late: wasMissing });
		return events;
	} catch (error) {
		chain.wipe();
		return [failure(ctx, item, msg, error)];
	}
}

function checkSignature(opened: Decrypted, eskB64: string | undefined): Decrypted {
	const key = opened.content.t === 'hello' ? b64Bytes(opened.content.esk, 32, 'esk') : eskB64 ? fromB64(eskB64) : null;
	if (!key) throw new ProtocolError('PROTOCOL_UNVERIFIED_SENDER', 'no verified hello from this sender in this epoch');
	verifyMessageSignature(opened.header, opened.sig, key, opened.prev);
	return opened;
}

/**
 * Messages older than the group's retention are deleted by the relay (§9.10): missing counters
 * after a message that is itself past retention are expired, not dropped. Measured by this
 * device's clock against the relay time of the sender's last message received before them.
 */
function expired(ctx: ReceiveContext, before: number): boolean {
	const retention = ctx.data.log?.settings.retention ?? 0;
	return retention > 0 && before < ctx.now - retention * 1000;
}

/**
 * A hello names the sender's last counter of the previous epoch it sent in (§5.4): anything up to
 * it that this device never received was dropped at the end of that epoch (tail truncation).
 */
function tailCheck(ctx: ReceiveContext, item: RelayEntry, sender: string, epoch: number, prev: { epoch: number; ctr: number } | undefined): SessionEvent[] {
	if (!prev || prev.epoch >= epoch) return [];
	const tail = ctx.data.tails?.[String(prev.epoch)];
	if (!tail) return [];
	const next = tail.next[sender] ?? 0;
	if (next > prev.ctr || expired(ctx, tail.ts[sender] ?? 0)) return [];
	return [
		warning('gap', 'PROTOCOL_GAP', 'tail-gap', item.ts, {
			sender,
			epoch: prev.epoch,
			from: next,
			to: prev.ctr
		})
	];
}

function failure(ctx: ReceiveContext, item: RelayEntry, msg: Envelope, error: unknown): SessionEvent {
	if (!isProtocolError(error)) throw error;
	const at = item.ts;
	const where = { sender: msg.sender, epoch: msg.epoch, ctr: msg.ctr };
	switch (error.code) {
		case 'PROTOCOL_UNVERIFIED_SENDER': {
			// A hello whose pairwise MAC fails is someone else speaking in the sender's name: drop it.
			if (msg.ctr === 0) return warning('unverified', error.code, 'forged-hello', at, where);
			const epochData = ctx.data.epochs[String(msg.epoch)]!;
			const first = !epochData.held.some((h) => h.entry && 'msg' in h.entry && h.entry.msg.sender === msg.sender);
			if (epochData.held.length < 2000) epochData.held.push(item);
			return warning('unverified', error.code, first ? 'held' : 'held-again', at, where);
		}
		case 'PROTOCOL_REPLAY':
			return warning('replay', error.code, 'replay', at, where);
		case 'PROTOCOL_BAD_COMMITMENT':
			return warning('bad-commitment', error.code, 'bad-commitment', at, where);
		case 'PROTOCOL_BAD_SIGNATURE':
			return warning('unverified', error.code, 'bad-signature', at, where);
		case 'PROTOCOL_TOO_FAR_AHEAD':
			return warning('gap', error.code, 'too-far-ahead', at, where);
		default:
			return warning('decrypt-failed', error.code, 'undecryptable', at, where);
	}
}

/** Once a verified hello arrives, the sender's held messages are processed in relay order. */
function releaseHeld(ctx: ReceiveContext, sender: string, epoch: number): SessionEvent[] {
	const epochData = ctx.data.epochs[String(epoch)];
	if (!epochData) return [];
	const mine = epochData.held.filter((h) => 'msg' in h.entry && h.entry.msg.sender === sender);
	epochData.held = epochData.held.filter((h) => !mine.includes(h));
	const events: SessionEvent[] = [];
	for (const item of mine) if ('msg' in item.entry) events.push(...receiveMessage(ctx, item, item.entry.msg, true));
	return events;
}

/**
 * A verified message from the invite's author that names a head at or after my join shows that
 * the person who invited me sees the same log as I do, my join included (§7). Only that person:
 * on a fork the relay keeps me on, "a current admin" may be one the others already removed.
 */
function confirmArrival(data: ReceiveContext['data'], msg: Envelope): void {
	const pending = data.unconfirmed;
	const log = data.log;
	if (!pending || !log || !has(data.seen, msg.state) || data.seen[msg.state]! < pending.at) return;
	if (msg.sender === pending.by) delete data.unconfirmed;
}
