/**
 * The transport to the relay (docs/PROTOCOL.md §9): one WebSocket, every incoming frame parsed
 * by `parseRelayFrame`, requests matched to replies by `id`, several keys authenticated on the
 * one connection, subscriptions that resume from their cursor, and reconnection with capped
 * exponential backoff plus jitter. No crypto here: keys sign through a callback.
 * Browser and Node 22 alike (the standard WebSocket API; no node:* imports).
 */
import { toB64 } from '../core/bytes.ts';
import { labelled } from '../core/cjson.ts';
import { LABEL } from '../core/labels.ts';
import { parseBatchItem, parseRelayFrame, type ClientFrame, type RelayErrorCode, type RelayFrame } from '../protocol/wire.ts';
import type { ConnectionState } from './api.ts';

export type OkFrame = Extract<RelayFrame, { t: 'ok' }>;
export type EntryFrame = Extract<RelayFrame, { t: 'entry' }>;
export type HelloFrame = Extract<RelayFrame, { t: 'hello' }>;

/** Codes of failures that never reached the relay's judgement: the request may be retried. */
export type TransportCode = 'CLIENT_OFFLINE' | 'CLIENT_TIMEOUT' | 'CLIENT_STOPPED';

/** A refusal from the relay (`err` frame) or a transport failure, with a stable code. */
export class RelayError extends Error {
	readonly code: RelayErrorCode | TransportCode;
	readonly head?: string;
	/** RELAY_SLOW_MODE: ms until the append may pass (§13.7). */
	readonly retry?: number;
	constructor(code: RelayErrorCode | TransportCode, message: string, head?: string, retry?: number) {
		super(message);
		this.name = 'RelayError';
		this.code = code;
		if (head !== undefined) this.head = head;
		if (retry !== undefined) this.retry = retry;
	}
	/** True when nothing was decided by the relay, so sending again is safe and useful. */
	get transient(): boolean {
		return (
			this.code === 'CLIENT_OFFLINE' ||
			this.code === 'CLIENT_TIMEOUT' ||
			this.code === 'RELAY_RATE_LIMITED' ||
			this.code === 'RELAY_SHUTTING_DOWN' ||
			this.code === 'RELAY_INTERNAL' ||
			this.code === 'RELAY_STORAGE_FULL' ||
			this.code === 'RELAY_STORAGE_UNAVAILABLE'
		);
	}
}

export interface Backoff {
	/** First delay after a drop (ms). */
	initialMs: number;
	/** Cap on the delay (ms). */
	maxMs: number;
	factor: number;
	/** Fraction of the delay that is randomised away (0..1), so clients do not reconnect in step. */
	jitter: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.5 };

/** Delay before reconnect attempt number `attempt` (0-based). */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
	const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** Math.min(attempt, 30));
	return Math.round(base * (1 - backoff.jitter * random()));
}

export interface Subscription {
	group: string;
	as: string;
	/** Highest seq delivered; the next (re)subscribe asks for entries after it. */
	cursor: number;
	onEntry(frame: EntryFrame): void;
	/** Called with the relay's head seq when the backlog starts, and with `live` when caught up. */
	onProgress?(progress: { head: number; live: boolean }): void;
	/** The relay refused the subscription for good (e.g. RELAY_FORBIDDEN after removal); it is dropped. */
	onRefused?(error: RelayError): void;
	/** The relay says the deployment moderator banned these members of the group (§9.8b). */
	onBanned?(keys: string[]): void;
}

export type Signer = (message: Uint8Array) => Uint8Array;

export interface ConnectionOptions {
	url: string;
	WebSocket?: typeof WebSocket;
	backoff?: Partial<Backoff>;
	requestTimeoutMs?: number;
	random?: () => number;
}

type Pending = { resolve(frame: OkFrame): void; reject(error: RelayError): void; timer: ReturnType<typeof setTimeout>; onOk?(frame: OkFrame): void };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type Request = DistributiveOmit<ClientFrame, 'id'>;

export class Connection {
	state: ConnectionState = 'offline';
	hello: HelloFrame | null = null;
	/** The relay refused a key's login because the deployment moderator banned it (§9.8b). */
	onKeyBanned: ((key: string) => void) | null = null;
	/** Relay clock minus ours (ms), from the last hello: rules that use relay time use it. */
	clockOffset = 0;
	/** Reconnect attempts since the last successful hello (0 when online). */
	attempt = 0;
	private readonly options: ConnectionOptions;
	private readonly backoff: Backoff;
	private readonly WS: typeof WebSocket;
	private socket: WebSocket | null = null;
	private running = false;
	private retryTimer: ReturnType<typeof setTimeout> | null = null;
	private nextId = 1;
	private readonly pending = new Map<string, Pending>();
	private readonly keys = new Map<string, Signer>();
	private readonly authed = new Set<string>();
	private readonly subs = new Map<string, Subscription>();
	/** Whether `sub` asks for the backlog in batches (§9.5); false after a relay refused the field, until its next hello. */
	private batching = true;
	private readonly stateListeners = new Set<(state: ConnectionState) => void>();
	private readonly onlineListeners = new Set<() => void>();

	constructor(options: ConnectionOptions) {
		const WS = options.WebSocket ?? globalThis.WebSocket;
		if (typeof WS !== 'function') throw new TypeError('no WebSocket implementation available');
		if (!/^wss?:\/\//.test(options.url)) throw new TypeError('relay url must start with ws:// or wss://');
		this.options = options;
		this.WS = WS;
		this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
	}

	onState(listener: (state: ConnectionState) => void): () => void {
		this.stateListeners.add(listener);
		return () => this.stateListeners.delete(listener);
	}

	/** Fires after every (re)connect once all keys are authenticated and subscriptions resumed. */
	onOnline(listener: () => void): () => void {
		this.onlineListeners.add(listener);
		return () => this.onlineListeners.delete(listener);
	}

	start(): void {
		if (this.running) return;
		this.running = true;
		this.open();
	}

	stop(): void {
		this.running = false;
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.retryTimer = null;
		const socket = this.socket;
		this.socket = null;
		if (socket) socket.close(1000);
		this.dropPending('CLIENT_STOPPED', 'client stopped');
		this.setState('offline');
	}

	/** Adds a key to log in with, now if online and after every reconnect. */
	async addKey(key: string, sign: Signer): Promise<void> {
		this.keys.set(key, sign);
		if (this.state === 'online' && !this.authed.has(key)) {
			await this.auth(key).catch((error: unknown) => {
				if (error instanceof RelayError && error.code === 'RELAY_BANNED') this.onKeyBanned?.(key);
				throw error;
			});
		}
	}

	hasKey(key: string): boolean {
		return this.keys.has(key);
	}

	removeKey(key: string): void {
		this.keys.delete(key);
	}

	/** Subscribes now if online, and resumes from `cursor` after every reconnect. */
	async subscribe(sub: Subscription): Promise<void> {
		this.subs.set(sub.group, sub);
		if (this.state !== 'online') return;
		try {
			await this.sendSub(sub);
		} catch (error) {
			if (error instanceof RelayError && !error.transient) this.subs.delete(sub.group);
			throw error;
		}
	}

	async unsubscribe(group: string): Promise<void> {
		if (!this.subs.delete(group)) return;
		if (this.state === 'online') await this.request({ t: 'unsub', group }).catch(() => undefined);
	}

	/**
	 * Sends a request and resolves with the relay's `ok`, or rejects with a RelayError. `onOk` runs
	 * synchronously when the `ok` is read, before any later frame: a promise continuation may run
	 * only after frames that arrived in the same chunk (a sub's entries and its `live`).
	 */
	request(frame: Request, onOk?: (frame: OkFrame) => void): Promise<OkFrame> {
		const socket = this.socket;
		if (!socket || socket.readyState !== 1 || !this.hello) {
			return Promise.reject(new RelayError('CLIENT_OFFLINE', 'not connected to the relay'));
		}
		const id = String(this.nextId++);
		return new Promise<OkFrame>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pending.delete(id);
				reject(new RelayError('CLIENT_TIMEOUT', `no reply to ${frame.t} in time`));
			}, this.options.requestTimeoutMs ?? 15_000);
			this.pending.set(id, onOk ? { resolve, reject, timer, onOk } : { resolve, reject, timer });
			socket.send(JSON.stringify({ ...frame, id }));
		});
	}

	private open(): void {
		this.setState('connecting');
		let socket: WebSocket;
		try {
			socket = new this.WS(this.options.url);
		} catch {
			this.scheduleReconnect();
			return;
		}
		this.socket = socket;
		socket.addEventListener('message', (event) => {
			if (this.socket === socket) this.handle((event as MessageEvent).data);
		});
		const lost = () => {
			if (this.socket !== socket) return;
			this.socket = null;
			this.hello = null;
			this.authed.clear();
			this.dropPending('CLIENT_OFFLINE', 'connection to the relay closed');
			this.scheduleReconnect();
		};
		socket.addEventListener('close', lost);
		// Node 22's WebSocket reports a refused connection with 'error' alone (no 'close'), so an
		// error ends this socket too; whichever event comes first does the work, once.
		socket.addEventListener('error', () => {
			lost();
			try {
				socket.close();
			} catch {
				// already closing
			}
		});
	}

	private scheduleReconnect(): void {
		if (!this.running) return;
		this.setState('offline');
		const delay = backoffDelay(this.attempt, this.backoff, this.options.random);
		this.attempt++;
		this.retryTimer = setTimeout(() => {
			this.retryTimer = null;
			if (this.running) this.open();
		}, delay);
	}

	private handle(raw: unknown): void {
		const parsed = parseRelayFrame(typeof raw === 'string' ? raw : String(raw));
		// A malformed frame from the relay is ignored: acting on it could only help an attacker.
		if (!parsed.ok) return;
		const frame = parsed.frame;
		switch (frame.t) {
			case 'hello':
				this.hello = frame;
				this.batching = true;
				this.clockOffset = frame.time - Date.now();
				void this.resume();
				return;
			case 'ok':
			case 'err': {
				if (frame.re === undefined) return;
				const waiting = this.pending.get(frame.re);
				if (!waiting) return;
				this.pending.delete(frame.re);
				clearTimeout(waiting.timer);
				if (frame.t === 'ok') {
					waiting.onOk?.(frame);
					waiting.resolve(frame);
				}
				else waiting.reject(new RelayError(frame.code, frame.message, frame.head, frame.retry));
				return;
			}
			case 'entry':
				this.entry(frame);
				return;
			case 'entries': {
				// A batch of backlog entries (§9.5): each item exactly its entry frame, in order. An item
				// that is malformed or of another group is ignored like a single malformed frame; the
				// gap check then names the relay for it (§5.4).
				for (const item of frame.items) {
					const entry = parseBatchItem(item, frame.group);
					if (entry) this.entry(entry);
				}
				return;
			}
			case 'live': {
				this.subs.get(frame.group)?.onProgress?.({ head: frame.seq, live: true });
				return;
			}
			case 'banned': {
				this.subs.get(frame.group)?.onBanned?.(frame.keys);
				return;
			}
		}
	}

	/** After a hello: log in every key, resume every subscription, then announce online. */
	private async resume(): Promise<void> {
		const socket = this.socket;
		try {
			for (const key of [...this.keys.keys()]) {
				await this.auth(key).catch((error) =>
					this.refused(error, () => {
						this.keys.delete(key);
						if (error instanceof RelayError && error.code === 'RELAY_BANNED') this.onKeyBanned?.(key);
					})
				);
			}
			for (const sub of [...this.subs.values()]) {
				await this.sendSub(sub).catch((error) =>
					this.refused(error, () => {
						this.subs.delete(sub.group);
						sub.onRefused?.(error);
					})
				);
			}
		} catch {
			// The socket dropped mid-resume (a new hello will retry) or the relay refused: reconnect.
			if (this.socket === socket && socket) socket.close(4000);
			return;
		}
		if (this.socket !== socket) return;
		this.attempt = 0;
		this.setState('online');
		for (const listener of this.onlineListeners) listener();
	}

	private async auth(key: string): Promise<void> {
		const sign = this.keys.get(key);
		if (!sign || !this.hello) return;
		const sig = sign(labelled(LABEL.relayAuth, { challenge: this.hello.challenge, key }));
		await this.request({ t: 'auth', key, sig: toB64(sig) });
		this.authed.add(key);
	}

	private entry(frame: EntryFrame): void {
		const sub = this.subs.get(frame.group);
		// Entries at or below the cursor were already delivered (resubscribe overlap).
		if (!sub || frame.seq <= sub.cursor) return;
		sub.cursor = frame.seq;
		sub.onEntry(frame);
	}

	private async sendSub(sub: Subscription): Promise<void> {
		// The backlog starts at once after the `ok`: announce it before its first entry is handled.
		const ask = (batch: boolean) =>
			this.request({ t: 'sub', group: sub.group, as: sub.as, after: sub.cursor, ...(batch ? { batch: true as const } : {}) }, (ok) => {
				if (ok.head !== undefined) sub.onProgress?.({ head: ok.head, live: false });
				if (ok.banned?.length) sub.onBanned?.(ok.banned);
			});
		try {
			await ask(this.batching);
		} catch (error) {
			// A relay that does not know `batch` (an older one: its schema is strict) refuses the
			// frame naming the field; this connection asks without it from then on (§9.5).
			if (!(this.batching && error instanceof RelayError && error.code === 'RELAY_BAD_FRAME' && /\bbatch\b/.test(error.message))) throw error;
			this.batching = false;
			await ask(false);
		}
	}

	/** A definitive refusal drops the key or subscription; a transport failure aborts the resume. */
	private refused(error: unknown, drop: () => void): void {
		if (error instanceof RelayError && !error.transient) drop();
		else throw error;
	}

	private dropPending(code: TransportCode, message: string): void {
		for (const [id, waiting] of this.pending) {
			clearTimeout(waiting.timer);
			waiting.reject(new RelayError(code, message));
			this.pending.delete(id);
		}
	}

	private setState(state: ConnectionState): void {
		if (this.state === state) return;
		this.state = state;
		for (const listener of this.stateListeners) listener(state);
	}
}
