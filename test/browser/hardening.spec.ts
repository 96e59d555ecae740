import { expect, test, type Page, type Request } from '@playwright/test';
import { BASE_URL, createGroup, createInvite, expectMessage, groupPath, joinByLink, newPerson, openChat, send } from './helpers.ts';

function directives(csp: string): Map<string, string[]> {
	return new Map(
		csp
			.split(';')
			.map((d) => d.trim().split(/\s+/))
			.filter((parts) => parts[0])
			.map((parts) => [parts[0]!, parts.slice(1)])
	);
}

test.describe('P12 web hardening', () => {
	test('P12 web hardening: every page is served with a strict Content-Security-Policy and no-referrer', async ({ request }) => {
		for (const path of ['/', '/welcome', '/join', '/help']) {
			const response = await request.get(`${BASE_URL}${path}`);
			expect(response.status(), path).toBe(200);
			const headers = response.headers();
			const csp = headers['content-security-policy'] ?? '';
			expect(csp, `${path} has a CSP header`).not.toBe('');
			const d = directives(csp);
			const script = d.get('script-src') ?? d.get('default-src') ?? [];
			expect(script).not.toContain("'unsafe-eval'");
			expect(script).not.toContain("'unsafe-inline'");
			expect(script.every((s) => s === "'self'" || s === "'wasm-unsafe-eval'" || /^'sha(256|384|512)-/.test(s) || /^'nonce-/.test(s)), script.join(' ')).toBe(true);
			const style = d.get('style-src') ?? d.get('default-src') ?? [];
			expect(style, `${path} allows no inline style`).not.toContain("'unsafe-inline'");
			expect(d.get('frame-ancestors')).toEqual(["'none'"]);
			expect(d.get('object-src')).toEqual(["'none'"]);
			expect(d.get('connect-src')).toEqual(["'self'"]);
			expect(headers['referrer-policy']).toBe('no-referrer');
		}
	});

	test('P12 web hardening: no screen of a whole journey breaks its Content-Security-Policy (no inline style or script is blocked)', async ({ browser }) => {
		test.setTimeout(120_000);
		const collect = async (page: Page) => {
			await page.addInitScript(() => {
				const seen: string[] = ((window as unknown as { cspViolations: string[] }).cspViolations = []);
				document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
			});
		};
		const violations = async (page: Page) => page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? []);
		const ann = await newPerson(browser, 'Ivy Lantern', { beforeFirstLoad: collect });
		const group = await createGroup(ann.page, 'Policy check');
		const link = await createInvite(ann.page, group);
		const ben = await newPerson(browser, 'Oak Meadow', { beforeFirstLoad: collect });
		await joinByLink(ben, link);
		await openChat(ann.page, group);
		await send(ann.page, 'Styled by the stylesheet alone');
		await expectMessage(ben.page, 'Styled by the stylesheet alone');
		expect(await violations(ann.page)).toEqual([]);
		expect(await violations(ben.page)).toEqual([]);
		for (const path of ['/settings', '/help', groupPath(ann.page, group, 'people'), groupPath(ann.page, group, 'invite')]) {
			await ann.page.goto(path);
			await ann.page.waitForLoadState('networkidle');
			expect(await violations(ann.page), path).toEqual([]);
		}
		// The mount point is laid out as before: the page still fills the window.
		expect(await ann.page.evaluate(() => getComputedStyle(document.querySelector('.app-root')!).display)).toBe('contents');
		await ann.context.close();
		await ben.context.close();
	});

	test('P12 web hardening: onboarding, creating, inviting, joining and chatting send no request to any other origin and no secret in a URL', async ({ browser }) => {
		test.setTimeout(120_000);
		const requests: Request[] = [];
		const record = (r: Request) => requests.push(r);
		// Recorded from each person's first page load: onboarding is covered too.
		const ann = await newPerson(browser, 'Rue Comet', { onRequest: record });
		const group = await createGroup(ann.page, 'Origin check');
		const link = await createInvite(ann.page, group);
		const ben = await newPerson(browser, 'Sol Harbor', { onRequest: record });
		await joinByLink(ben, link);
		await openChat(ann.page, group);
		await send(ann.page, 'Checking the wire');
		await expectMessage(ben.page, 'Checking the wire');
		await ann.page.goto('/help');

		// The first page load of onboarding is among what was checked.
		expect(requests.some((r) => r.isNavigationRequest() && new URL(r.url()).pathname === '/')).toBe(true);
		const origin = new URL(BASE_URL).origin;
		const secret = new URL(link).hash.slice(1);
		for (const r of requests) {
			const url = new URL(r.url());
			if (url.protocol === 'data:' || url.protocol === 'blob:') continue;
			expect(url.origin.replace(/^ws/, 'http'), r.url()).toBe(origin);
			expect(r.url(), 'the invite secret never appears in a request').not.toContain(secret);
		}
		await ann.context.close();
		await ben.context.close();
	});
});
