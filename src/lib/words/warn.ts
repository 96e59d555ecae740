/**
 * Words of un-hiding (§13.4) and of a moderator's private note to one member (§13.5): the menu
 * items, the notice with its undo, the note dialog with its prepared kinds, and what the member
 * and the other moderators read.
 */

export const UNHIDE_ITEM = 'Show again for everyone';
export const HIDDEN_NOTICE = 'Message hidden for everyone.';
export const SHOWN_AGAIN_NOTICE = 'The message is shown again for everyone.';

export const WARN_ITEM = 'Send a private note…';
export function warnTitle(name: string | null): string {
	return `Send ${name ?? 'this member'} a private note`;
}
export const WARN_TEXT =
	'Only they and the group’s moderators will read it. It says “a moderator”, not who. They can still write; nothing else changes.';
export const WARN_KIND = 'What to say';
export const WARN_OWN = 'In my own words';
export const WARN_OWN_LABEL = 'Your note';
export const WARN_CONFIRM = 'Send the note';
export const WARN_CANCEL = 'Cancel';
export const WARN_EMPTY = 'Please write a few words, or choose one of the notes above.';

/** Prepared notes: calm, about the message, never about the person. */
export const WARN_KINDS = [
	{ id: 'guidelines', label: 'A reminder of the group’s guidelines', text: 'Please have another look at this group’s guidelines. A recent message of yours did not fit them. Thank you for helping keep this a safe place.' },
	{ id: 'tone', label: 'A request to change the tone', text: 'A recent message of yours came across as hurtful to others. Please keep things kind here; everyone is working through a lot.' },
	{ id: 'personal', label: 'About sharing personal details', text: 'Please do not share personal details (names, places, contact details) of yourself or others here. It keeps everyone safe.' }
] as const;

export function warnSentNotice(name: string | null): string {
	return `Your note was sent to ${name ?? 'this member'}.`;
}

/** What the member reads, on their device only. */
export function warnedYou(text: string): string {
	return `A moderator sent you a note: ${text}`;
}

/** What the group's moderators read (the sender included). */
export function warnedMember(author: string, target: string, text: string): string {
	return `${author} warned ${target}: ${text}`;
}
