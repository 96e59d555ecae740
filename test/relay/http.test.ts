/**
 * P12 web hardening over real HTTP, and the Origin check on the relay's upgrade.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BUILD_HANDLER } from '../../server/http.ts';
import { TestClient } from './fixtures/relay.ts';
import { startRelay, type TestRelay } from '../kit/relay.ts';

let relay: TestRelay;
beforeAll(async () => (relay = await startRelay({ allowedOrigins: ['https://unseen.example'] })));
afterAll(() => relay.stop());

const base = () => `http://127.0.0.1:${relay.port}`;

function expectSecurityHeaders(headers: Headers): void {
	expect(headers.get('referrer-policy')).toBe('no-referrer');
	expect(headers.get('x-content-type-options')).toBe('nosniff');
	expect(headers.get('cross-origin-opener-policy')).toBe('same-origin');
	expect(headers.get('permissions-policy')).toMatch(/camera=\(\).*microphone=\(\).*geolocation=\(\)/);
	expect(headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
}

describe('P12 web hardening', () => {
	test('P12 every response carries the security headers and a strict fallback CSP, even a 404', async () => {
		for (const path of ['/healthz', '/no/such/page', '/relay']) {
			const res = await fetch(base() + path);
			expectSecurityHeaders(res.headers);
			expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
		}
	});

	test.skipIf(!existsSync(BUILD_HANDLER))('P12 the app page keeps SvelteKit’s hashed CSP without unsafe-eval, plus the headers', async () => {
		const app = await startRelay({ app: true });
		const res = await fetch(`http://127.0.0.1:${app.port}/`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toMatch(/text\/html/);
		expectSecurityHeaders(res.headers);
		const csp = res.headers.get('content-security-policy')!;
		expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
		expect(csp).not.toContain("'unsafe-eval'");
		expect(csp).not.toContain("default-src 'none'");

		// The neutral quick-exit page is static HTML: it may load its own stylesheet, nothing else.
		const neutral = await fetch(`http://127.0.0.1:${app.port}/weather.html`);
		expect(neutral.status).toBe(200);
		expectSecurityHeaders(neutral.headers);
		expect(neutral.headers.get('content-security-policy')).toBe(
			"default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
		);
		await app.stop();
	});

	test('P12 a WebSocket upgrade from a foreign Origin is refused with 403', async () => {
		await expect(TestClient.connect(relay.wsUrl, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
		const ok = await TestClient.connect(relay.wsUrl, { origin: 'https://unseen.example' });
		ok.close();
	});

	test('P12 without ALLOWED_ORIGINS only the request’s own host may upgrade', async () => {
		const same = await startRelay();
		await expect(TestClient.connect(same.wsUrl, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
		const ok = await TestClient.connect(same.wsUrl, { origin: `http://127.0.0.1:${same.port}` });
		ok.close();
		await same.stop();
	});

	test('an upgrade on any other path than /relay is refused with 404', async () => {
		await expect(TestClient.connect(`ws://127.0.0.1:${relay.port}/other`)).rejects.toThrow(/404/);
	});
});
