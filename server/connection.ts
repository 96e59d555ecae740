/**
 * One WebSocket peer: the keys it has proven, its subscriptions, its rate bucket and the
 * backpressure rule. A peer that lets more than `highWaterMark` bytes pile up is too slow and
 * is closed with 1013 instead of being buffered without bound (P11).
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
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
/** `WebSocket.OPEN` (ws's readyState). */
const OPEN = 1;
/** Gathered writes leave once this many bytes wait (one large write amortizes the system call). */
const FLUSH_BYTES = 64 * 1024;

/**
 * A text frame as it goes on the wire from a server (RFC 6455 §5.2: FIN, opcode 1, unmasked,
 * then the UTF-8 payload), built once per entry and written unchanged to every subscriber's
 * socket (`Connection.sendWire`): one encoding per entry, not one per delivery.
 */
export function wireFrame(text: string): Buffer {
	const length = Buffer.byteLength(text);
	const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
	const out = Buffer.allocUnsafe(header + length);
	out[0] = 0x81;
	if (header === 2) {
		out[1] = length;
	} else if (header === 4) {
		out[1] = 126;
		out.writeUInt16BE(length, 2);
	} else {
		out[1] = 127;
		out.writeUInt32BE(0, 2);
		out.writeUInt32BE(length, 6);
	}
	out.write(text, header, 'utf8');
	return out;
}

export class Connection {
	readonly ws: WebSocket;
	readonly challenge: string;
	/** Keys proven on this connection (`prove`); read-only outside this class but for a ban's logout. */
	readonly keys = new Set<string>();
	/** Subscriptions by group, made with the first `sub`: most connections never hold one. */
	#subs: Map<string, Closable> | undefined;
	readonly bucket: TokenBucket;
	alive = true;
	closed = false;
	readonly #highWaterMark: number;
	/** Closes the connection if no key is proven in time; gone once one is (`prove`). */
	#authTimer: NodeJS.Timeout | undefined;
	#killTimer: NodeJS.Timeout | undefined;
	/**
	 * Bytes written by `sendWire` to the corked socket since it was last uncorked (0: not corked by
	 * us). They leave together at the end of the turn, or sooner once FLUSH_BYTES are waiting.
	 */
	#corkedBytes = 0;
	/** The end-of-turn uncork is queued. */
	#flushQueued = false;

	constructor(ws: WebSocket, config: ServerConfig, now: number) {
		this.ws = ws;
		this.challenge = toB64(randomBytes(32));
		this.bucket = new TokenBucket(config.connectionRate, now);
		this.#highWaterMark = config.highWaterMark;
		this.#authTimer = setTimeout(Connection.#authExpired, config.authTimeoutMs, this);
		this.#authTimer.unref();
	}

	static #authExpired(conn: Connection): void {
		conn.#authTimer = undefined;
		if (conn.keys.size === 0) conn.close(CLOSE_UNAUTHENTICATED, 'authenticate within the time limit');
	}

	/** A key whose signature over this connection's challenge verified (§9.3). */
	prove(key: string): void {
		this.keys.add(key);
		// The deadline no longer concerns this connection: its timer is not kept for its lifetime.
		clearTimeout(this.#authTimer);
		this.#authTimer = undefined;
	}

	/** This connection's subscription to `group`, if any. */
	subscription(group: string): Closable | undefined {
		return this.#subs?.get(group);
	}

	/** The groups this connection is subscribed to. */
	subscribedGroups(): Iterable<string> {
		return this.#subs?.keys() ?? [];
	}

	/** Records `sub` as the connection's subscription to `group` (the caller closed any earlier one). */
	subscribed(group: string, sub: Closable): void {
		(this.#subs ??= new Map()).set(group, sub);
	}

	/** Forgets `sub`, if it is still the subscription to `group`. */
	unsubscribed(group: string, sub: Closable): void {
		if (this.#subs?.get(group) === sub) this.#subs.delete(group);
	}

	/**
	 * More than `highWaterMark` bytes wait for this peer. Bytes corked in this turn do not count:
	 * they are on their way out now (unless the kernel's buffer is full, when the next check
	 * counts them), as they were before the writes of one turn were gathered.
	 */
	#piledUp(): boolean {
		return this.ws.bufferedAmount - this.#corkedBytes > this.#highWaterMark;
	}

	/** Queues a frame; false (and the socket is being closed) when the peer reads too slowly. */
	send(text: string, written?: (error?: Error) => void): boolean {
		if (this.closed) return false;
		if (this.#piledUp()) {
			this.close(CLOSE_SLOW, 'reader too slow');
			return false;
		}
		this.ws.send(text, written);
		return true;
	}

	/**
	 * Queues a frame built by `wireFrame`, shared with other sockets: written straight to the
	 * TCP socket under ws (which frames nothing here), with ws.send's checks and the same
	 * backpressure rule. The socket stays corked until the end of the turn (or until FLUSH_BYTES
	 * wait), so the entries of one group commit, fanned out together, leave in one write per
	 * socket instead of one each, in order with every other frame of the connection (ws's own
	 * frames go through the same corked socket).
	 */
	sendWire(wire: Buffer): boolean {
		if (this.closed) return false;
		const ws = this.ws;
		if (ws.readyState !== OPEN) return false;
		if (this.#piledUp()) {
			this.close(CLOSE_SLOW, 'reader too slow');
			return false;
		}
		const socket = socketOf(ws);
		if (this.#corkedBytes === 0) {
			socket.cork();
			if (!this.#flushQueued) {
				this.#flushQueued = true;
				process.nextTick(Connection.#endOfTurn, this, socket);
			}
		}
		socket.write(wire);
		this.#corkedBytes += wire.length;
		if (this.#corkedBytes >= FLUSH_BYTES) this.#uncork(socket);
		return true;
	}

	#uncork(socket: Socket): void {
		if (this.#corkedBytes === 0) return;
		this.#corkedBytes = 0;
		socket.uncork();
	}

	static #endOfTurn(conn: Connection, socket: Socket): void {
		conn.#flushQueued = false;
		conn.#uncork(socket);
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
		clearTimeout(this.#authTimer);
		clearTimeout(this.#killTimer);
		this.endSubscriptions();
	}

	endSubscriptions(): void {
		const subs = this.#subs;
		if (!subs) return;
		for (const sub of subs.values()) sub.close();
		subs.clear();
	}
}

/**
 * The TCP socket under a ws WebSocket: `_socket`, internal to ws but present since its first
 * versions (ws is pinned in package.json; every live-delivery test fails if it goes away).
 */
export function socketOf(ws: WebSocket): Socket {
	return (ws as unknown as { _socket: Socket })._socket;
}
