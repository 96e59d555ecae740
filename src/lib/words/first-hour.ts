/**
 * The first hour (issue 16): what a newcomer arriving by link reads, and the small notices a
 * member meets (name length, passphrase, invite problems, removal, asks to speak, undo, offline).
 */

/** Welcome, first screen, when the person came by an invite link (the group's name comes later). */
export const INVITED_WELCOME = {
	title: 'You have been invited to a group',
	text: 'First a few words about Unseen, then you choose a name. You will see the group’s name before you join.'
} as const;

/** What the name field says while the person types: always how many of the allowed characters are used. */
export function nameLengthHint(used: number, max: number): string {
	if (used > max) return `${used} of ${max} characters: please shorten it.`;
	if (used === max) return `${max} of ${max} characters: that is the limit.`;
	return `${used} of ${max} characters`;
}

/** Onboarding: the choice, in one plain sentence, and the offer. */
export const PASSPHRASE_CHOICE = {
	heading: 'Is this phone shared, or could someone look at it?',
	text: 'Without a passphrase, anyone who opens this site in this browser sees all your groups and messages. A passphrase keeps them closed until you type it. It is optional.'
} as const;

/** Shown once, on a later visit, when no passphrase was set. */
export const PASSPHRASE_REMINDER = {
	text: 'A gentle reminder: Unseen on this device opens without a passphrase, so anyone using this browser can read your groups. You can add one at any time.',
	action: 'Add a passphrase',
	dismiss: 'Not now'
} as const;

/** Why an invite link did not open. Each says what to do; none shows a code. */
export type InviteProblem = 'damaged' | 'invalid' | 'unreachable' | 'missing' | 'other';
export const INVITE_PROBLEM: Record<InviteProblem, { title: string; text: string }> = {
	damaged: {
		title: 'This link is incomplete',
		text: 'Part of the invite link is missing, which often happens when a long link is copied or wrapped in a message. Ask for it again, and copy it whole.'
	},
	invalid: {
		title: 'This invite no longer works',
		text: 'It has expired, was used by as many people as it allowed, or was withdrawn. Ask the person who invited you for a new link.'
	},
	unreachable: {
		title: 'The server cannot be reached right now',
		text: 'Your invite link is fine and kept on this page. Check your connection; it opens by itself as soon as the server answers.'
	},
	missing: {
		title: 'This page needs an invite link',
		text: 'Open the link you were sent, or ask the person who invited you to send it again.'
	},
	other: {
		title: 'This invite could not be opened',
		text: 'Something went wrong while opening it. Try again in a moment, or ask for a new link.'
	}
};

/** The Invite tab for a member of a group where only facilitators invite. */
export const ONLY_FACILITATORS_INVITE = 'In this group only facilitators invite people. If you would like someone to join, ask a facilitator: they can create a link for them.';

/** The removed person's one notice, in the group's chat. */
export const REMOVED_STATE = {
	title: 'You are no longer in this group',
	text: 'A facilitator removed you. Nothing sent after that reaches you, and the group’s messages were deleted from this device, as its privacy rules ask.',
	after: 'If you think this was a mistake, you can ask the person who invited you for a new link. Joining again starts fresh.',
	forget: 'Remove it from your list',
	keep: 'Back to your groups',
	keepHint: 'Or keep it in your list as a reminder; it stays closed.'
} as const;

/** Moderators: listeners waiting for an answer to "Ask to speak". */
export function askToSpeakNotice(names: (string | null)[]): string {
	const named = names.map((n) => n ?? 'A listener');
	if (named.length === 1) return `${named[0]} would like to speak. You can answer in People.`;
	return `${named.length} listeners would like to speak. You can answer in People.`;
}
export const ASK_TO_SPEAK_ANSWER = 'Answer in People';
export function askToSpeakBadge(count: number): string {
	return `${count} asking to speak`;
}

/** Deleting one's own message: the undo window. */
export const DELETE_UNDO = {
	text: 'Message deleted.',
	undo: 'Undo',
	undone: 'The message was kept.'
} as const;
/** Seconds before a deletion is sent (the undo window). */
export const DELETE_UNDO_SECONDS = 6;

/** A message written while offline, in the message itself. */
export const WAITING_TO_SEND = 'Waiting for connection — it will send by itself';
