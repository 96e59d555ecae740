/**
 * Words of approval of new members (docs/PROTOCOL.md §13.8): the admin's setting, the newcomer
 * who asks and waits, and the moderators who answer. Calm and plain: asking is not suspicious,
 * and being turned away is nobody's verdict on the person.
 */
export const APPROVE_LABEL = 'New members';
export const APPROVE_HINT = 'When this is on, someone who opens an invite link asks to join, and a moderator or admin lets them in. Until then they see nothing of the group. Everyone in the group needs an up-to-date app for this.';
export const APPROVE_CHOICES: readonly { value: boolean; label: string }[] = [
	{ value: false, label: 'Anyone with a link joins at once' },
	{ value: true, label: 'New members wait for approval' }
];

/** In the group's summary line on People. */
export const APPROVE_ON = 'New members wait for approval';

/** On the join screen of a group with approval. */
export const ASK_INTRO = 'New members of this group wait for a moderator to let them in. Until then you will not see any messages.';
/** The longest note (UTF-16 units), as §13.8 and crypto/join-request.ts `MAX_REQUEST_NOTE` allow. */
export const NOTE_MAX_LENGTH = 500;
export const NOTE_LABEL = 'A word to the moderators (optional)';
export const NOTE_HINT = 'Only the group’s moderators and admins can read this. For example, who told you about the group.';
export const ASK_BUTTON = 'Ask to join';
export const ASKING = 'Asking…';

/** The newcomer's waiting screen. */
export const WAITING_TITLE = 'Waiting for a moderator to let you in';
export const WAITING_TEXT = 'Your request has been sent. You can close the app: when a moderator lets you in, the conversation will open here. You will see what is said from then on.';
export const WITHDRAW = 'Withdraw my request';
export const WITHDRAW_CONFIRM = 'Withdraw your request to join? You can ask again later with a link that still works.';
export const UNKNOWN_TITLE = 'Could not reach the group; still trying';
export const UNKNOWN_TEXT = 'Your request is still waiting on this device. We keep trying to reach the group and will show the answer as soon as it comes. You can also forget this group here.';
export const FORGET = 'Forget this group';

/** When the request ended without being let in. */
export const ENDED: Record<'declined' | 'withdrawn' | 'link', string> = {
	declined: 'The moderators did not let you in this time. Nothing of the group is kept on this device.',
	withdrawn: 'Your request was withdrawn. Nothing of the group is kept on this device.',
	link: 'The link you used was withdrawn, so your request ended. Nothing of the group is kept on this device. You can ask whoever invited you for a new link.'
};
export const LET_IN = 'A moderator let you in. Welcome.';

/** In the group list while my request waits. */
export const WAITING_BADGE = 'Waiting to be let in';

/** The moderators' side, on the People screen. */
export const WAITING_SECTION = 'Waiting to join';
export const NO_NAME = 'Someone (their note was sealed to the moderators at the time)';
export const APPROVE = 'Let in';
export const DECLINE = 'Decline';
export function approveConfirm(name: string | null): string {
	return `Let ${name ?? 'this person'} in? They will see what is said from now on, not earlier messages.`;
}
export function declineConfirm(name: string | null): string {
	return `Decline ${name ?? 'this person'}? They will be told the moderators did not let them in this time. The link they used keeps its other uses.`;
}
/** "Calls themself Nia": the name is the newcomer's own choice, not a verified one. */
export function callsThemself(name: string): string {
	return `Calls themself ${name}`;
}
export function requestFrom(linkBy: string | null, mine: boolean): string {
	if (mine) return 'Through one of your links';
	return linkBy ? `Through a link from ${linkBy}` : 'Through a group link';
}
/** A count for moderators, beside open reports. */
export function waitingCount(n: number): string {
	return n === 1 ? '1 waiting to join' : `${n} waiting to join`;
}
