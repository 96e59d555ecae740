/**
 * Relay errors: a stable code from docs/PROTOCOL.md §10 and a short message for the peer.
 * Messages never carry stack traces, content, addresses or user agents.
 */
import type { RelayErrorCode } from '../src/lib/protocol/wire.ts';

export class RelayError extends Error {
	readonly code: RelayErrorCode;
	/** For RELAY_CONFLICT: the op hash of the current head. */
	readonly head?: string;
	/** For RELAY_SLOW_MODE: ms until the append may pass (§13.7). */
	readonly retry?: number;
	constructor(code: RelayErrorCode, message: string, head?: string, retry?: number) {
		super(message);
		this.name = 'RelayError';
		this.code = code;
		if (head !== undefined) this.head = head;
		if (retry !== undefined) this.retry = retry;
	}
}

export function errFrame(code: RelayErrorCode, message: string, re?: string, head?: string, retry?: number): string {
	return JSON.stringify({ t: 'err', re, code, message: message.slice(0, 1000), head, retry });
}
