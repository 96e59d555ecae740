/**
 * What moderators do in the report inbox (docs/PROTOCOL.md §13.6): take a report (in review),
 * resolve it with an outcome, leave a note for the other moderators; and the feedback the
 * reporter's one-time key receives. Everything leaves through the group's outbox as one `case`
 * message, so the relay sees an ordinary padded message.
 */
import type { ClientCore } from './core.ts';
import { enqueueContent } from './actions.ts';
import type { GroupHandle } from './group.ts';
import type { CaseRecord } from './cases.ts';
import { ProtocolError } from '../core/errors.ts';
import * as may from '../protocol/group/may.ts';
import { sealCaseNote, sealFeedback, type CaseBody, type Feedback, type Outcome } from '../crypto/report-case.ts';

/** The case's readers (§13.6): the group's moderators and admins, less me and less anyone the report is about. */
export function caseReaders(g: GroupHandle, c: CaseRecord | undefined): { sign: string; box: string }[] {
	const log = g.session.state;
	if (!log) return [];
	const about = new Set(c?.about ?? []);
	return Object.values(log.members)
		.filter((m) => m.sign !== g.session.me && !about.has(m.sign) && may.moderate(log, m.sign).ok)
		.map((m) => ({ sign: m.sign, box: m.box }));
}

async function sendCase(core: ClientCore, g: GroupHandle, body: CaseBody, feedback?: Feedback): Promise<void> {
	core.requireUnlocked();
	const log = g.session.state;
	if (!log || !may.moderate(log, g.session.me).ok) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'only moderators and admins handle reports');
	const c = g.cases.data.cases[body.id];
	const boxes = caseReaders(g, c).map((to) => sealCaseNote(g.id, g.session.me, to, body));
	if (feedback && c?.reply) boxes.push(sealFeedback(g.id, body.id, c.reply, feedback));
	// Applied here at once: my own boxes are not sealed to me (§13.6).
	g.cases.fold(g.session.me, body, core.now());
	if (boxes.length > 0) await enqueueContent(core, g, { t: 'case', boxes });
	await g.save();
	core.emit({ type: 'members', group: g.id });
	core.emit({ type: 'groups' });
}

function known(g: GroupHandle, id: string): CaseRecord {
	const c = g.cases.data.cases[id];
	if (!c || !c.fetched) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'that report is not in this inbox');
	return c;
}

/** I take the report: in review by me; the reporter hears it was received. */
export async function takeCase(core: ClientCore, group: string, id: string): Promise<void> {
	const g = core.group(group);
	const c = known(g, id);
	if (c.state === 'resolved') throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'this report is already resolved');
	if (c.state === 'review' && c.by === g.session.me) return;
	await sendCase(core, g, { id, k: 'take' }, 'received');
}

/**
 * Records the outcome of a report (§13.6): called by "No action" and by every action taken from
 * the report (hide, mute, remove; warn when it exists). A report already resolved is refused,
 * so an action is never recorded twice.
 */
export async function recordOutcome(core: ClientCore, group: string, id: string, outcome: Outcome): Promise<void> {
	const g = core.group(group);
	const c = known(g, id);
	if (c.state === 'resolved') throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'this report is already resolved');
	await sendCase(core, g, { id, k: 'resolve', outcome }, outcome === 'none' ? 'reviewed' : 'acted');
}

/** A short note on the report for the other moderators only. */
export async function noteCase(core: ClientCore, group: string, id: string, text: string): Promise<void> {
	const g = core.group(group);
	known(g, id);
	const trimmed = text.trim();
	if (trimmed.length === 0) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'a note needs some words');
	await sendCase(core, g, { id, k: 'note', text: trimmed });
}
