/**
 * Pins a build (docs/PROTOCOL.md §15): writes build/client/pinned.json (every file the browser may
 * load, with its SHA-256, plus the app shell and its Content-Security-Policy), writes the
 * fingerprint (SHA-256 of pinned.json's exact bytes) into the service worker, and prints it.
 * Run by `npm run build` after `vite build`; `node bin/pin-build.ts [buildDir]` pins another copy.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

export const FORMAT = 'unseen-pinned/1';
const WORKER = 'service-worker.js';
const MANIFEST = 'pinned.json';
const PIN_PATTERN = /__UNSEEN_PIN__[0-9a-f]{64}/g;

export interface Pinned {
	format: typeof FORMAT;
	version: string;
	shell: { csp: string; sha256: string };
	files: Record<string, string>;
}

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

function walk(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = join(dir, entry.name);
		return entry.isDirectory() ? walk(full) : [full];
	});
}

/** The exact bytes of pinned.json: keys in a fixed order, files sorted by path, no spaces. */
export function encodePinned(pinned: Pinned): string {
	const files = Object.fromEntries(Object.entries(pinned.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
	return JSON.stringify({ format: pinned.format, version: pinned.version, shell: { csp: pinned.shell.csp, sha256: pinned.shell.sha256 }, files });
}

/** Groups of four hex digits, as Settings → About shows it. */
export function formatFingerprint(hex: string): string {
	return hex.match(/.{1,4}/g)!.join(' ');
}

/** The app shell ("/") and its policy, exactly as this build's server renders them. */
async function renderShell(buildDir: string): Promise<{ body: Buffer; csp: string }> {
	const { handler } = (await import(pathToFileURL(join(buildDir, 'handler.js')).href)) as {
		handler: (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
	};
	const server = createServer((req, res) => handler(req, res, () => res.writeHead(404).end()));
	await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
	try {
		const { port } = server.address() as AddressInfo;
		const response = await fetch(`http://127.0.0.1:${port}/`);
		if (!response.ok) throw new Error(`the app shell answered ${response.status}`);
		const csp = response.headers.get('content-security-policy');
		if (!csp) throw new Error('the app shell has no Content-Security-Policy');
		return { body: Buffer.from(await response.arrayBuffer()), csp };
	} finally {
		server.closeAllConnections();
		await new Promise<void>((ok) => server.close(() => ok()));
	}
}

export async function pinBuild(buildDir: string): Promise<{ fingerprint: string; pinned: Pinned }> {
	const client = join(buildDir, 'client');
	const files: Record<string, string> = {};
	for (const full of walk(client)) {
		const path = '/' + relative(client, full).split(sep).join('/');
		if (path === `/${WORKER}` || path === `/${MANIFEST}`) continue;
		files[path] = sha256(readFileSync(full));
	}
	const version = (JSON.parse(readFileSync(join(client, '_app', 'version.json'), 'utf8')) as { version: string }).version;
	const shell = await renderShell(buildDir);
	const pinned: Pinned = { format: FORMAT, version, shell: { csp: shell.csp, sha256: sha256(shell.body) }, files };
	const bytes = encodePinned(pinned);
	const fingerprint = sha256(bytes);
	writeFileSync(join(client, MANIFEST), bytes);
	const workerPath = join(client, WORKER);
	const worker = readFileSync(workerPath, 'utf8');
	if (!new RegExp(PIN_PATTERN.source).test(worker)) throw new Error(`${WORKER} has no fingerprint mark to fill in`);
	writeFileSync(workerPath, worker.replace(PIN_PATTERN, `__UNSEEN_PIN__${fingerprint}`));
	writeFileSync(join(buildDir, 'fingerprint.txt'), fingerprint + '\n');
	return { fingerprint, pinned };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	const dir = resolve(process.argv[2] ?? 'build');
	const { fingerprint, pinned } = await pinBuild(dir);
	console.log(`\nUnseen build fingerprint (${Object.keys(pinned.files).length} files, version ${pinned.version}):\n  ${formatFingerprint(fingerprint)}\n`);
}
