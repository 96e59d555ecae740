/**
 * Member actions and the outbox pump. `act` appends a signed op, rebasing on RELAY_CONFLICT
 * (§3.5), and waits until the relay's copy has been applied; `pump` sends a group's outbox in
 * order while online, one pump per group at a time.
 */
import type { ClientCore } from './core.ts';
import { RelayError } from './connection.ts';
import { catchUp, enqueue, sendItem } from './outbox.ts';
import { ProtocolError } from '../core/errors.ts';
import type { Op } from '../core/schema.ts';
import { buildAsk } from '../protocol/group/build.ts';
import { applyOp } from '../protocol/group/state.ts';
import { buildAction, newMid, type Action } from '../protocol/session/send.ts';
import type { Content } from '../protocol/session/types.ts';
import type { GroupEvents, GroupHandle } from './group.ts';

const MAX_REBASES = 5;
/**
 * An action taken while the group's connection is still on its way (the app just opened, or is
 * reconnecting) waits this long for it before sending, instead of failing at once with
 * CLIENT_OFFLINE: a person who opens the invite screen and creates a link at once gets the link.
 */
const CONNECTING_WAIT_MS = 10_000;
const STALLED_RETRY_MS = 1_000;
/** A wake-up for a waiting item comes this much after its time, so that it does not land a hair early. */
const WAKE_SLACK_MS = 50;

/** What to append: a session action, or an op built here (`ask`, which the session does not know). */
export type ActionBuilder = () => Action | { kind: 'ask' };

function buildOp(g: GroupHandle, action: Action | { kind: 'ask' }, now: number): Op {
	if (action.kind !== 'ask') return buildAction(g.session, action, now);
	const log = g.session.state;
	if (!log || g.session.data.removed || g.session.data.frozen) throw new ProtocolError('PROTOCOL_UNKNOWN_MEMBER', 'you are not a member of this group');
	const op = buildAsk(log, { signPk: g.session.id.signPk, signSk: g.session.id.signSk });
	// Dry run: an ask that the rules refuse (already pending, not a listener) fails here.
	applyOp(log, op, { now, primitives: g.session.primitives });
	return op;
}

/** Appends a member action and waits until it is applied. Returns its relay seq. */
export async function act(core: ClientCore, g: GroupHandle, action: ActionBuilder): Promise<number> {
	if (core.conn.of(g.session.me).state === 'connecting') await core.conn.ready(g.session.me, CONNECTING_WAIT_MS);
	for (let attempt = 0; attempt < MAX_REBASES; attempt++) {
		core.requireUnlocked();
		const a = action();
		if (a.kind === 'rekey' && !g.session.rekeyDue(core.now())) return g.cursor;
		const op = buildOp(g, a, core.now());
		// An epoch op carries a fresh receive key: its secret half is saved before the op leaves (§4.4).
		if ('rk' in op) {
			g.markDirty();
			await g.save();
		}
		try {
			const ok = await core.conn.of(g.session.me).request({ t: 'append', group: g.id, mid: newMid(), entry: { op } });
			await g.waitFor(ok.seq ?? 0);
			core.emit({ type: 'members', group: g.id });
			core.emit({ type: 'groups' });
			return ok.seq ?? 0;
		} catch (error) {
			if (error instanceof RelayError && error.code === 'RELAY_CONFLICT') {
				await catchUp(g);
				continue;
			}
			throw error;
		}
	}
	throw new RelayError('RELAY_CONFLICT', 'the group kept changing; try again');
}

export async function enqueueContent(core: ClientCore, g: GroupHandle, content: Content): Promise<void> {
	const queued = await enqueue(g, content, core.now());
	if (queued.content.t === 'text') core.emit({ type: 'messages', group: g.id });
	void pump(core, g);
}

/** Sends the group's outbox in order while online; one pump per group at a time. */
export function pump(core: ClientCore, g: GroupHandle): Promise<void> {
	const running = core.pumping.get(g.id);
	if (running) return running;
	const run = drain(core, g).then(
		(result) => {
			core.pumping.delete(g.id);
			again(core, g, result);
		},
		(error: unknown) => {
			core.pumping.delete(g.id);
			throw error;
		}
	);
	core.pumping.set(g.id, run);
	return run;
}

/**
 * Sends until the outbox is empty or the connection drops: 'stalled' when a send stalled, or the
 * time (on `core.now`) when the first waiting item may go (slow mode, §13.7; the order is kept).
 */
async function drain(core: ClientCore, g: GroupHandle): Promise<'done' | 'stalled' | number> {
	const conn = core.conn.of(g.session.me);
	const on: GroupEvents = { messages: () => undefined, members: () => undefined, removed: () => undefined, warning: (warning) => core.emit({ type: 'warning', group: g.id, warning }) };
	while (conn.state === 'online' && !core.locked) {
		const item = g.outbox.items.find((o) => o.status === 'sending');
		if (!item) return 'done';
		const result = await sendItem(conn, g, item, core.now, (events) => g.raise(events, on));
		core.emit({ type: 'messages', group: g.id });
		if (result === 'offline') return 'stalled';
		if (typeof result === 'object') return result.later;
	}
	return 'done';
}

function again(core: ClientCore, g: GroupHandle, result: 'done' | 'stalled' | number): void {
	if (core.locked || !g.outbox.items.some((o) => o.status === 'sending') || core.conn.of(g.session.me).state !== 'online') return;
	// Not yet (slow mode): a timer comes back then; lock and stop cancel it (nothing waits on it).
	if (typeof result === 'number') return wakeAt(core, g, result);
	// A transport failure while the socket still looks open (it is closing, or a reply timed
	// out): try again after a pause. Retrying at once would spin without ever letting the
	// close event in. Otherwise something was queued as the last send finished.
	if (result === 'stalled') setTimeout(() => void pump(core, g), STALLED_RETRY_MS);
	else void pump(core, g);
}

/** Pumps the group's outbox again at `at` (on `core.now`), replacing an earlier wake-up. */
function wakeAt(core: ClientCore, g: GroupHandle, at: number): void {
	clearTimeout(core.wakeTimers.get(g.id));
	const timer = setTimeout(
		() => {
			core.wakeTimers.delete(g.id);
			void pump(core, g);
		},
		Math.max(0, at - core.now()) + WAKE_SLACK_MS
	);
	core.wakeTimers.set(g.id, timer);
}
