/**
 * Words of a moderator's mute (§13.3): the menu item, the confirmation, the notice with its
 * undo, and what the muted member reads instead of the message box.
 */
import { timeOfDay } from './format.ts';

export const MUTE_CHOICES = [
	{ seconds: 3_600, label: '1 hour' },
	{ seconds: 86_400, label: '1 day' },
	{ seconds: 604_800, label: '1 week' }
] as const;

export const MUTE_ITEM = 'Mute…';
export const UNMUTE_ITEM = 'Lift the mute';

/** "today at 15:04", "tomorrow at 09:00", "Tuesday at 09:00", else a date: when a mute ends (always ahead). */
export function whenLabel(ts: number, now: number): string {
	const when = new Date(ts);
	const today = new Date(now);
	const tomorrow = new Date(now);
	tomorrow.setDate(today.getDate() + 1);
	const time = timeOfDay(ts);
	if (when.toDateString() === today.toDateString()) return `today at ${time}`;
	if (when.toDateString() === tomorrow.toDateString()) return `tomorrow at ${time}`;
	if (ts - now < 6 * 86_400_000) return `${when.toLocaleDateString(undefined, { weekday: 'long' })} at ${time}`;
	return `${when.toLocaleDateString(undefined, { day: 'numeric', month: 'long' })} at ${time}`;
}

export function muteTitle(name: string | null): string {
	return `Mute ${name ?? 'this member'}?`;
}
export const MUTE_TEXT = 'They can still read the group but cannot write, react or edit until the time is up. They see that a moderator muted them, not who. You can lift it at any time.';
export const MUTE_FOR = 'For how long';
export const MUTE_CONFIRM = 'Mute';
export const MUTE_CANCEL = 'Cancel';

export function mutedNotice(name: string | null, until: number, now: number): string {
	return `${name ?? 'This member'} is muted until ${whenLabel(until, now)}.`;
}
export function unmutedNotice(name: string | null): string {
	return `${name ?? 'This member'} can write again.`;
}

/** Shown to the muted member in place of the message box. */
export function youAreMuted(until: number, now: number): string {
	return `A moderator muted you until ${whenLabel(until, now)}. You can still read everything here; the message box comes back then.`;
}

/** People screen badge. */
export function mutedBadge(until: number, now: number): string {
	return `Muted until ${whenLabel(until, now)}`;
}
