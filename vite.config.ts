import { defineConfig } from 'vitest/config';
import { sveltekit } from '@sveltejs/kit/vite';
import adapter from '@sveltejs/adapter-node';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { devRelay } from './server/dev-relay.ts';

// A deployment can ship its own crisis lines: UNSEEN_CRISIS_FILE=/path/crisis.json npm run build
// (same shape as src/lib/config/crisis.json; checked when the app loads, never fetched at run time).
const crisisFile = process.env.UNSEEN_CRISIS_FILE;

/**
 * The only inline style the app needs is SvelteKit's own: the route announcer in its root
 * component carries a `style` attribute. Allow exactly that attribute by its hash
 * ('unsafe-hashes'), never 'unsafe-inline'; the hash is read from the installed SvelteKit, so an
 * upgrade that changes the attribute keeps working (and test/browser/hardening.spec.ts fails on
 * any other blocked style).
 */
function announcerStyleHashes(): `sha256-${string}`[] {
	const root = resolve(import.meta.dirname, 'node_modules/@sveltejs/kit/src/runtime/components/root.svelte');
	if (!existsSync(root)) return [];
	return [...readFileSync(root, 'utf8').matchAll(/\sstyle="([^"]*)"/g)].map((m) => `sha256-${createHash('sha256').update(m[1]!).digest('base64')}` as const);
}
const styleHashes = announcerStyleHashes();

/**
 * The build's version name must be deterministic so that two builds of one commit are the same
 * bytes (the pinned-app fingerprint, docs/PROTOCOL.md §15): the commit, or UNSEEN_VERSION when
 * building outside git. Never a timestamp.
 */
function buildVersion(): string {
	if (process.env.UNSEEN_VERSION) return process.env.UNSEEN_VERSION;
	try {
		return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: import.meta.dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
	} catch {
		return 'unversioned';
	}
}

// SvelteKit 3 takes its configuration here: a svelte.config.js is refused at start-up.
export default defineConfig({
	plugins: [
		sveltekit({
			adapter: adapter({ out: 'build', precompress: false }),
			// The service worker is registered by the app itself (src/lib/ui/pinned.svelte.ts), only in
			// a production build, so that a new build waits for the user's consent (§15).
			serviceWorker: { register: false },
			// One app shell for every route: absolute asset paths, so the shell the service worker
			// keeps for "/" also opens /g/..., /settings and the rest while offline.
			paths: { relative: false },
			// The version lives in the pinned shell; no polling for new builds (the service worker asks).
			version: { name: buildVersion(), pollInterval: 0 },
			csp: {
				mode: 'hash',
				directives: {
					'default-src': ['self'],
					'script-src': ['self', 'wasm-unsafe-eval'],
					'style-src': ['self', ...(styleHashes.length ? (['unsafe-hashes', ...styleHashes] as const) : [])],
					'img-src': ['self', 'data:', 'blob:'],
					'font-src': ['self'],
					'connect-src': ['self'],
					'worker-src': ['self'],
					'manifest-src': ['self'],
					'object-src': ['none'],
					'base-uri': ['none'],
					'form-action': ['self'],
					'frame-ancestors': ['none']
				}
			}
		}),
		devRelay()
	],
	resolve: crisisFile ? { alias: [{ find: /^\.\/crisis\.json$/, replacement: resolve(crisisFile) }] } : {},
	test: {
		testTimeout: 30_000,
		hookTimeout: 30_000,
		projects: [
			// The unit tests under src/ share one module graph per worker (no module-level state, stubs
			// restored after each test): a fresh worker per file cost more than the tests themselves.
			{ extends: true, test: { name: 'unit', include: ['src/**/*.{test,spec}.ts'], isolate: false } },
			// Relays, servers, clients and stores: each file in its own worker.
			{ extends: true, test: { name: 'relay', include: ['server/**/*.{test,spec}.ts', 'test/**/*.test.ts'], exclude: ['test/browser/**', 'node_modules/**'] } }
		]
	}
});
