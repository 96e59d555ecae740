/**
 * The client's connections to the relay (docs/PROTOCOL.md §9.1, property P9). One WebSocket per
 * group identity, so that no connection ever authenticates two pseudonyms of this device and the
 * relay cannot link a person's groups by their login; a keyless home connection only while the
 * device is in no group (the relay's hello, and "online" means something); and a fresh
 * short-lived connection for each request that must
 * not be tied to a pseudonym: invite fetches and reports (keyless), and a moderator's stamp
 * checks (the moderator's key of that group only). Each connection draws its own reconnect
 * delays with full jitter, so after a relay restart they do not come back in step.
 * The UI sees one aggregate state: online when every connection is online (what the user needs:
 * every group can send), connecting while any is on its way, offline otherwise.
 */
import type { ConnectionState } from './api.ts';
import { Connection, RelayError, type ConnectionOptions, type Signer } from './connection.ts';

/** Full jitter: a delay anywhere between 0 and the exponential step, per connection. */
const POOL_JITTER = 1;
/** How long a short-lived connection may take to say hello before its request fails. */
const ONCE_TIMEOUT_MS = 15_000;

export class ConnectionPool {
	/** The keyless connection, open only while no group identity has one of its own. */
	readonly home: Connection;
	readonly #options: ConnectionOptions;
	readonly #byKey = new Map<string, Connection>();
	/** Never started: stands in for a key with no connection. */
	readonly #offline: Connection;
	readonly #stateListeners = new Set<(state: ConnectionState) => void>();
	readonly #onlineListeners = new Set<(key: string | null) => void>();
	/** Called when the relay refuses a key's login because the service banned it (§9.8b). */
	onKeyBanned: ((key: string) => void) | null = null;
	#running = false;
	#state: ConnectionState = 'offline';

	constructor(options: ConnectionOptions) {
		this.#options = { ...options, backoff: { jitter: POOL_JITTER, ...options.backoff } };
		this.home = this.#make(null);
		this.#offline = new Connection(this.#options);
	}

	get state(): ConnectionState {
		return this.#state;
	}

	/** The latest hello of a connection that is online (every connection gets the same relay's). */
	get hello() {
		return this.#source()?.hello ?? null;
	}

	/** Relay clock minus ours (ms), from the hello of a connection that is online. */
	get clockOffset(): number {
		return this.#source()?.clockOffset ?? 0;
	}

	onState(listener: (state: ConnectionState) => void): () => void {
		this.#stateListeners.add(listener);
		return () => this.#stateListeners.delete(listener);
	}

	/** Fires when one connection is (back) online: with its key, or null for the home connection. */
	onOnline(listener: (key: string | null) => void): () => void {
		this.#onlineListeners.add(listener);
		return () => this.#onlineListeners.delete(listener);
	}

	start(): void {
		if (this.#running) return;
		this.#running = true;
		for (const conn of this.#open()) conn.start();
	}

	stop(): void {
		this.#running = false;
		this.home.stop();
		for (const conn of this.#byKey.values()) conn.stop();
		this.#update();
	}

	/** The connection that logs in as `key` alone; created (and started if running) on first use. */
	addKey(key: string, sign: Signer): Connection {
		let conn = this.#byKey.get(key);
		if (!conn) {
			conn = this.#make(key);
			this.#byKey.set(key, conn);
			void conn.addKey(key, sign);
			if (this.#running) conn.start();
			// The group's own connection takes over: a keyless one would only be closed by the relay.
			this.home.stop();
			this.#update();
		}
		return conn;
	}

	hasKey(key: string): boolean {
		return this.#byKey.has(key);
	}

	/** The connection of `key`; a key never added gets a stopped one, whose requests fail CLIENT_OFFLINE. */
	of(key: string): Connection {
		return this.#byKey.get(key) ?? this.#offline;
	}

	/** Closes and forgets the connection of `key` (the group was left, removed or locked). */
	removeKey(key: string): void {
		const conn = this.#byKey.get(key);
		if (!conn) return;
		this.#byKey.delete(key);
		conn.stop();
		if (this.#running && this.#byKey.size === 0) this.home.start();
		this.#update();
	}

	/** Resolves once the connection of `key` is online, or after `timeoutMs` (its requests then fail). */
	ready(key: string, timeoutMs = ONCE_TIMEOUT_MS): Promise<void> {
		const conn = this.#byKey.get(key);
		return conn ? whenOnline(conn, timeoutMs).catch(() => undefined) : Promise.resolve();
	}

	/**
	 * Runs `use` on a fresh connection that lives only for it: with no key, or logged in as
	 * `as` alone. The connection is closed afterwards, whatever happens.
	 */
	async once<T>(use: (conn: Connection) => Promise<T>, as?: { key: string; sign: Signer }): Promise<T> {
		// Offline (no connection is up or on its way up): fail at once, as a request would. While one
		// is connecting (a group's connection just closed and the home one is coming up), try.
		if (!this.#running || (!this.#source() && this.#state === 'offline')) throw new RelayError('CLIENT_OFFLINE', 'not connected to the relay');
		const conn = new Connection(this.#options);
		try {
			if (as) void conn.addKey(as.key, as.sign);
			conn.start();
			await whenOnline(conn, this.#options.requestTimeoutMs ?? ONCE_TIMEOUT_MS);
			return await use(conn);
		} finally {
			conn.stop();
		}
	}

	#make(key: string | null): Connection {
		const conn = new Connection(this.#options);
		conn.onKeyBanned = (banned) => this.onKeyBanned?.(banned);
		conn.onState(() => this.#update());
		conn.onOnline(() => {
			for (const listener of this.#onlineListeners) listener(key);
		});
		return conn;
	}

	/** The connections that should be open: one per key, or the home connection when there is none. */
	#open(): Connection[] {
		return this.#byKey.size > 0 ? [...this.#byKey.values()] : [this.home];
	}

	#source(): Connection | undefined {
		return [this.home, ...this.#byKey.values()].find((c) => c.state === 'online' && c.hello);
	}

	#update(): void {
		const states = this.#open().map((c) => c.state);
		const state: ConnectionState = !this.#running ? 'offline' : states.every((s) => s === 'online') ? 'online' : states.includes('connecting') ? 'connecting' : 'offline';
		if (state === this.#state) return;
		this.#state = state;
		for (const listener of this.#stateListeners) listener(state);
	}
}

function whenOnline(conn: Connection, timeoutMs: number): Promise<void> {
	if (conn.state === 'online') return Promise.resolve();
	return new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => {
			off();
			reject(new RelayError('CLIENT_TIMEOUT', 'the relay did not answer in time'));
		}, timeoutMs);
		const off = conn.onOnline(() => {
			clearTimeout(timer);
			off();
			resolve();
		});
	});
}
