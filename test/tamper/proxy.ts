/**
 * A tampering relay for the malicious-relay tests (SECURITY.md): a WebSocket man-in-the-middle
 * in front of the real relay. Every client connects to the proxy with `?who=<name>`; the proxy
 * opens its own connection to the relay and passes frames both ways through hooks that may
 * rewrite, drop, hold back, duplicate or inject frames for that one client. The real client code
 * runs unchanged against it, so a passing attack test shows what a modified relay could do.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';

/** A frame as parsed JSON; hooks may return it changed, several frames, or none. */
export type Frame = Record<string, unknown> & { t: string };

export interface Link {
	who: string;
	/** Sends a frame to the client as if it came from the relay. */
	toClient(frame: Frame): void;
	/** Sends a frame to the relay as if it came from the client. */
	toRelay(frame: Frame): void;
	/** Drops the connection both ways, as a network failure would. */
	close(): void;
}

/** Returns the frames to forward instead of `frame` (`[frame]` = pass through, `[]` = drop). */
export type Hook = (frame: Frame, link: Link) => Frame[];

export interface TamperProxy {
	/** http:// origin of the proxy when it also serves the app (`options.app`); '' otherwise. */
	origin: string;
	/** ws:// URL a client named `who` connects to. */
	url(who: string): string;
	/** Hook for frames going from the relay to `who` ('*' = every client). */
	onDown(who: string, hook: Hook | null): void;
	/** Hook for frames going from `who` to the relay. */
	onUp(who: string, hook: Hook | null): void;
	/** Every frame the relay sent down, in order, per client (as parsed before hooks). */
	seen(who: string): Frame[];
	/** Every frame a client sent up, per client (before hooks). */
	sent(who: string): Frame[];
	links(who: string): Link[];
	close(): Promise<void>;
}

/**
 * `options.app`: also pass plain HTTP through to this origin (the real server), so that a browser
 * loads the app from the proxy and its same-origin socket (`/relay`) goes through the hooks. Such
 * clients carry no `?who=` and are all named 'anon'. The relay sees `options.app` as the Origin.
 */
export async function startTamperProxy(relayUrl: string, options: { app?: string } = {}): Promise<TamperProxy> {
	let web: Server | null = null;
	let server: WebSocketServer;
	if (options.app) {
		const target = new URL(options.app);
		web = createServer((req, res) => {
			const upstream = httpRequest({ host: target.hostname === 'localhost' ? '127.0.0.1' : target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			});
			upstream.on('error', () => res.writeHead(502).end());
			req.pipe(upstream);
		});
		server = new WebSocketServer({ server: web, path: '/relay' });
		await new Promise<void>((resolve) => web!.listen(0, '127.0.0.1', () => resolve()));
	} else {
		server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
		await new Promise<void>((resolve) => server.once('listening', () => resolve()));
	}
	const port = ((web ?? server).address() as AddressInfo).port;
	const down = new Map<string, Hook>();
	const up = new Map<string, Hook>();
	const seenDown = new Map<string, Frame[]>();
	const seenUp = new Map<string, Frame[]>();
	const allLinks = new Map<string, Link[]>();
	const sockets = new Set<WebSocket>();

	const log = (map: Map<string, Frame[]>, who: string, frame: Frame) => {
		let list = map.get(who);
		if (!list) map.set(who, (list = []));
		list.push(frame);
	};

	server.on('connection', (client, request) => {
		const who = new URL(request.url ?? '/', 'http://proxy').searchParams.get('who') ?? 'anon';
		const relay = new WebSocket(relayUrl, options.app ? { origin: new URL(options.app).origin } : {});
		sockets.add(client);
		sockets.add(relay);
		const queued: string[] = [];
		const link: Link = {
			who,
			toClient: (frame) => {
				if (client.readyState === WebSocket.OPEN) client.send(JSON.stringify(frame));
			},
			toRelay: (frame) => {
				const text = JSON.stringify(frame);
				if (relay.readyState === WebSocket.OPEN) relay.send(text);
				else queued.push(text);
			},
			close: () => {
				client.terminate();
				relay.terminate();
			}
		};
		allLinks.set(who, [...(allLinks.get(who) ?? []), link]);
		relay.on('open', () => {
			for (const text of queued.splice(0)) relay.send(text);
		});
		relay.on('message', (data) => {
			const parsed = JSON.parse(String(data)) as Frame;
			const hook = down.get(who) ?? down.get('*');
			const pass = (frame: Frame): Frame[] => {
				log(seenDown, who, frame);
				return hook ? hook(frame, link) : [frame];
			};
			if (parsed.t !== 'entries' || !Array.isArray(parsed.items)) {
				for (const out of pass(parsed)) link.toClient(out);
				return;
			}
			// A batch of backlog entries (§9.5): every hook sees (and may drop, change, reorder or
			// add to) each entry as a single frame, as before; what comes out goes to the client as
			// a batch again when it is only entries of the batch's group, so the client's batch path
			// is what the tampering tests attack, else frame by frame in order.
			const out = (parsed.items as Frame[]).flatMap(pass);
			if (out.length > 0 && out.every((f) => f.t === 'entry' && f.group === parsed.group)) link.toClient({ ...parsed, items: out });
			else for (const f of out) link.toClient(f);
		});
		client.on('message', (data) => {
			const frame = JSON.parse(String(data)) as Frame;
			log(seenUp, who, frame);
			const hook = up.get(who) ?? up.get('*');
			for (const out of hook ? hook(frame, link) : [frame]) link.toRelay(out);
		});
		const closeBoth = () => {
			client.close();
			relay.close();
		};
		relay.on('close', closeBoth);
		client.on('close', closeBoth);
		relay.on('error', closeBoth);
		client.on('error', closeBoth);
	});

	return {
		origin: web ? `http://127.0.0.1:${port}` : '',
		url: (who) => `ws://127.0.0.1:${port}/relay?who=${encodeURIComponent(who)}`,
		onDown: (who, hook) => void (hook ? down.set(who, hook) : down.delete(who)),
		onUp: (who, hook) => void (hook ? up.set(who, hook) : up.delete(who)),
		seen: (who) => seenDown.get(who) ?? [],
		sent: (who) => seenUp.get(who) ?? [],
		links: (who) => allLinks.get(who) ?? [],
		close: async () => {
			for (const socket of sockets) socket.terminate();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			if (web) {
				web.closeAllConnections();
				await new Promise<void>((resolve) => web!.close(() => resolve()));
			}
		}
	};
}
