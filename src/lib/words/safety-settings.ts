/**
 * Words of a group's safety settings (docs/PROTOCOL.md §13.7): slow mode and the link limit, as
 * an admin sets them and as members meet them in the composer and the chat.
 */
const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

export const SAFETY_TITLE = 'Safety settings';
export const SAFETY_INTRO = 'These help keep the conversation calm. Moderators and admins are not limited by them.';

export const SLOW_LABEL = 'Slow mode';
export const SLOW_HINT = 'How often each member may post. A pause between messages can help when things get heated.';
/** The choices offered (seconds; 0 = off). */
export const SLOW_CHOICES: readonly { seconds: number; label: string }[] = [
	{ seconds: 0, label: 'Off' },
	{ seconds: 10, label: 'One message every 10 seconds' },
	{ seconds: 30, label: 'One message every 30 seconds' },
	{ seconds: 60, label: 'One message a minute' },
	{ seconds: 300, label: 'One message every 5 minutes' },
	{ seconds: 900, label: 'One message every 15 minutes' }
];

export const LINKS_LABEL = 'Links';
export const LINKS_HINT = 'Links can lead people to places that are not safe for them. Members’ apps check this; the server cannot see messages.';
export const LINK_CHOICES: readonly { value: 'any' | 'none'; label: string }[] = [
	{ value: 'any', label: 'Anyone may share links' },
	{ value: 'none', label: 'Only moderators and admins may share links' }
];

/** In the group's summary line when links are limited. */
export const LINKS_LIMITED = 'Links from moderators and admins only';

export const SAFETY_SAVE = 'Save safety settings';
export const SAFETY_SAVED = 'Saved. Everyone’s app will follow the new settings.';
export const SAFETY_ONLY_ADMINS = 'Only an admin can change these.';

/** How a group's slow mode reads in a summary line. */
export function slowSummary(seconds: number): string {
	if (seconds <= 0) return 'Slow mode off';
	return `Slow mode: ${waitLabel(seconds * 1000)} between messages`;
}

/** "45 seconds", "2 minutes", "1 minute 30 seconds". */
export function waitLabel(ms: number): string {
	const s = Math.max(1, Math.ceil(ms / 1000));
	if (s < 60) return plural(s, 'second');
	const m = Math.floor(s / 60);
	const rest = s % 60;
	return rest === 0 ? plural(m, 'minute') : `${plural(m, 'minute')} ${plural(rest, 'second')}`;
}

/** Under the composer while the member waits: calm, and their words are kept. */
export function slowCountdown(ms: number): string {
	return `This group is in slow mode. You can send your next message in ${waitLabel(ms)}. What you wrote stays here.`;
}

/** The sender's composer refuses a link. */
export const NO_LINKS_HERE = 'This group does not allow links from members, so this message was not sent. You can describe the place in words instead, or ask a moderator to share it.';

/** In place of a message that broke the link limit. */
export const LINK_HIDDEN = 'This message was hidden: this group does not allow links from members.';
