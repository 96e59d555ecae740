/**
 * Words of the report inbox (PROTOCOL §13.6): a report's state as moderators read it, its
 * outcomes, the actions from a report, and what the reporter reads about their own report
 * (never the action, never who).
 */
// The shapes these words read (client/api.ts `CaseView`, `MyReportView`); words sit below the client.
type Outcome = 'none' | 'hidden' | 'warned' | 'muted' | 'removed';
interface CaseView {
	state: 'new' | 'review' | 'resolved';
	by?: { name: string | null; me: boolean };
	outcome?: Outcome;
	also?: { name: string | null; outcome: Outcome }[];
	notes: { name: string | null; me: boolean }[];
}
interface MyReportView {
	status: 'sent' | 'received' | 'acted' | 'reviewed';
}

export const OUTCOME_WORDS: Record<Outcome, string> = {
	none: 'no action needed',
	hidden: 'message hidden',
	warned: 'member warned',
	muted: 'member muted',
	removed: 'member removed'
};

const who = (by: CaseView['by']) => (!by ? 'a moderator' : by.me ? 'you' : (by.name ?? 'a moderator'));
const Who = (by: CaseView['by']) => {
	const w = who(by);
	return w.charAt(0).toUpperCase() + w.slice(1);
};

/** "New", "In review by Ash", "Resolved by Ash: message hidden". */
export function caseStateText(c: CaseView): string {
	if (c.state === 'new') return 'New';
	if (c.state === 'review') return `In review by ${who(c.by)}`;
	return `Resolved by ${who(c.by)}: ${OUTCOME_WORDS[c.outcome ?? 'none']}`;
}

/** A resolution that came at the same moment as the first, shown so nobody repeats it. */
export function alsoText(a: NonNullable<CaseView['also']>[number]): string {
	return `Also resolved by ${a.name ?? 'a moderator'}: ${OUTCOME_WORDS[a.outcome]}`;
}

export const TAKE = 'Take this report';
export const NO_ACTION = 'Resolve: no action needed';
export const NOTE_LABEL = 'Note for the other moderators';
export const NOTE_HINT = 'Only this group’s moderators can read notes. The person who reported never sees them.';
export const ADD_NOTE = 'Add note';
export const MUTE_DAY = 'Mute for a day';
export const REMOVE = 'Remove from the group';
export const NO_CASE = 'This report was sent from an older version, so its progress is not shared with the other moderators.';

export function confirmMute(name: string | null): string {
	return `Mute ${name ?? 'this member'} for a day? They can still read, but not post.`;
}
export function confirmRemove(name: string | null): string {
	return `Remove ${name ?? 'this member'} from the group? They will not be able to read anything new.`;
}
export function noteBy(n: CaseView['notes'][number]): string {
	return n.me ? 'You' : (n.name ?? 'A moderator');
}
export { Who as caseWho };

/** The open-report count, for the Reports tab and the group list. */
export function openReportsLabel(n: number): string {
	return n === 1 ? '1 open report' : `${n} open reports`;
}

/** What the reporter reads about their report: calm, and never the action nor who. */
export function myReportText(r: MyReportView): string {
	switch (r.status) {
		case 'sent':
			return 'Your report was sent. Thank you for looking out for the group.';
		case 'received':
			return 'Report received: a moderator is looking at it.';
		case 'acted':
			return 'A moderator acted on your report. Thank you for speaking up.';
		case 'reviewed':
			return 'A moderator reviewed your report. Thank you for speaking up.';
	}
}
