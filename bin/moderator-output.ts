/**
 * How `reports` prints: plain text for a person, or JSON lines for tooling (`--json`), the same
 * facts in both. A message that fails verification is a finding, printed with the reason in
 * words (the verdicts the reports screen shows too, src/lib/words/verdicts.ts); it never stops
 * the listing.
 */
import type { ReportedMessageView } from '../src/lib/client/api.ts';
import type { InboxItem } from './moderator-inbox.ts';
import { CW_LABEL, operatorVerdict, reasonForOperator } from '../src/lib/words/verdicts.ts';

/** A time a reporter or relay chose: printed as a number when it is no real date, never thrown. */
const iso = (ms: number) => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `time ${ms}`);
const short = (key: string) => key.slice(0, 8);
/**
 * A display name is chosen by a member (and, in a report, passed on by the reporter): quoted, so
 * that a newline or a terminal escape in it cannot print a line that looks like a verdict.
 */
const quoted = (name: string) => JSON.stringify(name);

export interface Tally {
	reports: number;
	verified: number;
	notVerified: number;
	unopened: number;
}

export const emptyTally = (): Tally => ({ reports: 0, verified: 0, notVerified: 0, unopened: 0 });

function count(tally: Tally, messages: readonly ReportedMessageView[]): void {
	for (const m of messages) {
		if (m.verified) tally.verified++;
		else tally.notVerified++;
		count(tally, m.edits ?? []);
	}
}

export function addToTally(tally: Tally, item: InboxItem): void {
	tally.reports++;
	if ('unopened' in item) tally.unopened++;
	else count(tally, item.messages);
}

const KIND_WORDS: Record<string, string> = { text: 'message', edit: 'edit', reaction: 'reaction', profile: 'display name', other: 'other content' };

function messageLines(m: ReportedMessageView, indent: string): string[] {
	const verdict = operatorVerdict(m.verified, m.reason);
	const who = m.senderName ? `${quoted(m.senderName)} [key ${short(m.sender)}]` : `key ${short(m.sender)}`;
	const kind = KIND_WORDS[m.kind ?? 'other'] ?? 'content';
	const lines = [`${indent}${verdict}: ${kind} from ${who} at ${iso(m.ts)}`];
	// The content warning is committed to with the words, so the verdict covers it too (§6.3).
	if (m.cw !== undefined) lines.push(`${indent}  ${CW_LABEL}: ${JSON.stringify(m.cw)}`);
	lines.push(`${indent}  ${m.text === null ? '(no readable words)' : JSON.stringify(m.text)}`);
	for (const edit of m.edits ?? []) lines.push(...messageLines(edit, `${indent}  `));
	return lines;
}

/** One report as text, a blank line after it. */
export function reportText(item: InboxItem): string {
	const head = `Report ${item.seq}, received ${iso(item.ts)}`;
	if ('unopened' in item) return `${head}: could not be opened (${item.unopened})\n\n`;
	const lines = [`${head}, group ${short(item.group)}…`, `  Note: ${item.note === '' ? '(none)' : JSON.stringify(item.note)}`];
	for (const m of item.messages) lines.push(...messageLines(m, '  '));
	return lines.join('\n') + '\n\n';
}

function messageJson(m: ReportedMessageView): Record<string, unknown> {
	return {
		kind: m.kind,
		...(m.to ? { to: m.to } : {}),
		sender: m.sender,
		senderName: m.senderName,
		seq: m.seq,
		ts: m.ts,
		time: iso(m.ts),
		text: m.text,
		...(m.cw !== undefined ? { cw: m.cw } : {}),
		verified: m.verified,
		...(m.verified ? {} : { reason: m.reason ?? null, why: reasonForOperator(m.reason) }),
		...(m.edits ? { edits: m.edits.map(messageJson) } : {})
	};
}

/** One report as a JSON line (`type: "report"`); full keys and group id, for tooling. */
export function reportJson(item: InboxItem): string {
	const base = { type: 'report', seq: item.seq, ts: item.ts, time: iso(item.ts) };
	if ('unopened' in item) return JSON.stringify({ ...base, opened: false, error: item.unopened }) + '\n';
	return JSON.stringify({ ...base, opened: true, group: item.group, note: item.note, messages: item.messages.map(messageJson) }) + '\n';
}

export function summaryText(tally: Tally, next: number): string {
	const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
	const unopened = tally.unopened > 0 ? `, ${tally.unopened} could not be opened` : '';
	return `${plural(tally.reports, 'report', 'reports')}, ${plural(tally.verified, 'message', 'messages')} verified, ${tally.notVerified} not verified${unopened}\nnext: --after ${next}\n`;
}

export function summaryJson(tally: Tally, next: number): string {
	return JSON.stringify({ type: 'summary', ...tally, next }) + '\n';
}
