// Issue 16 item 10: the deployment chooses where quick exit lands (QUICK_EXIT_URL); unset, the
// neutral same-site page stays.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from './config.ts';
import { QUICK_EXIT_PATH, requestListener } from './http.ts';

let server: Server | null = null;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

async function serve(quickExitUrl: string | null): Promise<string> {
	server = createServer(requestListener(null, quickExitUrl));
	await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('quick exit decoy address', () => {
	it('QUICK_EXIT_URL is read as a full http(s) address; anything else stops start-up naming the variable', () => {
		expect(configFromEnv({ QUICK_EXIT_URL: 'https://weather.example/today' }).quickExitUrl).toBe('https://weather.example/today');
		for (const bad of ['weather.example', 'javascript:alert(1)', 'https://user:pw@weather.example/', '/weather.html']) {
			expect(() => configFromEnv({ QUICK_EXIT_URL: bad })).toThrow(ConfigError);
			expect(() => configFromEnv({ QUICK_EXIT_URL: bad })).toThrow(/QUICK_EXIT_URL/);
		}
		expect(configFromEnv({}).quickExitUrl).toBeUndefined();
	});

	it('with QUICK_EXIT_URL set, the neutral page redirects there without a referrer and is never cached', async () => {
		const base = await serve('https://weather.example/today');
		const res = await fetch(`${base}${QUICK_EXIT_PATH}`, { redirect: 'manual' });
		expect(res.status).toBe(302);
		expect(res.headers.get('location')).toBe('https://weather.example/today');
		expect(res.headers.get('cache-control')).toBe('no-store');
		expect(res.headers.get('referrer-policy')).toBe('no-referrer');
	});

	it('unset, the neutral page is not redirected (served from this site)', async () => {
		const base = await serve(null);
		const res = await fetch(`${base}${QUICK_EXIT_PATH}`, { redirect: 'manual' });
		expect(res.status).not.toBe(302);
		expect(res.headers.get('location')).toBeNull();
	});
});
