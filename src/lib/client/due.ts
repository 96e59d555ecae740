/**
 * Steps the session asks for on its own, outside any outbox item (docs/PROTOCOL.md §4.2, §4.4, §5.1):
 * my fresh receive key after an epoch sealed to my last one (`key` op), my hello when a member new to this epoch should learn my name now (`hello-due`), and the
 * healing rekey when my copy of the current epoch's key update did not open (`rekey-due`).
 * Both states are kept in the session (`helloDue`, `recover`), so they survive a reload; they
 * are acted on only while live and online, once the session is at the relay's head, because a
 * step built against an older state would be refused as stale.
 */
import type { ClientCore } from './core.ts';
import type { GroupHandle } from './group.ts';
import { helloAcked, helloStep, keyFailed, keyStalled, keyStep, recoveryStep, restoreStep } from '../protocol/session/send.ts';
import { RelayError } from './connection.ts';
import { leaveAfterWithdrawal } from './approval.ts';
import { keyDue } from '../protocol/group/may.ts';
import type { SendStep } from '../protocol/session/types.ts';

/** Sends whatever the session has due for `g`, one run per group at a time. */
export function runDue(core: ClientCore, g: GroupHandle): Promise<void> {
	const data = g.session.data;
	// The person asked to withdraw (§13.8): nothing goes out in their name; if they were let in
	// meanwhile, this device leaves instead (also after a reload mid-withdrawal).
	if (data.withdrawing) {
		if (!core.locked && !g.sync && !data.removed && data.log && Object.hasOwn(data.log.members, data.me)) return leaveAfterWithdrawal(core, g).catch(() => undefined);
		return Promise.resolve();
	}
	if (core.locked || g.sync || data.removed || data.frozen || (!data.helloDue && data.recover === undefined && !data.restored && !keyDue(data.log, data.me))) return Promise.resolve();
	const previous = core.dueRuns.get(g.id) ?? Promise.resolve();
	const run = previous.then(() => sendDue(core, g)).catch(() => undefined);
	core.dueRuns.set(g.id, run);
	void run.then(() => {
		if (core.dueRuns.get(g.id) === run) core.dueRuns.delete(g.id);
	});
	return run;
}

async function sendDue(core: ClientCore, g: GroupHandle): Promise<void> {
	if (core.locked || g.sync || core.conn.of(g.session.me).state !== 'online' || core.groups.get(g.id) !== g) return;
	const data = g.session.data;
	if (data.removed || data.frozen) return;
	const now = core.now();
	// My key op was tried several times (or for a while) and never landed: say so, once (§4.4).
	const stalled = keyStalled(g.session);
	if (stalled.length) g.raise(stalled, { messages: () => undefined, members: () => undefined, removed: () => undefined, warning: (warning) => core.emit({ type: 'warning', group: g.id, warning }) });
	let step: SendStep | null = recoveryStep(g.session, now) ?? restoreStep(g.session, now);
	if (!step && keyDue(data.log, data.me)) {
		// Every member publishes a key after an epoch change, all naming the same parent: a short
		// random pause spreads the race (§4.4). Then check again that this is still worth doing.
		await core.keyPause();
		if (core.locked || g.sync || core.conn.of(g.session.me).state !== 'online' || core.groups.get(g.id) !== g || data.removed || data.frozen) return;
	}
	step ??= keyStep(g.session, core.now()) ?? helloStep(g.session, core.now());
	if (!step) return;
	// Building the hello moved my send chain, an epoch op or key op made a receive key: persist
	// the session before anything leaves.
	g.markDirty();
	await g.save();
	const sent: SendStep = step;
	const entry = step.kind === 'op' ? { op: step.op } : { msg: step.envelope };
	// A refusal (RELAY_CONFLICT, RELAY_STALE_EPOCH: the log moved on) or a drop throws: the state
	// stays due, and the next live entry or reconnect tries again against the newer head. A key
	// op's failure counts toward the key-stalled warning unless another entry won the race (§4.4).
	const ok = await core.conn
		.of(g.session.me)
		.request({ t: 'append', group: g.id, mid: step.mid, entry })
		.catch((error: unknown) => {
			if (sent.kind === 'op' && sent.op.kind === 'key') {
				keyFailed(g.session, sent.op.rk, sent.op.parent, error instanceof RelayError ? error.code : 'CLIENT_TIMEOUT', error instanceof RelayError ? error.head : undefined);
				g.markDirty();
				core.scheduleSave(g);
			}
			throw error;
		});
	if (step.kind === 'op') {
		await g.waitFor(ok.seq ?? 0);
	} else if (step.kind === 'hello') {
		helloAcked(g.session, step.envelope.epoch);
		g.markDirty();
		core.scheduleSave(g);
	}
}
