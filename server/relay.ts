/**
 * The WebSocket relay (docs/PROTOCOL.md §9): accepts upgrades on /relay, greets with a
 * challenge, parses every frame with the shared schema and dispatches it. Every failure is an
 * `err` frame with a stable code; nothing a peer sends can crash the process, and nothing about
 * the peer (address, user agent) or its content is logged: only counts and codes.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isProtocolError } from '../src/lib/core/errors.ts';
import { parseClientFrame, type ClientFrame, type RelayErrorCode } from '../src/lib/protocol/wire.ts';
import type { ServerConfig } from './config.ts';
import { Connection } from './connection.ts';
import { RelayError } from './errors.ts';
import { GroupCommit } from './group-commit.ts';
import { GroupLog } from './groups.ts';
import { KeyedBuckets } from './rate-limit.ts';
import * as requests from './requests.ts';
import type { RelayStore } from './store.ts';

export const RELAY_PATH = '/relay';
/** How often a relay on a shared store re-registers and counts the processes alive (§14.5). */
const PEER_INTERVAL_MS = 5_000;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const CLOSE_GOING_AWAY = 1001;
/** A connection where a key the service just banned was logged in (§9.8b). */
const CLOSE_BANNED = 4003;

export interface RelayStats {
	connections: number;
	frames: number;
	errors: Partial<Record<RelayErrorCode, number>>;
}

export class Relay {
	readonly config: ServerConfig;
	readonly store: RelayStore;
	readonly writer: GroupCommit;
	readonly stats: RelayStats = { connections: 0, frames: 0, errors: {} };
	groups!: GroupLog;
	#ctx!: requests.RequestContext;
	readonly #wss: WebSocketServer;
	/** Every open connection, by its socket (the shared socket listeners find theirs here). */
	readonly #connections = new Map<WebSocket, Connection>();
	/** Socket listeners shared by every connection (`this` is the socket): no closures per connection. */
	readonly #listeners: {
		message: (this: WebSocket, data: RawData, isBinary: boolean) => void;
		pong: (this: WebSocket) => void;
		error: (this: WebSocket, error: Error & { code?: string }) => void;
		close: (this: WebSocket) => void;
	};
	readonly #keyBuckets: KeyedBuckets;
	/** A pair's stamp checks (§9.7 `via`), per moderator key: a budget of their own, apart from appends. */
	readonly #pairVerifyBuckets: KeyedBuckets;
	#heartbeat: NodeJS.Timeout | undefined;
	#peerTimer: NodeJS.Timeout | undefined;
	readonly #id = randomUUID();
	/** Relay processes sharing the store, this one included (1 on LevelDB). */
	peers = 1;
	#closing = false;

	constructor(config: ServerConfig, store: RelayStore) {
		this.config = config;
		this.store = store;
		this.writer = new GroupCommit(store);
		this.#keyBuckets = new KeyedBuckets(config.keyRate);
		this.#pairVerifyBuckets = new KeyedBuckets(config.keyRate);
		// UTF-8 is checked here rather than by ws, which would close the socket (1007): a bad
		// frame gets RELAY_BAD_FRAME and the connection stays open (§9.1).
		this.#wss = new WebSocketServer({
			noServer: true,
			maxPayload: config.maxPayload,
			perMessageDeflate: false,
			clientTracking: false,
			skipUTF8Validation: true
		});
		const connections = this.#connections;
		const relay = this;
		this.#listeners = {
			message(data, isBinary) {
				const conn = connections.get(this);
				if (conn) relay.#onMessage(conn, data, isBinary);
			},
			pong() {
				const conn = connections.get(this);
				if (conn) conn.alive = true;
			},
			// Oversized frames (1009) and protocol errors end up here; ws closes the socket itself.
			error(error) {
				relay.#count(error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'RELAY_TOO_LARGE' : 'RELAY_BAD_FRAME');
			},
			close() {
				connections.get(this)?.dispose();
				connections.delete(this);
			}
		};
	}

	async start(): Promise<void> {
		const stampSecret = await this.store.secret('stamp');
		this.groups = new GroupLog(this.store, this.writer, stampSecret, this.config.now, undefined, this.config.opsPerHour, this.config.rekeysPerHour);
		this.#ctx = {
			config: this.config,
			store: this.store,
			groups: this.groups,
			stampSecret,
			now: this.config.now,
			banned: await this.#readBans(),
			onBan: (key) => this.#logOut(key)
		};
		// Several relay processes on one store (PROTOCOL §14): fan-out follows the store's feed,
		// and the per-key budget is shared among the processes alive (§14.5).
		await this.groups.follow();
		if (this.store.peers) {
			await this.#countPeers();
			this.#peerTimer = setInterval(() => void this.#countPeers(), PEER_INTERVAL_MS);
			this.#peerTimer.unref();
		}
		this.#heartbeat = setInterval(() => this.#beat(), this.config.heartbeatMs);
		this.#heartbeat.unref();
	}

	/** HTTP `upgrade` listener: only /relay, only from an allowed Origin. */
	handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
		const reject = (status: number, text: string) => {
			socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
		};
		const path = (req.url ?? '').split('?')[0];
		if (path !== RELAY_PATH) return reject(404, 'Not Found');
		if (this.#closing) return reject(503, 'Service Unavailable');
		if (!this.#originAllowed(req)) return reject(403, 'Forbidden');
		this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
	}

	get connectionCount(): number {
		return this.#connections.size;
	}

	/** Stops taking frames, lets pending writes reach the disk, then closes every socket. */
	async close(): Promise<void> {
		this.#closing = true;
		clearInterval(this.#heartbeat);
		clearInterval(this.#peerTimer);
		await this.writer.drain();
		await this.store.leave?.(this.#id).catch(() => undefined);
		for (const conn of this.#connections.values()) conn.close(CLOSE_GOING_AWAY, 'relay shutting down');
		await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
	}

	#originAllowed(req: IncomingMessage): boolean {
		const origin = req.headers.origin;
		// Browsers always send Origin; non-browser clients could forge it anyway.
		if (origin === undefined) return true;
		if (this.config.allowedOrigins) return this.config.allowedOrigins.includes(origin);
		try {
			return new URL(origin).host === req.headers.host;
		} catch {
			return false;
		}
	}

	#accept(ws: WebSocket): void {
		// The connection closes itself if no key is proven within authTimeoutMs (Connection.prove).
		const conn = new Connection(ws, this.config, this.config.now());
		this.#connections.set(ws, conn);
		this.stats.connections++;
		const on = this.#listeners;
		ws.on('pong', on.pong);
		ws.on('message', on.message);
		ws.on('error', on.error);
		ws.on('close', on.close);
		const moderator = this.config.moderator ?? undefined;
		conn.send(
			JSON.stringify({
				t: 'hello',
				v: 1,
				challenge: conn.challenge,
				time: this.config.now(),
				limits: { maxPayload: this.config.maxPayload, maxKeys: this.config.maxKeys },
				moderator
			})
		);
	}

	#onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
		this.stats.frames++;
		const now = this.config.now();
		if (isBinary) return this.#fail(conn, 'RELAY_BAD_FRAME', 'frames are UTF-8 JSON text');
		let text: string;
		try {
			text = utf8.decode(data as Buffer);
		} catch {
			return this.#fail(conn, 'RELAY_BAD_FRAME', 'frame is not valid UTF-8');
		}
		if (!conn.bucket.take(now)) return this.#fail(conn, 'RELAY_RATE_LIMITED', 'too many frames on this connection', requestId(text));
		if (this.#closing) return this.#fail(conn, 'RELAY_SHUTTING_DOWN', 'the relay is stopping; reconnect', requestId(text));
		const parsed = parseClientFrame(text);
		if (!parsed.ok) return this.#fail(conn, parsed.code, parsed.message, requestId(text));
		const frame = parsed.frame;
		if (frame.t === 'append') {
			const author = 'op' in frame.entry ? frame.entry.op.author : frame.entry.msg.sender;
			// Checked in this turn (no await before the append): appends keep their order (§9.8b).
			if (this.#ctx.banned.has(author)) return this.#fail(conn, 'RELAY_BANNED', 'the service has removed this key', frame.id);
			// Only a key proven on this connection is charged: nobody can drain another's budget.
			if (conn.keys.has(author) && !this.#keyBuckets.take(author, now)) {
				return this.#fail(conn, 'RELAY_RATE_LIMITED', 'too many appends for this key', frame.id);
			}
		}
		// A pair's stamp checks are charged to the asking key, once it is proven here (§9.7).
		if (frame.t === 'verify' && (frame.via !== undefined || frame.s !== undefined) && conn.keys.has(frame.as) && !this.#pairVerifyBuckets.take(frame.as, now)) {
			return this.#fail(conn, 'RELAY_RATE_LIMITED', 'too many stamp checks for this key', frame.id);
		}
		this.#dispatch(conn, frame).catch((error: unknown) => this.#onError(conn, frame.id, error));
	}

	async #dispatch(conn: Connection, frame: ClientFrame): Promise<void> {
		const ctx = this.#ctx;
		switch (frame.t) {
			case 'auth':
				return requests.handleAuth(ctx, conn, frame);
			case 'append':
				return this.groups.append({ group: frame.group, mid: frame.mid, entry: frame.entry, keys: conn.keys }, (error, result) => {
					if (error) return this.#onError(conn, frame.id, error);
					conn.send(JSON.stringify({ t: 'ok', re: frame.id, ...result }));
				});
			case 'sub':
				return requests.handleSub(ctx, conn, frame);
			case 'unsub':
				return requests.handleUnsub(conn, frame);
			case 'invite':
				return requests.handleInvite(ctx, conn, frame);
			case 'verify':
				return requests.handleVerify(ctx, conn, frame);
			case 'report':
				return requests.handleReport(ctx, conn, frame);
			case 'reports':
				return requests.handleReports(ctx, conn, frame);
			case 'erase':
				return requests.handleErase(ctx, conn, frame);
			case 'ban':
				return requests.handleBan(ctx, conn, frame);
			case 'bans':
				return requests.handleBans(ctx, conn, frame);
		}
	}

	#onError(conn: Connection, re: string, error: unknown): void {
		if (error instanceof RelayError) return this.#fail(conn, error.code, error.message, re, error.head, error.retry);
		if (isProtocolError(error)) return this.#fail(conn, 'RELAY_BAD_FRAME', error.message, re);
		if ((error as { code?: string })?.code === 'RELAY_STORAGE_FULL') {
			return this.#fail(conn, 'RELAY_STORAGE_FULL', 'the relay could not store this; nothing was stored', re);
		}
		if ((error as { code?: string })?.code === 'RELAY_STORAGE_UNAVAILABLE') {
			return this.#fail(conn, 'RELAY_STORAGE_UNAVAILABLE', 'the relay cannot reach its storage right now; try again shortly', re);
		}
		// Only the error's class name: library messages may quote keys or paths.
		this.config.log(`relay: internal error ${(error as Error)?.name ?? typeof error}`);
		this.#fail(conn, 'RELAY_INTERNAL', 'unexpected relay failure', re);
	}

	#fail(conn: Connection, code: RelayErrorCode, message: string, re?: string, head?: string, retry?: number): void {
		this.#count(code);
		conn.error(code, message, re, head, retry);
	}

	#count(code: RelayErrorCode): void {
		this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
	}

	async #countPeers(): Promise<void> {
		try {
			this.peers = await this.store.peers!(this.#id);
			this.#keyBuckets.share(this.peers);
			this.#pairVerifyBuckets.share(this.peers);
			// Bans stored by another process sharing the store (§9.8b, §14.5).
			const banned = await this.#readBans();
			for (const key of banned) if (!this.#ctx.banned.has(key)) this.#logOut(key);
			this.#ctx.banned = banned;
		} catch {
			// Storage away: keep the last count; appends are refused meanwhile anyway.
		}
	}

	async #readBans(): Promise<Set<string>> {
		return new Set((await this.store.listBans()).filter((b) => b.banned).map((b) => b.key));
	}

	/** A banned key leaves every connection: its subscriptions close, its appends need a login it cannot get. */
	#logOut(key: string): void {
		const watching: [Connection, string][] = [];
		for (const conn of this.#connections.values()) {
			const had = conn.keys.delete(key);
			// The banned client reconnects, and its login is refused with RELAY_BANNED: it learns it.
			if (had) {
				conn.close(CLOSE_BANNED, 'key banned by the service');
				continue;
			}
			for (const group of conn.subscribedGroups()) watching.push([conn, group]);
		}
		void this.#tellMembers(key, watching).catch(() => undefined);
	}

	/** The other subscribers of the banned key's groups learn it at once, as they would at their next `sub` (§9.8b). */
	async #tellMembers(key: string, watching: [Connection, string][]): Promise<void> {
		const member = new Map<string, boolean>();
		for (const [conn, group] of watching) {
			if (!member.has(group)) {
				const found = await this.groups.committedState(group);
				member.set(group, !!found && Object.hasOwn(found.state.members, key));
			}
			if (member.get(group) && !conn.closed) conn.send(JSON.stringify({ t: 'banned', group, keys: [key] }));
		}
	}

	#beat(): void {
		this.#keyBuckets.prune(this.config.now());
		this.#pairVerifyBuckets.prune(this.config.now());
		for (const conn of this.#connections.values()) {
			if (!conn.alive) {
				conn.ws.terminate();
				continue;
			}
			conn.alive = false;
			conn.ws.ping();
		}
	}
}

/** The request id of a frame that failed before parsing, when it has a usable one. */
function requestId(text: string): string | undefined {
	try {
		const id = (JSON.parse(text) as { id?: unknown })?.id;
		return typeof id === 'string' && id.length >= 1 && id.length <= 64 ? id : undefined;
	} catch {
		return undefined;
	}
}
