/**
 * HTTP side of the one-port server: security headers on every response (P12), then the built
 * SvelteKit app (adapter-node's handler) when present. HTML pages keep SvelteKit's own hashed
 * Content-Security-Policy (configured in vite.config.ts); every other response gets a strict
 * fallback policy unless it already carries one.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Handler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
	'Referrer-Policy': 'no-referrer',
	'X-Content-Type-Options': 'nosniff',
	'X-Frame-Options': 'DENY',
	'Cross-Origin-Opener-Policy': 'same-origin',
	'Cross-Origin-Resource-Policy': 'same-origin',
	'Permissions-Policy':
		'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), browsing-topics=()'
};

/** For responses that are not pages: nothing may load, nothing may frame it. */
export const FALLBACK_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** Static HTML files (the neutral quick-exit page): their own stylesheet and images, nothing else. */
export const STATIC_HTML_CSP =
	"default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** Scripts may start workers, whose policy comes from the script's own response. */
export const SCRIPT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The built app; APP_BUILD_DIR serves another copy (the pinned-app tests serve a changed build). */
const BUILD_DIR = process.env.APP_BUILD_DIR ?? join(import.meta.dirname, '..', 'build');
export const BUILD_HANDLER = join(BUILD_DIR, 'handler.js');

/**
 * The pinned-app files (docs/PROTOCOL.md §15) are written after the adapter recorded its file
 * table (bin/pin-build.ts), so they are served here, read fresh on each request: the service
 * worker and the manifest whose SHA-256 is its fingerprint. Never cached by the browser.
 */
const PINNED_FILES: Readonly<Record<string, string>> = { '/pinned.json': 'application/json', '/service-worker.js': 'text/javascript; charset=utf-8' };

function servePinned(path: string, res: ServerResponse): boolean {
	const type = PINNED_FILES[path];
	if (!type) return false;
	let body: Buffer;
	try {
		body = readFileSync(join(BUILD_DIR, 'client', path));
	} catch {
		return false;
	}
	res.setHeader('Content-Type', type);
	res.setHeader('Cache-Control', 'no-cache');
	res.end(body);
	return true;
}

function headerValue(headers: OutgoingHttpHeaders | undefined, res: ServerResponse, name: string): string {
	const fromArgs = headers && Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
	return String(fromArgs ?? res.getHeader(name) ?? '');
}

/** Adds the fallback CSP at the last moment, when the response's own headers are known. */
function withFallbackCsp(res: ServerResponse): void {
	const writeHead = res.writeHead;
	res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
		const headers = rest.find((a) => a && typeof a === 'object' && !Array.isArray(a)) as OutgoingHttpHeaders | undefined;
		// A 304's headers update the cached response's: never overwrite a page's own policy.
		if (status !== 304 && !headerValue(headers, res, 'content-security-policy')) {
			const type = headerValue(headers, res, 'content-type');
			const policy = /javascript/.test(type) ? SCRIPT_CSP : /^text\/html/.test(type) ? STATIC_HTML_CSP : FALLBACK_CSP;
			res.setHeader('Content-Security-Policy', policy);
		}
		return writeHead.call(this, status, ...(rest as []));
	} as typeof res.writeHead;
}

function notFound(res: ServerResponse): void {
	res.statusCode = 404;
	res.setHeader('Content-Type', 'text/plain; charset=utf-8');
	res.end('Not found');
}

/** Loads the app handler when wanted and built; null means "relay and headers only". */
export async function loadAppHandler(app: boolean): Promise<Handler | null> {
	if (!app || !existsSync(BUILD_HANDLER)) return null;
	const module = (await import(pathToFileURL(BUILD_HANDLER).href)) as { handler: Handler };
	return module.handler;
}

/** The neutral page quick exit opens (src/lib/ui/quick-exit.ts NEUTRAL_PAGE); redirected when the deployment chose another. */
export const QUICK_EXIT_PATH = '/weather.html';

export function requestListener(app: Handler | null, quickExitUrl: string | null = null): (req: IncomingMessage, res: ServerResponse) => void {
	return (req, res) => {
		for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
		withFallbackCsp(res);
		if (quickExitUrl && (req.url ?? '').split('?')[0] === QUICK_EXIT_PATH) {
			// A plain redirect (never cached: the deployment may change it), so the tab shows another site.
			res.statusCode = 302;
			res.setHeader('Location', quickExitUrl);
			res.setHeader('Cache-Control', 'no-store');
			return void res.end();
		}
		if (req.url === '/healthz') {
			res.setHeader('Content-Type', 'text/plain; charset=utf-8');
			res.setHeader('Cache-Control', 'no-store');
			return void res.end('ok');
		}
		if (!app) return notFound(res);
		if (req.method === 'GET' && servePinned(new URL(req.url ?? '/', 'http://x').pathname, res)) return;
		try {
			app(req, res, () => notFound(res));
		} catch {
			if (!res.headersSent) {
				res.statusCode = 500;
				res.end('Internal error');
			} else {
				res.destroy();
			}
		}
	};
}
