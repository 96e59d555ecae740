/**
 * Plain-language sentences for the error codes the client can throw or record, for the UI to
 * show. Codes are stable (docs/PROTOCOL.md §10); these sentences may change. Never a stack
 * trace, never a key: someone reading over a shoulder learns nothing from them.
 */
import { isProtocolError } from '../core/errors.ts';

const SENTENCES: Record<string, string> = {
	PROTOCOL_WEAK_KEY: 'A key offered for this conversation is not safe to use, so nothing was sent to it. Ask the person to reinstall the app or rejoin.',
	PROTOCOL_WEAK_PASSPHRASE: 'That passphrase is too easy to guess. Use at least 8 characters; a few unrelated words work well.',
	PROTOCOL_WRONG_PASSPHRASE: 'That passphrase is not right. Nothing was changed.',
	PROTOCOL_LOCKED: 'The app is locked. Unlock it to continue.',
	PROTOCOL_NOT_ALLOWED: 'You are not allowed to do that in this group.',
	PROTOCOL_UNKNOWN_MEMBER: 'You are not a member of this group any more.',
	PROTOCOL_GROUP_ENDED: 'This conversation has ended.',
	PROTOCOL_BAD_REPORT: 'The report could not be sent.',
	PROTOCOL_BAD_FRAME: 'That could not be sent: it is empty or too long.',
	PROTOCOL_INVITE_INVALID: 'This invite link no longer works. Ask for a new one.',
	PROTOCOL_STALE_LOG:
		'The server showed an older version of this group than the one your invite link came from, so you did not join: in that version someone who was removed could still read what you send. Try again later, or ask the person who invited you for a new link.',
	PROTOCOL_MODERATOR_CHANGED: "The service's moderator key has changed since you first connected. Check its fingerprint before sending a report to it.",
	RELAY_RATE_LIMITED: 'Too much at once. Wait a moment and try again.',
	RELAY_OP_LIMIT: 'Too many changes to this group in the last hour. Try again later.',
	RELAY_CONFLICT: 'The group changed at the same moment. Try again.',
	CLIENT_OFFLINE: 'Not connected to the server right now, so nothing was sent. Try again when the connection is back.',
	CLIENT_TIMEOUT: 'The server did not answer in time, so this may not have gone through. Check, then try again.'
};

const FALLBACK = 'Something went wrong. Try again in a moment.';

/** The code carried by an error thrown by the client, or null. */
export function errorCode(error: unknown): string | null {
	if (isProtocolError(error)) return error.code;
	if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
	return null;
}

/** A sentence for the UI for an error code (or a thrown error). Unknown codes get a neutral sentence. */
export function describeError(error: unknown): string {
	const code = typeof error === 'string' ? error : errorCode(error);
	return (code && SENTENCES[code]) || FALLBACK;
}
