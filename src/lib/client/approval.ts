/**
 * Approval of new members on this device (docs/PROTOCOL.md §13.8): asking to join a group that
 * makes newcomers wait, waiting on the group's ops, and the moderators' answers. A request ends
 * on this device only from a verified op (a decline, a withdrawal, its link revoked, read from
 * the log) or when the person chooses to forget it; an approve makes it a member, subscribed
 * again as one.
 */
import type { ClientCore } from './core.ts';
import type { JoinRequestView } from './api.ts';
import type { GroupHandle } from './group.ts';
import { act } from './actions.ts';
import { attach, forget } from './subscriptions.ts';
import { catchUp } from './outbox.ts';
import { DEFAULT_BACKOFF, RelayError, backoffDelay } from './connection.ts';
import { ProtocolError } from '../core/errors.ts';
import { buildDecline } from '../protocol/group/build.ts';
import * as may from '../protocol/group/may.ts';
import { applyOp } from '../protocol/group/state.ts';
import { newMid } from '../protocol/session/send.ts';

/** Whether this device's identity in `g` is waiting for a moderator (§13.8). */
export function isWaiting(g: GroupHandle): boolean {
	const ended = g.session.data.requestEnded;
	return may.isPending(g.session.state, g.session.me) && (!ended || ended === 'unknown');
}

/**
 * After entries were applied: let in (subscribe again as a member: the relay ends a pending
 * feed at its approve, §9.5) or refused (keep nothing, the group leaves the list).
 */
export function afterRequestEntries(core: ClientCore, g: GroupHandle, wasWaiting: boolean): void {
	if (!wasWaiting) return;
	const data = g.session.data;
	if (data.requestEnded && data.requestEnded !== 'unknown') {
		const how = data.requestEnded;
		void forget(core, g).then(() => core.emit({ type: 'request-ended', group: g.id, how }));
		return;
	}
	if (g.session.state && Object.hasOwn(g.session.state.members, data.me)) {
		// Withdrawing: subscribed as a member only to leave (runDue posts nothing meanwhile).
		if (!data.withdrawing) core.emit({ type: 'approved', group: g.id });
		requestReached(core, g);
		void attach(core, g);
	}
}

/** Subscription retries of a waiting requester the relay refused, per group (for the backoff). */
const refusals = new WeakMap<GroupHandle, number>();

/**
 * The relay refused a waiting requester's subscription (§13.8, review R2-1): its request was
 * answered in a way it cannot fetch, or the relay lies or fails. Never final: nothing is wiped,
 * the screen says we could not reach the group and are still trying, and the subscription is
 * tried again with the usual backoff until a verified answer arrives or the person forgets the
 * group. `unknown` is cleared once a subscription is accepted again.
 */
export function requestRefused(core: ClientCore, g: GroupHandle, error: RelayError): void {
	if (error.code !== 'RELAY_FORBIDDEN' || !isWaiting(g)) return;
	if (g.session.data.requestEnded !== 'unknown') {
		g.session.data.requestEnded = 'unknown';
		g.markDirty();
		core.scheduleSave(g);
		core.emit({ type: 'groups' });
	}
	const attempt = refusals.get(g) ?? 0;
	refusals.set(g, attempt + 1);
	setTimeout(() => {
		if (core.groups.get(g.id) === g && g.session.data.requestEnded === 'unknown') void attach(core, g);
	}, backoffDelay(attempt, DEFAULT_BACKOFF));
}

/** A subscription was accepted again: the request is plainly waiting (or answered) again. */
export function requestReached(core: ClientCore, g: GroupHandle): void {
	refusals.delete(g);
	if (g.session.data.requestEnded !== 'unknown') return;
	delete g.session.data.requestEnded;
	g.markDirty();
	core.scheduleSave(g);
	core.emit({ type: 'groups' });
}

/** Attempts at a withdrawal before giving up with an error the screen shows. */
const MAX_WITHDRAW_ATTEMPTS = 5;
/** Leaves still running after a withdrawal that lost the race to an approve, per group. */
const leaving = new WeakMap<GroupHandle, Promise<void>>();

/**
 * The requester withdraws its own request: a `decline` naming itself, signed by its key (§13.8).
 * Another op landing first (CONFLICT, or INVALID_OP when it answered the request) is not taken
 * as an answer: the device catches up and decides from the verified log. Still waiting: the
 * decline is built again on the new head. Declined or dropped meanwhile: done. Approved
 * meanwhile: the person asked to go, so the device leaves with a `leave` op, posting nothing
 * before it (`withdrawing` holds the hello back), and keeps nothing.
 */
export async function withdraw(core: ClientCore, g: GroupHandle): Promise<void> {
	const data = g.session.data;
	if (data.requestEnded === 'unknown') return forget(core, g);
	if (!isWaiting(g) && !data.withdrawing) throw new ProtocolError('PROTOCOL_UNKNOWN_MEMBER', 'this request is no longer waiting');
	if (!data.withdrawing) {
		data.withdrawing = true;
		g.markDirty();
		await g.save();
	}
	let lastError: unknown = null;
	for (let attempt = 0; attempt < MAX_WITHDRAW_ATTEMPTS; attempt++) {
		core.requireUnlocked();
		if (data.requestEnded) return;
		if (g.session.state && Object.hasOwn(g.session.state.members, data.me)) return leaveAfterWithdrawal(core, g);
		const log = g.session.state!;
		try {
			const op = buildDecline(log, { signPk: g.session.id.signPk, signSk: g.session.id.signSk }, g.session.me);
			// My own log may be between two states here (an approve or decline being applied):
			// a refusal by it is read like the relay's, after catching up (R2-2).
			applyOp(log, op, { now: core.now(), primitives: g.session.primitives });
			const ok = await core.conn.of(g.session.me).request({ t: 'append', group: g.id, mid: newMid(), entry: { op } });
			await g.waitFor(ok.seq ?? 0);
			return;
		} catch (error) {
			const refused = error instanceof ProtocolError || (error instanceof RelayError && (error.code === 'RELAY_CONFLICT' || error.code === 'RELAY_INVALID_OP'));
			if (!refused) throw error;
			// Something landed first (R2-2): read it, then decide again from the verified log.
			lastError = error;
			await catchUp(g);
		}
	}
	throw lastError instanceof RelayError || lastError instanceof ProtocolError ? lastError : new RelayError('RELAY_CONFLICT', 'the group kept changing; try again');
}

/**
 * An approve landed before the person's withdrawal: they are a member who asked to go. Leaves
 * once (a second caller waits for the same leave) and keeps nothing of the group.
 */
export function leaveAfterWithdrawal(core: ClientCore, g: GroupHandle): Promise<void> {
	const running = leaving.get(g);
	if (running) return running;
	const run = (async () => {
		if (!g.session.data.removed) await act(core, g, () => ({ kind: 'leave' }));
		await forget(core, g);
		core.emit({ type: 'request-ended', group: g.id, how: 'withdrawn' });
	})();
	leaving.set(g, run);
	void run.catch(() => leaving.delete(g));
	return run;
}

/** A moderator lets `target` in (§13.8): a new epoch sealed to every member and to it. */
export async function approve(core: ClientCore, g: GroupHandle, target: string): Promise<void> {
	await act(core, g, () => ({ kind: 'approve', target }));
}

/** A moderator declines `target`'s request (§13.8). */
export async function decline(core: ClientCore, g: GroupHandle, target: string): Promise<void> {
	await act(core, g, () => ({ kind: 'decline', target }));
}

/** The waiting requests as a moderator sees them, oldest first; empty for everyone else. */
export function joinRequests(g: GroupHandle): JoinRequestView[] {
	const data = g.session.data;
	const log = data.log;
	if (!log?.pending || data.removed || !may.moderate(log, data.me).ok) return [];
	return Object.entries(log.pending)
		.map(([sign, p]) => {
			const note = data.requestNotes?.[sign] ?? null;
			const link = log.invites[p.invite];
			return {
				sign,
				name: note?.name ?? null,
				note: note?.note ?? null,
				role: p.role,
				at: p.at,
				linkBy: link ? (data.profiles[link.author] ?? null) : null,
				linkMine: link?.author === data.me
			};
		})
		.sort((a, b) => a.at - b.at);
}
