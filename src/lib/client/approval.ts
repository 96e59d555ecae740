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
import { RelayError } from './connection.ts';
import { ProtocolError } from '../core/errors.ts';
import { buildDecline } from '../protocol/group/build.ts';
import * as may from '../protocol/group/may.ts';
import { applyOp } from '../protocol/group/state.ts';
import { newMid } from '../protocol/session/send.ts';

/** Whether this device's identity in `g` is waiting for a moderator (§13.8). */
export function isWaiting(g: GroupHandle): boolean {
	return may.isPending(g.session.state, g.session.me) && !g.session.data.requestEnded;
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
		core.emit({ type: 'approved', group: g.id });
		void attach(core, g);
	}
}

/**
 * The relay refused a waiting requester's subscription (§13.8): its request was answered while it
 * was away, or the relay lies. Nothing is wiped; the screen says we could not confirm, and the
 * person may forget the group.
 */
export function requestRefused(core: ClientCore, g: GroupHandle, error: RelayError): void {
	if (error.code !== 'RELAY_FORBIDDEN' || !isWaiting(g)) return;
	g.session.data.requestEnded = 'unknown';
	g.markDirty();
	core.scheduleSave(g);
	core.emit({ type: 'groups' });
}

/** The requester withdraws its own request: a `decline` naming itself, signed by its key. */
export async function withdraw(core: ClientCore, g: GroupHandle): Promise<void> {
	if (g.session.data.requestEnded === 'unknown') return forget(core, g);
	if (!isWaiting(g)) throw new ProtocolError('PROTOCOL_UNKNOWN_MEMBER', 'this request is no longer waiting');
	const log = g.session.state!;
	const op = buildDecline(log, { signPk: g.session.id.signPk, signSk: g.session.id.signSk }, g.session.me);
	applyOp(log, op, { now: core.now(), primitives: g.session.primitives });
	try {
		const ok = await core.conn.of(g.session.me).request({ t: 'append', group: g.id, mid: newMid(), entry: { op } });
		await g.waitFor(ok.seq ?? 0);
	} catch (error) {
		// Answered meanwhile (an approve or a decline landed first): the log says which (L2).
		if (error instanceof RelayError && (error.code === 'RELAY_CONFLICT' || error.code === 'RELAY_INVALID_OP')) return;
		throw error;
	}
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
