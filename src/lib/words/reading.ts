/** Words for reading and writing in a chat: keeping the reader's place, the length limit, the keyboard. */

export const SKIP_TO_COMPOSER = 'Skip to the message box';

/** The button that brings a reader scrolled up in the history down to what arrived meanwhile. */
export function newMessages(count: number): string {
	return count === 1 ? '1 new message' : `${count.toLocaleString('en')} new messages`;
}

/** Shown under the message box from 90% of the limit on. */
export function charactersLeft(length: number, max: number): string {
	const left = max - length;
	if (left >= 0) return `${left.toLocaleString('en')} ${left === 1 ? 'character' : 'characters'} left`;
	return `${(-left).toLocaleString('en')} ${left === -1 ? 'character' : 'characters'} over the limit`;
}

export function tooLong(max: number): string {
	return `Messages can be up to ${max.toLocaleString('en')} characters. Shorten this one a little, or send it in two parts.`;
}

/** The message list's name for screen readers, with how to move in it. */
export const MESSAGES_LABEL = 'Messages';
export const MESSAGES_HINT = 'Use the up and down arrow keys to move between messages, Home and End for the first and newest, Tab to reach the message’s actions.';
