import { defineConfig } from 'vitest/config';
import { sveltekit } from '@sveltejs/kit/vite';
import adapter from '@sveltejs/adapter-node';
import { resolve } from 'node:path';
import { devRelay } from './server/dev-relay.ts';

// A deployment can ship its own crisis lines: UNSEEN_CRISIS_FILE=/path/crisis.json npm run build
// (same shape as src/lib/config/crisis.json; checked when the app loads, never fetched at run time).
const crisisFile = process.env.UNSEEN_CRISIS_FILE;

// SvelteKit 3 takes its configuration here: a svelte.config.js is refused at start-up.
export default defineConfig({
	plugins: [
		sveltekit({
			adapter: adapter({ out: 'build', precompress: false }),
			// Routes, screens and state import src/lib as `$lib/...` (SvelteKit 3 no longer defines it).
			alias: { $lib: 'src/lib' },
			csp: {
				mode: 'hash',
				directives: {
					'default-src': ['self'],
					'script-src': ['self', 'wasm-unsafe-eval'],
					'style-src': ['self', 'unsafe-inline'],
					'img-src': ['self', 'data:', 'blob:'],
					'font-src': ['self'],
					'connect-src': ['self'],
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
		include: ['src/**/*.{test,spec}.ts', 'server/**/*.{test,spec}.ts', 'test/**/*.test.ts'],
		exclude: ['test/browser/**', 'node_modules/**'],
		testTimeout: 30_000,
		hookTimeout: 30_000
	}
});
