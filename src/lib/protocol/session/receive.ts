/**
 * Receiving one message envelope (docs/PROTOCOL.md §5.4): header checks, the sender's ratchet,
 * AEAD, franking commitment (before anything is shown, P8), the epoch-signing-key signature
 * (P3), and transcript integrity events (P6): gap, late, replay, fork. Pure: state in, events out.
 */
import { fromB64, toB64 } from '../bytes.ts';
import { isProtocolError, ProtocolError } from '../errors.ts';
import type { Envelope } from '../schema.ts';
import { SenderChain } from '../../crypto/chain.ts';
import { openMessage, verifyHello } from '../../crypto/message.ts';
import type { Identity } from '../../crypto/identity.ts';
import type { RelayEntry, SessionData, SessionEvent, WarningKind } from './types.ts';

export interface ReceiveContext {
	data: SessionData;
	id: Identity;
}

export function warning(kind: WarningKind, code: string, text: string, at: number, detail?: Record<string, unknown>): SessionEvent {
	return detail ? { type: 'warning', kind, code, text, at, detail } : { type: 'warning', kind, code, text, at };
}

const short = (key: string) => key.slice(0, 8);

export function receiveMessage(ctx: ReceiveContext, item: RelayEntry, msg: Envelope): SessionEvent[] {
	const { data } = ctx;
	const log = data.log;
	if (!log) return [];
	if (msg.group !== data.group) {
		return [warning('decrypt-failed', 'PROTOCOL_BAD_FRAME', 'A message addressed to another group was delivered here. It was rejected.', item.ts)];
	}
	if (msg.sender === data.me) {
		return [{ type: 'own', address: { sender: msg.sender, epoch: msg.epoch, ctr: msg.ctr }, seq: item.seq, ts: item.ts }];
	}
	// Sent before I joined: not shared with me, by design (privacy of earlier shares).
	if (msg.epoch < data.joinedEpoch) return [];
	const epochData = data.epochs[String(msg.epoch)];
	if (!epochData) {
		if (msg.epoch > log.epoch) {
			return [warning('decrypt-failed', 'PROTOCOL_STALE_EPOCH', 'A message for a key period this device does not know arrived. It was rejected.', item.ts)];
		}
		// Keys of an old epoch already wiped (P4): the message cannot be read any more.
		return [];
	}
	if (!Object.prototype.hasOwnProperty.call(log.seen, msg.state)) {
		return [
			warning('fork', 'PROTOCOL_FORK', 'Someone sent a message from a version of the group that this device was never shown. The relay may be showing members different histories.', item.ts, {
				state: msg.state
			})
		];
	}
	const member = log.members[msg.sender];
	if (member && member.role === 'listener') {
		return [warning('unverified', 'PROTOCOL_NOT_ALLOWED', 'A message from a listener was rejected: listeners cannot post here.', item.ts)];
	}
	const chainState = epochData.chains[msg.sender];
	if (!chainState) {
		return [warning('unverified', 'PROTOCOL_UNKNOWN_MEMBER', 'A message from someone who is not a member was rejected.', item.ts)];
	}
	const chain = SenderChain.fromJSON(chainState);
	const expected = chain.next;
	const wasMissing = chain.missing.includes(msg.ctr);
	const eskB64 = epochData.esk[msg.sender];
	try {
		const opened = chain.receive(msg.ctr, item.ts, (key) => {
			const result = openMessage(msg, key, eskB64 ? fromB64(eskB64) : null);
			if (result.content.t === 'hello') {
				const box = data.log?.members[msg.sender]?.box;
				if (!box) throw new ProtocolError('PROTOCOL_UNVERIFIED_SENDER', 'hello from a sender who is no longer a member');
				verifyHello(result.content, { group: data.group, epoch: msg.epoch, sender: msg.sender, senderBox: box, me: data.me, myBoxSk: ctx.id.boxSk });
			}
			return result;
		});
		epochData.chains[msg.sender] = chain.toJSON();
		chain.wipe();
		const events: SessionEvent[] = [];
		if (msg.ctr > expected) {
			events.push(
				warning('gap', 'PROTOCOL_GAP', `${missingText(msg.ctr - expected)} from ${short(msg.sender)} did not arrive. The relay may have dropped or delayed them.`, item.ts, {
					sender: msg.sender,
					epoch: msg.epoch,
					from: expected,
					to: msg.ctr - 1
				})
			);
		}
		if (wasMissing) {
			events.push(warning('late', 'PROTOCOL_LATE', 'A delayed message arrived out of order and was put back in its place.', item.ts, { sender: msg.sender, epoch: msg.epoch, ctr: msg.ctr }));
		}
		forgetOlderEpochs(data, msg.sender, msg.epoch);
		const franking = item.stamp
			? { header: opened.header, n: msg.n, seq: item.seq, ts: item.ts, stamp: item.stamp, fk: toB64(opened.frankingKey), body: toB64(opened.contentBytes) }
			: null;
		if (opened.content.t === 'hello') {
			epochData.esk[msg.sender] = opened.content.esk;
			data.profiles[msg.sender] = opened.content.profile.name;
			events.push({ type: 'profile', sender: msg.sender, name: opened.content.profile.name });
			events.push(...releaseHeld(ctx, msg.sender, msg.epoch));
			return events;
		}
		events.push({ type: 'message', address: { sender: msg.sender, epoch: msg.epoch, ctr: msg.ctr }, content: opened.content, seq: item.seq, ts: item.ts, franking, late: wasMissing });
		return events;
	} catch (error) {
		chain.wipe();
		return [failure(ctx, item, msg, error)];
	}
}

function missingText(n: number): string {
	return n === 1 ? 'A message' : `${n} messages`;
}

function failure(ctx: ReceiveContext, item: RelayEntry, msg: Envelope, error: unknown): SessionEvent {
	if (!isProtocolError(error)) throw error;
	const at = item.ts;
	const where = { sender: msg.sender, epoch: msg.epoch, ctr: msg.ctr };
	switch (error.code) {
		case 'PROTOCOL_UNVERIFIED_SENDER': {
			// A hello whose pairwise MAC fails is someone else speaking in the sender's name: drop it.
			if (msg.ctr === 0) return warning('unverified', error.code, `A key announcement in the name of ${short(msg.sender)} failed its check and was ignored.`, at, where);
			const epochData = ctx.data.epochs[String(msg.epoch)]!;
			const first = !epochData.held.some((h) => h.entry && 'msg' in h.entry && h.entry.msg.sender === msg.sender);
			if (epochData.held.length < 2000) epochData.held.push(item);
			return warning('unverified', error.code, first ? `Messages from ${short(msg.sender)} are held: their sender could not be verified yet.` : 'Another message from an unverified sender is held.', at, where);
		}
		case 'PROTOCOL_REPLAY':
			return warning('replay', error.code, 'A message that was already delivered arrived again. The copy was rejected.', at, where);
		case 'PROTOCOL_BAD_COMMITMENT':
			return warning('bad-commitment', error.code, 'A message failed its integrity check and was not shown.', at, where);
		case 'PROTOCOL_BAD_SIGNATURE':
			return warning('unverified', error.code, 'A message whose signature does not match its sender was not shown.', at, where);
		case 'PROTOCOL_TOO_FAR_AHEAD':
			return warning('gap', error.code, 'A message claims to be too far ahead of the others from its sender and was rejected.', at, where);
		default:
			return warning('decrypt-failed', error.code, 'A message could not be decrypted or verified and was not shown.', at, where);
	}
}

/** Once a verified hello arrives, the sender's held messages are processed in relay order. */
function releaseHeld(ctx: ReceiveContext, sender: string, epoch: number): SessionEvent[] {
	const epochData = ctx.data.epochs[String(epoch)];
	if (!epochData) return [];
	const mine = epochData.held.filter((h) => 'msg' in h.entry && h.entry.msg.sender === sender);
	epochData.held = epochData.held.filter((h) => !mine.includes(h));
	const events: SessionEvent[] = [];
	for (const item of mine) if ('msg' in item.entry) events.push(...receiveMessage(ctx, item, item.entry.msg));
	return events;
}

/**
 * §4.3: keys of epoch e are kept until the sender's first message of a later epoch. A message
 * from `sender` in `epoch` lets us wipe that sender's chains of every earlier epoch.
 */
function forgetOlderEpochs(data: SessionData, sender: string, epoch: number): void {
	for (const [e, epochData] of Object.entries(data.epochs)) {
		if (Number(e) < epoch && epochData.chains[sender]) {
			SenderChain.fromJSON(epochData.chains[sender]).wipe();
			delete epochData.chains[sender];
		}
	}
}
