/**
 * The sentences of progress tracking (issue 11): counters, check-ins, milestones, charts and
 * sharing. Calm and plain: a reset is not a failure, a missed day is not a mistake.
 */
import { daysBetween, span, type Day, type ProgressCode } from '../core/progress.ts';

export const MOOD_WORDS: Record<number, string> = {
	1: 'Very low',
	2: 'Low',
	3: 'Okay',
	4: 'Good',
	5: 'Very good'
};

export function moodWord(mood: number): string {
	return MOOD_WORDS[mood] ?? 'Not given';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

export function daysText(n: number): string {
	return plural(n, 'day');
}

/** "2 months, 1 week and 3 days", or "" when under a week (the day count says it all). */
export function spanText(start: Day, today: Day): string {
	const s = span(start, today);
	if (s.days < 7) return '';
	const parts = [s.months ? plural(s.months, 'month') : '', s.weeks ? plural(s.weeks, 'week') : '', s.restDays ? plural(s.restDays, 'day') : ''].filter(Boolean);
	return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : (parts[0] ?? '');
}

/** "1 day", "1 week", "30 days", "1 year", "3 years". */
export function milestoneName(m: { days?: number; years?: number }): string {
	if (m.years !== undefined) return plural(m.years, 'year');
	if (m.days === 7) return '1 week';
	return daysText(m.days ?? 0);
}

export function celebrationText(counterName: string, m: { days?: number; years?: number }): string {
	return `${milestoneName(m)} — ${counterName}. Each of those days counted. Take a moment for it.`;
}

/** The card a group sees: the milestone only. */
export function milestoneCardText(senderName: string | null, m: { days?: number; years?: number }): string {
	return `${senderName ?? 'A member'} reached ${milestoneName(m)}.`;
}

export function runText(run: { start: Day; end: Day }, format: (d: Day) => string): string {
	return `${daysText(daysBetween(run.start, run.end))}, ${format(run.start)} to ${format(run.end)}`;
}

export const RESET_TEXT = {
	title: 'Start again from today?',
	body: 'Your days so far stay here as an achievement. You do not need to give a reason.',
	help: 'If today is hard, people are there to talk to.',
	confirm: 'Start again from today',
	cancel: 'Keep counting',
	done: 'Counting again from today. Your earlier days are kept below.'
};

const ERRORS: Record<ProgressCode, string> = {
	future: 'That date has not come yet. Choose today or an earlier day.',
	'before-reset': 'That is before your last new start. Choose a day on or after it; your earlier run is kept as it is.',
	'past-day': 'It is a new day now, so the check-in you opened yesterday can no longer be changed. What you wrote is still here: you can save it as today’s check-in.',
	'note-long': 'The note is longer than 1,000 characters. Shorten it a little to save; nothing has been lost.',
	name: 'Give the counter a name of up to 40 characters.',
	'bad-day': 'Please choose a mood and a date that exists.',
	'unknown-counter': 'That counter is no longer on this device.',
	milestone: 'A milestone is a whole number of days, from 1 to 36,500.',
	tag: 'Use at most 8 tags of up to 24 characters.'
};

export function progressErrorText(code: ProgressCode): string {
	return ERRORS[code];
}

export function noteCountText(length: number, max: number): string {
	return length > max ? `${length.toLocaleString('en')} of ${max.toLocaleString('en')} characters: a little too long to save` : `${length.toLocaleString('en')} of ${max.toLocaleString('en')} characters`;
}

export function chartSummary(points: { mood: number; craving: number }[], days: number): string {
	if (points.length === 0) return `No check-ins in the last ${days} days.`;
	const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
	const mood = avg(points.map((p) => p.mood));
	const craving = avg(points.map((p) => p.craving));
	return `${plural(points.length, 'check-in')} in the last ${days} days. Mood on average: ${moodWord(Math.round(mood))} (${mood.toFixed(1)} of 5). Craving on average: ${craving.toFixed(1)} of 10.`;
}

export function streakText(s: { current: number; longest: number }): string {
	if (s.longest === 0) return 'No check-ins yet.';
	return `${s.current ? `${plural(s.current, 'day')} in a row now` : 'No check-in in a row right now'}; the longest run of check-ins was ${plural(s.longest, 'day')}.`;
}

export function calendarSummary(checked: number, days: number): string {
	return `Checked in on ${plural(checked, 'day')} of the last ${days}.`;
}

export const REMINDER_TEXT = 'A moment for today’s check-in? Only if you want to.';

export const SHARE_TEXT = {
	none: 'Nothing is shared. Your progress stays on this device.',
	explain: 'Shared items are sent to this conversation end-to-end encrypted, like a message. The relay cannot read them. You can stop at any time; what was already sent stays with the other person as long as the conversation keeps messages.',
	on: (what: string) => `Sharing ${what} with this conversation.`,
	stopped: (name: string | null) => `${name ?? 'They'} stopped sharing. What was shared before is still shown.`,
	groupCard: 'Share this milestone to a group. Only the milestone is shared, never your start date.'
};

export function sharedWhat(choice: { checkins: boolean; notes: boolean; counters: boolean }): string {
	const parts = [choice.counters ? 'counters' : '', choice.checkins ? (choice.notes ? 'check-ins with notes' : 'check-ins (without notes)') : ''].filter(Boolean);
	return parts.join(' and ');
}

export const EXPORT_NAMES = { csv: 'export.csv', json: 'export.json' };

export const DELETE_TEXT = {
	ask: 'Delete all counters, check-ins and settings of progress from this device? This cannot be undone. Export first if you want a copy.',
	done: 'Progress deleted from this device.'
};
