/**
 * The pinned app (docs/PROTOCOL.md §15). This worker serves only the build it was installed with:
 * at install it fetches /pinned.json, checks that its SHA-256 is the fingerprint written into this
 * file at build time (PIN below, set by bin/pin-build.ts), then fetches every file and the app
 * shell it lists and keeps each only if its hash matches. Afterwards every request for the app is
 * answered from that cache; nothing the server sends later is run unless it arrives as a new
 * worker, which waits until the user accepts it. A file whose hash does not match is never handed
 * to the page, and every open tab is told (the page shows a calm warning).
 *
 * No imports: the worker must stand alone (it is the one file the fingerprint cannot cover, §15.4).
 */
/// <reference lib="webworker" />
const sw = self as unknown as ServiceWorkerGlobalScope;

/** Replaced by bin/pin-build.ts with the build's fingerprint (64 hex digits after the prefix). */
const PIN_MARK = '__UNSEEN_PIN__0000000000000000000000000000000000000000000000000000000000000000';
// Read at run time (a regular expression, which no minifier folds), so the mark survives the build.
const PIN = /^__UNSEEN_PIN__([0-9a-f]{64})$/.exec(PIN_MARK)?.[1] ?? '';
const CACHE = `unseen-pinned-${PIN}`;
const SHELL_KEY = '/__unseen_shell__';
const FORMAT = 'unseen-pinned/1';

interface Pinned {
	format: string;
	version: string;
	shell: { csp: string; sha256: string };
	files: Record<string, string>;
}

/** Headers every page carries (the server's P12 set), restated for the shell this worker serves. */
const SHELL_HEADERS: Record<string, string> = {
	'content-type': 'text/html; charset=utf-8',
	'referrer-policy': 'no-referrer',
	'x-content-type-options': 'nosniff',
	'x-frame-options': 'DENY',
	'cross-origin-opener-policy': 'same-origin',
	'cross-origin-resource-policy': 'same-origin'
};

class Unexpected extends Error {
	constructor(readonly path: string) {
		super(`unexpected content at ${path}`);
	}
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
	return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function fetchExact(path: string): Promise<Response> {
	const response = await fetch(path, { cache: 'no-store', credentials: 'same-origin', redirect: 'error' });
	if (!response.ok) throw new Error(`${path}: ${response.status}`);
	return response;
}

/** Fetches a listed file and keeps it only if its SHA-256 is the one the manifest names. */
async function fetchVerified(path: string, expected: string): Promise<Response> {
	const response = await fetchExact(path);
	const bytes = await response.arrayBuffer();
	if ((await sha256Hex(bytes)) !== expected) throw new Unexpected(path);
	const headers = new Headers();
	for (const name of ['content-type', 'content-security-policy', 'x-content-type-options']) {
		const value = response.headers.get(name);
		if (value) headers.set(name, value);
	}
	return new Response(bytes, { status: 200, headers });
}

async function readPinned(): Promise<Pinned> {
	const bytes = await (await fetchExact('/pinned.json')).arrayBuffer();
	if ((await sha256Hex(bytes)) !== PIN) throw new Unexpected('/pinned.json');
	const pinned = JSON.parse(new TextDecoder().decode(bytes)) as Pinned;
	if (pinned.format !== FORMAT) throw new Unexpected('/pinned.json');
	return pinned;
}

let pinnedCopy: Promise<Pinned> | undefined;
/** The installed manifest (kept in the cache beside the files it lists). */
function installedPinned(): Promise<Pinned> {
	return (pinnedCopy ??= (async () => {
		const cache = await caches.open(CACHE);
		const stored = await cache.match('/pinned.json');
		if (!stored) throw new Error('not installed');
		return (await stored.json()) as Pinned;
	})().catch((error: unknown) => {
		pinnedCopy = undefined;
		throw error;
	}));
}

async function tellPages(message: Record<string, unknown>): Promise<void> {
	const pages = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
	for (const page of pages) page.postMessage({ ...message, fingerprint: PIN });
}

async function install(): Promise<void> {
	const cache = await caches.open(CACHE);
	try {
		const pinned = await readPinned();
		const shell = await fetchExact('/');
		const shellBytes = await shell.arrayBuffer();
		if ((await sha256Hex(shellBytes)) !== pinned.shell.sha256) throw new Unexpected('/');
		await cache.put(
			SHELL_KEY,
			new Response(shellBytes, { headers: { ...SHELL_HEADERS, 'content-security-policy': pinned.shell.csp, 'cache-control': 'no-store' } })
		);
		const entries = Object.entries(pinned.files);
		// A few at a time: a phone on a slow line should not open fifty connections at once.
		for (let i = 0; i < entries.length; i += 8) {
			const batch = entries.slice(i, i + 8);
			const responses = await Promise.all(batch.map(([path, hash]) => fetchVerified(path, hash)));
			await Promise.all(batch.map(([path], j) => cache.put(path, responses[j]!)));
		}
		await cache.put('/pinned.json', new Response(JSON.stringify(pinned), { headers: { 'content-type': 'application/json' } }));
	} catch (error) {
		await caches.delete(CACHE);
		if (error instanceof Unexpected) await tellPages({ type: 'unseen-unexpected', path: error.path });
		throw error;
	}
}

sw.addEventListener('install', (event) => {
	// No skipWaiting here: a new build waits until the user accepts it (the page sends 'activate').
	event.waitUntil(install());
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		(async () => {
			for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
			await sw.clients.claim();
		})()
	);
});

sw.addEventListener('message', (event) => {
	const data = event.data as { type?: string } | null;
	if (data?.type === 'unseen-fingerprint') {
		event.ports[0]?.postMessage({ fingerprint: PIN });
	} else if (data?.type === 'unseen-activate') {
		void sw.skipWaiting();
	}
});

/** The refusal a page gets instead of a file that does not match: never runnable, never styled. */
function refused(): Response {
	return new Response('This file does not match the installed version of Unseen.', {
		status: 502,
		headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }
	});
}

async function answer(request: Request, path: string): Promise<Response> {
	const cache = await caches.open(CACHE);
	let pinned: Pinned;
	try {
		pinned = await installedPinned();
	} catch {
		// Not (or no longer) installed, e.g. the browser cleared the cache: the network, as before installing.
		return fetch(request);
	}
	const expected = pinned.files[path];
	if (expected) {
		const kept = await cache.match(path);
		if (kept) return kept;
		// Evicted: fetch it again, but only the bytes this build names.
		try {
			const fresh = await fetchVerified(path, expected);
			await cache.put(path, fresh.clone());
			return fresh;
		} catch (error) {
			if (error instanceof Unexpected) {
				await tellPages({ type: 'unseen-unexpected', path });
				return refused();
			}
			throw error;
		}
	}
	if (request.mode === 'navigate') {
		const shell = await cache.match(SHELL_KEY);
		if (shell) return shell;
		return fetch(request);
	}
	// Scripts, styles, workers and the like that this build does not list are never run.
	if (request.destination !== '') return refused();
	return fetch(request);
}

sw.addEventListener('fetch', (event) => {
	const request = event.request;
	if (request.method !== 'GET') return;
	const url = new URL(request.url);
	if (url.origin !== sw.location.origin) return;
	if (url.pathname === '/healthz' || url.pathname === '/relay' || url.pathname === '/pinned.json' || url.pathname === '/service-worker.js') return;
	event.respondWith(answer(request, url.pathname));
});
