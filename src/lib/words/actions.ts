/**
 * The message actions menu (one "..." button per message, §13 of PROTOCOL for the moderation
 * parts): the names of its items and what the button says to a screen reader.
 */

/** The menu button's accessible name: which message it acts on. */
export function actionsLabel(senderName: string | null, self: boolean, time: string): string {
	return self ? `Actions for your message at ${time}` : `Actions for the message from ${senderName ?? 'someone new'} at ${time}`;
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
	block: 'Block on this device',
	unblock: 'Unblock'
} as const;

/** Shown for a moment in the message after "Copy text". */
export const COPIED = 'Copied.';

/** Said when the browser did not let the text be copied. */
export const NOT_COPIED = 'This browser did not allow copying. You can select the text instead.';

/** The dismiss button of the "report sent" notice. */
export const DISMISS = 'Dismiss';
