/**
 * Typed errors with stable codes. Codes never change once released; messages may.
 * The full list, with meanings, is in docs/PROTOCOL.md ("Error codes").
 */
export type ProtocolCode =
	| 'PROTOCOL_BAD_FRAME'
	| 'PROTOCOL_BAD_ENCODING'
	| 'PROTOCOL_BAD_LENGTH'
	| 'PROTOCOL_BAD_SIGNATURE'
	| 'PROTOCOL_NOT_ALLOWED'
	| 'PROTOCOL_BAD_PARENT'
	| 'PROTOCOL_FORK'
	| 'PROTOCOL_REPLAY'
	| 'PROTOCOL_BAD_GENESIS'
	| 'PROTOCOL_BAD_KEYS'
	| 'PROTOCOL_BAD_EPOCH'
	| 'PROTOCOL_STALE_EPOCH'
	| 'PROTOCOL_UNKNOWN_MEMBER'
	| 'PROTOCOL_INVITE_INVALID'
	| 'PROTOCOL_GROUP_ENDED'
	| 'PROTOCOL_DECRYPT_FAILED'
	| 'PROTOCOL_BAD_COMMITMENT'
	| 'PROTOCOL_UNVERIFIED_SENDER'
	| 'PROTOCOL_TOO_FAR_AHEAD'
	| 'PROTOCOL_BAD_REPORT'
	| 'PROTOCOL_WRONG_PASSPHRASE'
	| 'PROTOCOL_LOCKED'
	| 'PROTOCOL_WEAK_KEY'
	| 'PROTOCOL_WEAK_PASSPHRASE'
	| 'PROTOCOL_MODERATOR_CHANGED'
	/** The log served for an invite lacks the head the invite link names (§7). */
	| 'PROTOCOL_STALE_LOG';

export class ProtocolError extends Error {
	readonly code: ProtocolCode;
	constructor(code: ProtocolCode, message: string) {
		super(message);
		this.name = 'ProtocolError';
		this.code = code;
	}
}

export function isProtocolError(error: unknown, code?: ProtocolCode): error is ProtocolError {
	return error instanceof ProtocolError && (code === undefined || error.code === code);
}
