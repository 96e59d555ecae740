/**
 * The message actions menu (one "..." button per message, §13 of PROTOCOL for the moderation
 * parts): the names of its items and what the button says to a screen reader.
 */

/** The menu button's accessible name: which message it acts on. */
export function actionsLabel(senderName: string | null, self: boolean, time: string, blocked = false): string {
	if (self) return `Actions for your message at ${time}`;
	return `Actions for the message from ${blocked ? 'someone you blocked' : (senderName ?? 'someone new')} at ${time}`;
}

export const ACTION = {
	reply: 'Reply',
	reactions: 'Reactions',
	react: (emoji: string) => `React with ${emoji}`,
	copy: 'Copy text',
	edit: 'Edit',
	delete: 'Delete',
	report: 'Report',
	hide: 'Hide for everyone',
	help: 'Ask a moderator for help',
	block: 'Block on this device',
	unblock: 'Unblock'
} as const;

/** Shown for a moment in the message after "Copy text". */
export const COPIED = 'Copied.';

/** Said when the browser did not let the text be copied. */
export const NOT_COPIED = 'This browser did not allow copying. You can select the text instead.';

/** The dismiss button of the "report sent" notice. */
export const DISMISS = 'Dismiss';

/** A blocked member's message, collapsed (§13.1). */
export const BLOCKED_MESSAGE = 'Message from someone you blocked.';

/** Menu items of a blocked member's message. */
export const SHOW_ONCE = 'Show this message';
export const COLLAPSE_AGAIN = 'Collapse this message';

/** Said after blocking, beside an Undo. */
export function blockedNotice(name: string | null): string {
	return `You blocked ${name ?? 'this member'} on this device. They are not told, and you can still report what they send.`;
}
export function unblockedNotice(name: string | null): string {
	return `You unblocked ${name ?? 'this member'}.`;
}
export const UNDO = 'Undo';

/** People screen: the block button and its badge. */
export const BLOCKED_BADGE = 'Blocked';

/** The menu item and the report form's title and note when someone asks the moderators for help. */
export const ASK_FOR_HELP = 'Ask a moderator for help';
export const HELP_TITLE = 'Ask the moderators for help';
export const HELP_NOTE = 'I would like a moderator to help with this.';

/** The confirmation before a moderator hides a message for everyone from its menu (§3.3 `hide`). */
export const HIDE_CONFIRM = {
	title: 'Hide this message for everyone?',
	text: 'It stops showing for everyone in the group, you included, and cannot be reported while hidden. You or another moderator can show it again.',
	confirm: 'Hide for everyone',
	cancel: 'Cancel'
} as const;
