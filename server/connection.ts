/**
 * One WebSocket peer: the keys it has proven, its subscriptions, its rate bucket and the
 * backpressure rule. A peer that lets more than `highWaterMark` bytes pile up is too slow and
 * is closed with 1013 instead of being buffered without bound (P11).
 */
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { toB64 } from '../src/lib/core/bytes.ts';
import type { ServerConfig } from './config.ts';
import { errFrame } from './errors.ts';
import { TokenBucket } from './rate-limit.ts';
import type { RelayErrorCode } from '../src/lib/protocol/wire.ts';

/** Implemented by subscriptions so a closing connection can end them. */
export interface Closable {
	close(): void;
}

export const CLOSE_SLOW = 1013;
export const CLOSE_UNAUTHENTICATED = 4001;

export class Connection {
	readonly ws: WebSocket;
	readonly challenge: string;
	readonly keys = new Set<string>();
	readonly subs = new Map<string, Closable>();
	readonly bucket: TokenBucket;
	alive = true;
	closed = false;
	readonly #highWaterMark: number;
	#killTimer: NodeJS.Timeout | undefined;

	constructor(ws: WebSocket, config: ServerConfig, now: number) {
		this.ws = ws;
		this.challenge = toB64(randomBytes(32));
		this.bucket = new TokenBucket(config.connectionRate, now);
		this.#highWaterMark = config.highWaterMark;
	}

	/** Queues a frame; false (and the socket is being closed) when the peer reads too slowly. */
	send(text: string, written?: (error?: Error) => void): boolean {
		if (this.closed) return false;
		if (this.ws.bufferedAmount > this.#highWaterMark) {
			this.close(CLOSE_SLOW, 'reader too slow');
			return false;
		}
		this.ws.send(text, written);
		return true;
	}

	error(code: RelayErrorCode, message: string, re?: string, head?: string, retry?: number): void {
		this.send(errFrame(code, message, re, head, retry));
	}

	/** Closes politely, and for good after a grace period if the peer does not answer. */
	close(code: number, reason: string): void {
		if (this.closed) return;
		this.closed = true;
		this.endSubscriptions();
		this.ws.close(code, reason);
		this.#killTimer = setTimeout(() => this.ws.terminate(), 2000);
		this.#killTimer.unref();
	}

	/** Called once the socket is gone, whatever closed it. */
	dispose(): void {
		this.closed = true;
		clearTimeout(this.#killTimer);
		this.endSubscriptions();
	}

	endSubscriptions(): void {
		for (const sub of this.subs.values()) sub.close();
		this.subs.clear();
	}
}
