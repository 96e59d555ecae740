/**
 * Sending an outbox item: ask the session for the next step (a rekey op, this epoch's hello,
 * then the message), persist it, append it, and move on only when the relay acknowledged it.
 * A prepared step is resent with the same `mid` after a reconnect, so the relay stores it once
 * (§9.4). RELAY_CONFLICT and RELAY_STALE_EPOCH mean the log moved: catch up, then rebuild.
 */
import { RelayError, type Connection, type OkFrame } from './connection.ts';
import type { GroupHandle, OutboxItem } from './group.ts';
import { assertCanPost, helloAcked, nextStep } from '../protocol/session/send.ts';
import { notePosted } from '../protocol/session/receive.ts';
import { headerOf } from '../crypto/message.ts';
import { messageId, type MessageContent } from './history.ts';
import { isProtocolError } from '../core/errors.ts';
import { toB64 } from '../core/bytes.ts';
import type { Content } from '../protocol/session/types.ts';
import { encodeContent } from '../core/content.ts';
import { sodium } from '../crypto/sodium.ts';
import { signErase } from '../crypto/erase.ts';
import * as may from '../protocol/group/may.ts';
import { warning } from '../protocol/session/receive.ts';
import { WARNING_CODE, type SessionEvent } from '../protocol/session/types.ts';

export type { OutboxItem };

/** `later`: not yet (slow mode, §13.7); send again at that time (on the `now` clock). */
export type SendResult = 'sent' | 'failed' | 'offline' | { later: number };

const MAX_REBUILDS = 6;
const RATE_LIMIT_PAUSE_MS = 1_000;
/** Slow mode (§13.7): a relay's `retry` is believed up to the window plus this much. */
export const SLOW_RETRY_MARGIN_MS = 2_000;

/**
 * Checks and queues a content for sending (persisted first, so it survives a reload). A text
 * also appears at once in the transcript as `sending`, written in the same batch as the outbox
 * item. Throws before keeping anything when the content is invalid (PROTOCOL_BAD_FRAME) or this
 * member may not post.
 */
export async function enqueue(g: Pick<GroupHandle, 'id' | 'session' | 'outbox' | 'transcript' | 'save'>, content: Content, now: number): Promise<OutboxItem> {
	encodeContent(content);
	const data = g.session.data;
	assertCanPost(g.session, now);
	const n = g.outbox.nextN();
	const item: OutboxItem = { id: `local:${toB64(sodium().randombytes_buf(9))}`, n, content, createdAt: now, status: 'sending' };
	g.outbox.add(item);
	if (content.t === 'text') {
		const reply = content.reply ? messageId(content.reply) : null;
		const target = reply ? g.transcript.history.get(reply) : undefined;
		g.transcript.history.addLocal({
			id: item.id,
			group: g.id,
			sender: data.me,
			senderName: data.profiles[data.me] ?? null,
			self: true,
			kind: 'text',
			text: content.text,
			...(content.cw ? { cw: content.cw } : {}),
			...(reply ? { replyTo: { id: reply, senderName: target?.senderName ?? null, text: target && !target.deleted && !target.hidden ? target.text.slice(0, 200) : '' } } : {}),
			reactions: {},
			edited: false,
			deleted: false,
			hidden: false,
			ts: now,
			status: 'sending'
		});
	}
	await g.save();
	return item;
}

/** Waits a little for entries the relay has and we have not seen yet. */
export async function catchUp(g: Pick<GroupHandle, 'cursor' | 'waitFor'>): Promise<void> {
	await g.waitFor(g.cursor + 1, 1_500);
}

/**
 * Slow mode (§13.7): how long my next envelope should wait, by this device's clock (the relay's
 * refusal corrects a wrong clock). A new text waits a whole window after my last post, as the
 * composer says; the rule's grace is only for what goes with it (its hello) or quick reactions.
 */
function slowWait(g: GroupHandle, now: number, text: boolean): number {
	const data = g.session.data;
	const posts = data.posts?.[data.me];
	const wait = may.slowWait(data.log, data.me, now, posts);
	const until = text ? may.slowUntil(data.log, data.me, posts) : null;
	return Math.max(wait, until === null ? 0 : until - now);
}

/**
 * How long a relay's slow-mode refusal still holds the item (§13.7). Believed only while my log
 * says slow mode applies to me, and never beyond the window (plus a margin for rounding); when it
 * no longer applies (turned off, or I became a moderator) only the usual short pause is left.
 */
function refusedWait(g: GroupHandle, item: OutboxItem, now: number): number {
	if (item.notBefore === undefined) return 0;
	const seconds = may.slowSeconds(g.session.data.log, g.session.data.me);
	return Math.min(item.notBefore - now, seconds > 0 ? seconds * 1000 + SLOW_RETRY_MARGIN_MS : RATE_LIMIT_PAUSE_MS);
}

/**
 * Sends one item, or says when to come back (`later`, a time on `now`'s clock): nothing here
 * sleeps through a slow-mode window, so lock and stop never wait for one (P10). `warn` hears
 * warnings raised while sending (a relay refusing with a slow mode my log does not have).
 */
export async function sendItem(conn: Connection, g: GroupHandle, item: OutboxItem, now: () => number, warn: (events: SessionEvent[]) => void = () => undefined): Promise<SendResult> {
	for (let rebuild = 0; rebuild < MAX_REBUILDS; rebuild++) {
		// Slow mode (§13.7): a message waits its turn, in order, in the outbox (not here).
		if (item.step?.kind !== 'op') {
			const t = now();
			const begun = item.begun === true || Boolean(item.step);
			const wait = Math.max(slowWait(g, t, !begun && item.content.t === 'text'), refusedWait(g, item, t));
			if (wait > 0) return { later: t + wait };
			if (!item.begun || item.notBefore !== undefined) {
				item.begun = true;
				delete item.notBefore;
				g.outbox.touch(item);
			}
		}
		let step = item.step;
		if (step) {
			// A step kept from a refused attempt was built when posting was allowed: check again now
			// (the group may have frozen or ended, or I may have been removed or made a listener since).
			try {
				assertCanPost(g.session, now());
			} catch (error) {
				return fail(g, item, error);
			}
		} else {
			try {
				step = nextStep(g.session, item.content, now());
			} catch (error) {
				return fail(g, item, error);
			}
			item.step = step;
			// The chain moved: persist the session with the step built from it, in one batch,
			// before anything leaves the device.
			g.markDirty();
			g.outbox.touch(item);
			await g.save();
		}
		try {
			const entry = step.kind === 'op' ? { op: step.op } : { msg: step.envelope };
			const ok = await conn.request({ t: 'append', group: g.id, mid: step.mid, entry });
			if (step.kind === 'op') {
				await g.waitFor(ok.seq ?? 0);
				item.step = undefined;
				g.outbox.touch(item);
				await g.save();
				continue;
			}
			if (step.kind === 'hello') {
				helloAcked(g.session, step.envelope.epoch);
				if (ok.seq !== undefined && ok.ts !== undefined) notePosted(g.session.data, g.session.data.me, ok.seq, ok.ts);
				item.step = undefined;
				g.markDirty();
				g.outbox.touch(item);
				await g.save();
				continue;
			}
			// Deleting my own message: the relay erases its stored bytes too (§9.8a). Best effort:
			// the deletion stands for every member whether or not the relay complies.
			// The request names this delete (`by`) and is signed, so the tombstone tells members who
			// sync later that the sender erased it (no false gap), and a relay cannot fake one.
			const target = item.content.t === 'delete' ? item.content.to : undefined;
			const erase = target && target.ctr > 0 ? g.transcript.history.get(messageId(target))?.seq : undefined;
			await settle(g, item, step, ok, now);
			if (target && erase && ok.seq !== undefined && ok.seq > erase) {
				const sig = signErase(g.session.id.signSk, { group: g.id, seq: erase, epoch: target.epoch, ctr: target.ctr, by: ok.seq });
				await conn.request({ t: 'erase', group: g.id, seq: erase, by: ok.seq, sig }).catch(() => undefined);
			}
			return 'sent';
		} catch (error) {
			// Over the relay's rate limit: nothing was stored; send the same step again after a pause.
			if (error instanceof RelayError && error.code === 'RELAY_RATE_LIMITED') {
				item.notBefore = now() + RATE_LIMIT_PAUSE_MS;
				return { later: item.notBefore };
			}
			// Slow mode (§13.7), by the relay's clock: nothing was stored; the same step goes again when told.
			if (error instanceof RelayError && error.code === 'RELAY_SLOW_MODE') return slowRefused(g, item, error, now, warn);
			if (error instanceof RelayError && error.transient) return 'offline';
			if (error instanceof RelayError && (error.code === 'RELAY_CONFLICT' || error.code === 'RELAY_STALE_EPOCH')) {
				item.step = undefined;
				g.outbox.touch(item);
				await g.save();
				await catchUp(g);
				continue;
			}
			return fail(g, item, error);
		}
	}
	return fail(g, item, new Error('the group kept changing while sending'));
}

/**
 * The relay refused an append with RELAY_SLOW_MODE (§13.7). Honoured only when my log (caught up
 * first: the settings may have just changed) says slow mode applies to me, for at most the
 * window; otherwise the relay is misbehaving: named once for this item, and the item is tried
 * again after the usual pause, so a relay cannot stall a moderator, or a group without slow
 * mode, with a made-up wait.
 */
async function slowRefused(g: GroupHandle, item: OutboxItem, error: RelayError, now: () => number, warn: (events: SessionEvent[]) => void): Promise<SendResult> {
	if (may.slowSeconds(g.session.data.log, g.session.data.me) === 0) await catchUp(g);
	const seconds = may.slowSeconds(g.session.data.log, g.session.data.me);
	const t = now();
	if (seconds > 0) item.notBefore = t + Math.min(Math.max(error.retry ?? RATE_LIMIT_PAUSE_MS, 100), seconds * 1000 + SLOW_RETRY_MARGIN_MS);
	else {
		item.notBefore = t + RATE_LIMIT_PAUSE_MS;
		if (!item.badRefusal) {
			item.badRefusal = true;
			warn([warning('tampered-log', WARNING_CODE.badRefusal, 'bad-slow-refusal', t, { retry: error.retry ?? null })]);
		}
	}
	g.outbox.touch(item);
	await g.save();
	return { later: item.notBefore };
}

type MsgStep = Extract<NonNullable<OutboxItem['step']>, { kind: 'msg' }>;

/**
 * The relay stored a message: the transcript shows it as sent, its franking material is kept and
 * it leaves the outbox, all in one batch (with whatever else changed since the last save).
 */
async function settle(g: GroupHandle, item: OutboxItem, step: MsgStep, ok: OkFrame, now: () => number): Promise<void> {
	const seq = ok.seq ?? 0;
	const ts = ok.ts ?? now();
	if (ok.seq !== undefined && ok.ts !== undefined) notePosted(g.session.data, g.session.data.me, ok.seq, ok.ts);
	if (item.content.t === 'text') g.transcript.history.settle(item.id, step.address, seq, ts);
	else g.transcript.history.apply({ address: step.address, content: item.content as MessageContent, seq, ts, self: true }, null);
	if (ok.stamp) {
		g.franking.keep(messageId(step.address), {
			header: headerOf(step.envelope),
			n: step.envelope.n,
			seq,
			ts,
			stamp: ok.stamp,
			fk: step.fk,
			body: step.body
		});
	}
	g.outbox.drop(item);
	await g.save();
}

/**
 * The relay refused for good (or the step could not be built). The built step is kept: a retry
 * sends the same envelope, under the same counter, so that a counter used up by a refused
 * attempt is not lost for good (P6). Retried before anything else is sent, receivers see nothing
 * amiss; retried after later messages, it fills the gap they reported and shows as late. A retry
 * the relay finds stale is rebuilt as usual.
 */
async function fail(g: GroupHandle, item: OutboxItem, error: unknown): Promise<SendResult> {
	item.status = 'failed';
	item.error = error instanceof RelayError || isProtocolError(error) ? error.code : 'CLIENT_ERROR';
	g.outbox.touch(item);
	if (item.content.t === 'text') g.transcript.history.setStatus(item.id, 'failed');
	await g.save();
	return 'failed';
}
