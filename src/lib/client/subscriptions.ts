/**
 * Following a group on the relay: subscribe from the group's cursor, apply each entry in relay
 * order (backlog runs with linked verification, live entries one by one with the live checks),
 * react to what it changed (a removal, a leave that calls for a rekey), and forget a
 * group the user left. A removal keeps nothing of the group on the device but a local notice.
 */
import type { ClientCore } from './core.ts';
import type { ClientEvent } from './api.ts';
import { RelayError } from './connection.ts';
import type { GroupEvents, GroupHandle } from './group.ts';
import { act, pump } from './actions.ts';
import { runDue } from './due.ts';
import { runSponsorDue, sponsorStepsMayBeDue } from './sponsor-actions.ts';
import type { RelayEntry } from '../protocol/session/types.ts';
import { jsonPut, keys, prefixDeletes } from './store.ts';
import { del, type KvOp } from '../storage/kv.ts';
import { REMOVED_NOTICE } from '../words/notices.ts';
import { membersBanned } from './service-bans.ts';
import { yieldToPage } from '../core/yield.ts';
import { afterRequestEntries, isWaiting, requestReached, requestRefused } from './approval.ts';

/** Backlog entries are collected into runs of at most this many (one relay page) for verification. */
const BACKLOG_BATCH = 256;
/** A partial backlog run is applied this long after its last entry, so waiters are not held up. */
const BACKLOG_FLUSH_MS = 5;
/**
 * Work done between two breaths of the page while catching up (issue 15): runs are verified,
 * decrypted and applied in slices sized to take about this long, and the page handles input and
 * paints between slices, so a backlog of thousands never freezes it.
 */
const SLICE_MS = 8;
/** Bounds of a slice, in entries. */
const SLICE_MIN = 32;
const SLICE_START = 64;
/**
 * While catching up, the screens are told at most this often (and once at the end): each telling
 * redraws the message list at the newest messages, so telling them after every 8 ms slice spent
 * most of a long catch-up drawing messages that scrolled away at once (issue 15).
 */
const SCREENS_MS = 1_000;

/** What the subscription hands to the group, in relay order. */
type Step = { kind: 'backlog'; items: RelayEntry[] } | { kind: 'live'; item: RelayEntry } | { kind: 'progress'; head: number; live: boolean };

/** `refused`: called when the relay refuses the subscription for good (e.g. not a member). */
export async function attach(core: ClientCore, g: GroupHandle, onRefused?: (error: RelayError) => void): Promise<void> {
	core.groups.set(g.id, g);
	const ended = g.session.data.requestEnded;
	if (g.session.data.removed || (ended && ended !== 'unknown')) return;
	const refused = (error: RelayError) => {
		requestRefused(core, g, error);
		onRefused?.(error);
	};
	if (!core.conn.hasKey(g.session.me)) core.addKey(g);
	// Backlog entries (before the relay's `live` frame) are collected and verified as a run with
	// linked signatures (§5.4 "Backlog"); live entries are applied one by one with the live checks.
	let backlog: RelayEntry[] = [];
	let timer: ReturnType<typeof setTimeout> | null = null;
	// Everything is applied in order through one queue, in time slices (`pump`): a live entry or
	// the relay's `live` frame never overtakes backlog entries still waiting to be verified, so
	// the catch-up bar goes only once every entry before it is verified and applied (P6).
	const queue: Step[] = [];
	let pumping = false;
	let slice = SLICE_START;
	const held = new Map<string, ClientEvent>();
	let told = 0;
	let later: ReturnType<typeof setTimeout> | null = null;
	const release = () => {
		if (later) clearTimeout(later);
		later = null;
		told = performance.now();
		for (const event of held.values()) core.emit(event);
		held.clear();
	};
	/**
	 * After a pump, while the catch-up goes on: the page drains the queue faster than entries
	 * arrive, and a redraw each time it does would again be one per few milliseconds. The screens
	 * are told when a second has passed since the last time (by a timer if nothing else comes).
	 */
	const releaseSoon = () => {
		if (held.size === 0 || later) return;
		if (g.sync === null || performance.now() - told >= SCREENS_MS) return release();
		later = setTimeout(
			() => {
				later = null;
				if (!pumping) release();
			},
			SCREENS_MS - (performance.now() - told)
		);
	};
	/** Whether the relay is still sending backlog (its progress frames); `g.sync` follows in queue order. */
	let catchingUp = g.sync !== null;
	const pump = async () => {
		if (pumping) return;
		pumping = true;
		try {
			let since = performance.now();
			while (queue.length > 0) {
				const step = queue[0]!;
				if (step.kind === 'backlog') {
					const part = step.items.splice(0, slice);
					if (step.items.length === 0) queue.shift();
					const started = performance.now();
					applyEntries(core, g, part, false, held);
					// Sized so that a slice takes about SLICE_MS on this device, now.
					const perEntry = (performance.now() - started) / part.length;
					slice = Math.max(SLICE_MIN, Math.min(BACKLOG_BATCH, Math.floor(SLICE_MS / Math.max(perEntry, 0.01))));
				} else if (step.kind === 'live') {
					queue.shift();
					release();
					applyEntries(core, g, [step.item], true);
				} else {
					queue.shift();
					release();
					progress(step.head, step.live);
				}
				if (queue.length > 0 && performance.now() - since >= SLICE_MS) {
					if (performance.now() - told >= SCREENS_MS) release();
					await yieldToPage();
					since = performance.now();
				}
			}
		} finally {
			pumping = false;
			releaseSoon();
		}
	};
	const enqueue = (step: Step) => {
		queue.push(step);
		void pump();
	};
	const flush = () => {
		if (timer) clearTimeout(timer);
		timer = null;
		const items = backlog;
		backlog = [];
		if (items.length) enqueue({ kind: 'backlog', items });
	};
	const progress = (head: number, live: boolean) => {
		if (core.locked || core.groups.get(g.id) !== g) return;
		// Entries up to `live.seq` were all sent or are gone (retention, an erased message,
		// §9.8a): the cursor moves past them, so the next live entry raises no false gap.
		if (live) g.caughtUp(head);
		if (live) requestReached(core, g);
		g.sync = live ? null : { start: g.cursor, head };
		core.emit({ type: 'groups' });
		if (live) void runDue(core, g);
	};
	await core.conn
		.of(g.session.me)
		.subscribe({
			group: g.id,
			as: g.session.me,
			cursor: g.cursor,
			onEntry: (frame) => {
				const item: RelayEntry = frame.stamp ? { seq: frame.seq, ts: frame.ts, entry: frame.entry, stamp: frame.stamp } : { seq: frame.seq, ts: frame.ts, entry: frame.entry };
				if (!catchingUp) {
					flush();
					enqueue({ kind: 'live', item });
					return;
				}
				backlog.push(item);
				if (backlog.length >= BACKLOG_BATCH) flush();
				else if (!timer) timer = setTimeout(flush, BACKLOG_FLUSH_MS);
			},
			onProgress: ({ head, live }) => {
				flush();
				// Known at once (the next entry is live or backlog by it); applied in order.
				catchingUp = !live;
				enqueue({ kind: 'progress', head, live });
			},
			onRefused: (error) => refused?.(error),
			onBanned: (banned) => membersBanned(core, g, banned)
		})
		.catch((error: unknown) => {
			if (error instanceof RelayError && !error.transient) refused?.(error);
		});
}

/**
 * Applies entries and tells the screens. `held`: notices that only say "look again" (messages,
 * members, the group list) are collected there instead, and sent once per slice of a catch-up,
 * so the screens redraw once per slice rather than once per run.
 */
function applyEntries(core: ClientCore, g: GroupHandle, items: RelayEntry[], live: boolean, held?: Map<string, ClientEvent>): void {
	const notify = (event: ClientEvent) => {
		if (held && (event.type === 'messages' || event.type === 'members' || event.type === 'groups')) held.set(`${event.type}:${'group' in event ? event.group : ''}`, event);
		else core.emit(event);
	};
	// After lock() the keys are gone: an entry still in flight is left for the next unlock.
	if (core.locked || core.groups.get(g.id) !== g) return;
	const wasRemoved = g.session.data.removed;
	const wasWaiting = isWaiting(g);
	const on: GroupEvents = {
		messages: () => {
			notify({ type: 'messages', group: g.id });
			// My reports from a pair that met here show their status in the pair (§13.6, §6.3).
			for (const pair of new Set(Object.values(g.cases.data.mine).flatMap((m) => (m.pair && !m.dismissed ? [m.pair] : [])))) notify({ type: 'members', group: pair });
		},
		members: () => notify({ type: 'members', group: g.id }),
		warning: (warning) => core.emit({ type: 'warning', group: g.id, warning }),
		removed: () => core.emit({ type: 'removed', group: g.id })
	};
	if (live) g.apply(items[0]!, on, true);
	else g.applyBacklog(items, on);
	core.scheduleSave(g);
	notify({ type: 'groups' });
	if (!wasRemoved && g.session.data.removed) {
		core.conn.removeKey(g.session.me);
		void purgeRemoved(core, g).catch(() => undefined);
		return;
	}
	afterRequestEntries(core, g, wasWaiting);
	if (!live) return;
	if (sponsorStepsMayBeDue(g)) void runSponsorDue(core);
	const last = items[items.length - 1]!;
	// An op may end a slow-mode wait (slow mode off, or I became a moderator, §13.7): look again now.
	if ('op' in last.entry && g.outbox.items.some((o) => o.status === 'sending')) void pump(core, g);
	// After a leave, one member (the smallest key, so members do not race) rekeys at once (P5).
	if ('op' in last.entry && last.entry.op.kind === 'leave' && g.session.rekeyDue(core.now())) {
		const log = g.session.state!;
		if (Object.keys(log.members).sort()[0] === g.session.me) void act(core, g, () => ({ kind: 'rekey' })).catch(() => undefined);
	}
	void runDue(core, g);
}

/**
 * I was removed: nothing of the group stays on the device but a local notice (and the session
 * record, without keys, so the group shows as ended). Messages, their franking records,
 * warnings, the outbox, invite links and verifications all go: a later re-join starts clean.
 */
async function purgeRemoved(core: ClientCore, g: GroupHandle): Promise<void> {
	const me = g.session.data.me;
	const mine = g.session.data.profiles[me];
	g.session.data.profiles = mine === undefined ? {} : { [me]: mine };
	g.transcript.history.clear();
	g.transcript.history.addSystem(g.cursor, g.session.data.lastActivity || core.now(), REMOVED_NOTICE);
	g.transcript.dropWarnings();
	g.outbox.reset();
	g.invites.reset();
	g.verifications.reset();
	g.blocks.reset();
	g.franking.reset();
	g.markDirty();
	core.cancelSave(g);
	const gone: KvOp[] = [del(keys.warnings(g.id)), del(keys.verified(g.id)), del(keys.blocked(g.id)), del(keys.profileIds(g.id))];
	for (const prefix of [keys.frankingAll(g.id), keys.outboxAll(g.id), keys.invites(g.id)]) gone.push(...(await prefixDeletes(core.store, prefix)));
	// One batch: the ended session, the notice and the deletions land together.
	await g.save(gone);
	core.emit({ type: 'messages', group: g.id });
}

/** Leaves the device's copy of a group: unsubscribes, drops its key and deletes every record. */
export async function forget(core: ClientCore, g: GroupHandle): Promise<void> {
	core.cancelSave(g);
	await core.conn.of(g.session.me).unsubscribe(g.id);
	core.conn.removeKey(g.session.me);
	core.groups.delete(g.id);
	core.device!.forget(g.id);
	// Let a running save land first, then forget the device's link and every record at once.
	await g.save();
	await core.store.batch([jsonPut(keys.device, core.device!.toJSON()), ...(await prefixDeletes(core.store, keys.group(g.id)))]);
	core.emit({ type: 'groups' });
}
