/**
 * Issue 14: the installable, offline, pinned app (docs/PROTOCOL.md §15) and quick exit.
 * The update and tampering tests serve a copy of the build from a second server on E2E_PORT+1 (or +2),
 * changed between phases while one browser context (with its installed worker) stays open.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, writeFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pinBuild } from '../../bin/pin-build.ts';
import { expectMessage, groupOfTwo, openChat, send } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BUILD = join(ROOT, 'build');
/** The two ports after E2E_PORT; the second server takes the first that is free for a whole test. */
const SECOND_PORTS = [1, 2].map((n) => Number(process.env.E2E_PORT ?? 4321) + n);
const answers = (url: string) => fetch(`${url}/healthz`).then(() => true, () => false);

const builtFingerprint = () => readFileSync(join(BUILD, 'fingerprint.txt'), 'utf8').trim();

async function controlled(page: Page): Promise<void> {
	await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 45_000 });
}

async function aboutFingerprint(page: Page): Promise<string> {
	await page.goto('/settings');
	const fp = page.getByTestId('about-fingerprint');
	await expect(fp).toBeVisible({ timeout: 20_000 });
	return (await fp.getAttribute('data-fingerprint')) ?? '';
}

async function onboardAt(page: Page, base: string, name: string): Promise<void> {
	await page.goto(base + '/');
	await expect(page).toHaveURL(/\/welcome$/, { timeout: 30_000 });
	await page.getByRole('button', { name: 'Continue' }).click();
	await page.getByLabel('Your name in groups').fill(name);
	await page.getByRole('button', { name: 'Start' }).click();
	await expect(page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
}

/** A second server (app + relay) serving `dir`, a copy of the build. */
class SecondServer {
	#child: ChildProcess | null = null;
	readonly dataDir = mkdtempSync(join(tmpdir(), 'unseen-pinned-'));
	readonly dir: string;
	port = 0;
	constructor(dir: string) {
		this.dir = dir;
	}

	get url(): string {
		return `http://localhost:${this.port}`;
	}

	async start(): Promise<void> {
		if (!this.port) {
			for (const port of SECOND_PORTS) if (!(await answers(`http://localhost:${port}`))) {
				this.port = port;
				break;
			}
			if (!this.port) throw new Error(`ports ${SECOND_PORTS.join(' and ')} are in use`);
		}
		if (await answers(this.url)) throw new Error(`port ${this.port} is already in use: another server would answer instead of this build copy`);
		const child = spawn(process.execPath, ['server/start.ts'], {
			cwd: ROOT,
			env: { ...process.env, PORT: String(this.port), HOST: '127.0.0.1', DATA_DIR: this.dataDir, APP_BUILD_DIR: this.dir, ALLOWED_ORIGINS: this.url },
			stdio: 'ignore'
		});
		this.#child = child;
		for (let i = 0; i < 100; i++) {
			const ok = await fetch(`${this.url}/healthz`).then((r) => r.ok, () => false);
			if (ok) return;
			await new Promise((r) => setTimeout(r, 100));
		}
		throw new Error('second server did not start');
	}

	async stop(): Promise<void> {
		const child = this.#child;
		if (!child || child.exitCode !== null) return;
		const exited = new Promise((r) => child.once('exit', r));
		child.kill('SIGTERM');
		const slow = setTimeout(() => child.kill('SIGKILL'), 10_000);
		await exited;
		clearTimeout(slow);
		this.#child = null;
	}
}

/**
 * A changed file of the same size (the server's file table records sizes at build time): the last
 * byte becomes a space or a newline.
 */
function changeInPlace(path: string): void {
	const bytes = readFileSync(path);
	bytes[bytes.length - 1] = bytes[bytes.length - 1] === 0x20 ? 0x0a : 0x20;
	writeFileSync(path, bytes);
}

function copyBuild(): string {
	const parent = join(ROOT, 'test-results', 'pinned-copies');
	mkdirSync(parent, { recursive: true });
	const dir = mkdtempSync(join(parent, 'build-'));
	cpSync(BUILD, dir, { recursive: true });
	return dir;
}

/** A JavaScript file the app shell loads (the entry), inside a build copy. */
function entryScript(dir: string): string {
	const entries = join(dir, 'client', '_app', 'immutable', 'entry');
	const start = readdirSync(entries).find((f) => f.startsWith('start.') && f.endsWith('.js'));
	return join(entries, start!);
}

test.describe('installable and pinned', () => {
	test('the manifest is valid and linked from every page, with 192 and 512 px icons including a maskable one', async ({ page, request }) => {
		for (const path of ['/', '/help', '/welcome']) {
			await page.goto(path);
			await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', '/manifest.webmanifest');
		}
		const response = await request.get('/manifest.webmanifest');
		expect(response.ok()).toBe(true);
		const manifest = (await response.json()) as { name: string; short_name: string; start_url: string; display: string; theme_color: string; icons: { src: string; sizes: string; purpose: string }[] };
		expect(manifest).toMatchObject({ name: 'Unseen', short_name: 'Unseen', start_url: '/', display: 'standalone' });
		expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/);
		expect(manifest.icons.map((i) => `${i.sizes} ${i.purpose}`).sort()).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);
		for (const icon of manifest.icons) {
			const png = await request.get(icon.src);
			expect(png.headers()['content-type']).toBe('image/png');
			const bytes = await png.body();
			const [w, h] = icon.sizes.split('x').map(Number);
			expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([w, h]);
		}
		// Light and dark theme colours for the browser's own chrome.
		await expect(page.locator('meta[name="theme-color"]')).toHaveCount(2);
	});

	test('the service worker controls the page after the first load, and Settings → About shows the fingerprint npm run build printed', async ({ browser }) => {
		const context = await browser.newContext();
		const page = await context.newPage();
		await onboardAt(page, '', 'Pinned Person');
		await controlled(page);
		const expected = createHash('sha256').update(readFileSync(join(BUILD, 'client', 'pinned.json'))).digest('hex');
		expect(builtFingerprint()).toBe(expected);
		expect(await aboutFingerprint(page)).toBe(expected);
		await expect(page.getByTestId('about-fingerprint')).toHaveText(expected.match(/.{4}/g)!.join(' '));
		await page.getByRole('heading', { name: 'About this app' }).scrollIntoViewIfNeeded();
		await page.screenshot({ path: 'test-results/screenshots/pinned-about.png', fullPage: true });
		await context.close();
	});

	test('offline: a reload opens the app, unlocks, shows history, and a message written offline is sent once back online', async ({ browser }) => {
		test.setTimeout(120_000);
		const { host, group, guest } = await groupOfTwo(browser, 'Offline Olive', 'Offline room', 'Online Otto');
		await openChat(host.page, group);
		await send(host.page, 'Written while connected');
		await controlled(host.page);

		await host.context.setOffline(true);
		await host.page.reload();
		await expect(host.page.getByTestId('connection')).toHaveAttribute('data-state', 'offline', { timeout: 20_000 });
		await expect(host.page.getByTestId('connection')).toContainText('Offline');
		await expectMessage(host.page, 'Written while connected');
		await host.page.goto('/');
		await expect(host.page.getByRole('heading', { name: 'Your groups' })).toBeVisible();
		await expect(host.page.getByText('Offline room')).toBeVisible();
		await openChat(host.page, group);
		await send(host.page, 'Written while offline');
		await expect(host.page.locator('[data-testid=message]').filter({ hasText: 'Written while offline' })).not.toHaveAttribute('data-status', 'sent');
		await host.page.screenshot({ path: 'test-results/screenshots/pinned-offline.png' });

		await host.context.setOffline(false);
		await expectMessage(guest.page, 'Written while offline', 40_000);
		await expect(host.page.locator('[data-testid=message][data-status=sent]').filter({ hasText: 'Written while offline' })).toBeVisible({ timeout: 20_000 });
		await host.context.close();
		await guest.context.close();
	});

	test('offline with a passphrase: the app opens from the worker and unlocks', async ({ browser }) => {
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto('/');
		await page.getByRole('button', { name: 'Continue' }).click();
		await page.getByLabel('Your name in groups').fill('Locked Lou');
		await page.getByLabel('Lock Unseen on this device with a passphrase').check();
		await page.getByLabel('Passphrase', { exact: true }).fill('correct horse battery');
		await page.getByLabel('Type it again').fill('correct horse battery');
		await page.getByRole('button', { name: 'Start' }).click();
		await expect(page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
		await controlled(page);
		await context.setOffline(true);
		await page.reload();
		await page.getByLabel('Passphrase').fill('correct horse battery');
		await page.getByRole('button', { name: /Unlock/ }).click();
		await expect(page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
		await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'offline');
		await context.close();
	});
});

test.describe('the pinned build on a changing server', () => {
	// One after another in one worker: each needs one of the two second-server ports for its whole run.
	test.describe.configure({ mode: 'default', timeout: 120_000 });

	test('a new build is offered with its fingerprint and runs only after the user accepts it', async ({ browser }) => {
		const dir = copyBuild();
		const server = new SecondServer(dir);
		await server.start();
		const context = await browser.newContext({ baseURL: server.url });
		const page = await context.newPage();
		try {
			await onboardAt(page, server.url, 'Update Uma');
			await controlled(page);
			const first = await aboutFingerprint(page);
			expect(first).toBe(builtFingerprint());

			// The operator publishes a new build (here: a changed stylesheet, pinned again).
			await server.stop();
			changeInPlace(join(dir, 'client', 'weather.css'));
			const { fingerprint: second } = await pinBuild(dir);
			expect(second).not.toBe(first);
			await server.start();

			await page.reload();
			const offer = page.getByTestId('pinned-update');
			await expect(offer).toBeVisible({ timeout: 30_000 });
			await expect(offer.getByRole('heading', { name: 'A new version of Unseen is available' })).toBeVisible();
			await expect(page.getByTestId('pinned-update-fingerprint')).toHaveText(second.match(/.{4}/g)!.join(' '));
			await page.screenshot({ path: 'test-results/screenshots/pinned-update-prompt.png' });
			for (const size of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
				await page.setViewportSize(size);
				const results = await new AxeBuilder({ page }).analyze();
				expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
			}

			// Not accepted: a reload still runs the installed build.
			await page.getByRole('button', { name: 'Not now' }).click();
			await page.reload();
			expect(await aboutFingerprint(page)).toBe(first);

			// Accepted: the new build takes over.
			await expect(page.getByTestId('pinned-update')).toBeVisible({ timeout: 30_000 });
			await page.getByRole('button', { name: 'Use the new version' }).click();
			await page.waitForEvent('load');
			expect(await aboutFingerprint(page)).toBe(second);
		} finally {
			await context.close();
			await server.stop();
			rmSync(dir, { recursive: true, force: true });
		}
	});

	test('a file that does not match the build manifest is never run, and the user is warned', async ({ browser }) => {
		const dir = copyBuild();
		const server = new SecondServer(dir);
		await server.start();
		const context = await browser.newContext({ baseURL: server.url });
		const page = await context.newPage();
		try {
			await onboardAt(page, server.url, 'Tamper Tess');
			await controlled(page);
			const first = await aboutFingerprint(page);

			// The server offers a "new build" whose entry script is not the one its manifest names.
			await server.stop();
			changeInPlace(join(dir, 'client', 'weather.css'));
			await pinBuild(dir);
			const script = entryScript(dir);
			const size = readFileSync(script).length;
			const evil = 'globalThis.__unseenTampered = true;';
			writeFileSync(script, evil + ' '.repeat(size - evil.length));
			await server.start();

			await page.reload();
			await expect(page.getByTestId('pinned-unexpected')).toBeVisible({ timeout: 30_000 });
			await expect(page.getByRole('heading', { name: 'The server sent something unexpected' })).toBeVisible();
			await expect(page.getByTestId('pinned-update')).toHaveCount(0);
			await page.screenshot({ path: 'test-results/screenshots/pinned-unexpected.png' });
			expect(await page.evaluate(() => (globalThis as { __unseenTampered?: boolean }).__unseenTampered ?? false)).toBe(false);

			// Still the installed build, and still not the changed file.
			await page.reload();
			expect(await aboutFingerprint(page)).toBe(first);
			expect(await page.evaluate(() => (globalThis as { __unseenTampered?: boolean }).__unseenTampered ?? false)).toBe(false);

			// Even if the browser dropped the kept copy, the changed file is refused, not run.
			const refused = await page.evaluate(async (path) => {
				for (const name of await caches.keys()) await (await caches.open(name)).delete(path);
				const r = await fetch(path);
				return r.status;
			}, '/_app/immutable/entry/' + entryScript(dir).split('/').pop());
			expect(refused).toBe(502);
			await expect(page.getByTestId('pinned-unexpected')).toBeVisible();
		} finally {
			await context.close();
			await server.stop();
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

test.describe('quick exit and notifications', () => {
	test('Shift pressed three times shows and announces the count, exits, Back does not return to the chat, and the keys are gone', async ({ browser }) => {
		test.setTimeout(90_000);
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto('/help');
		await page.goto('/welcome');
		await page.getByRole('button', { name: 'Continue' }).click();
		await page.getByLabel('Your name in groups').fill('Shift Sam');
		await page.getByLabel('Lock Unseen on this device with a passphrase').check();
		await page.getByLabel('Passphrase', { exact: true }).fill('correct horse battery');
		await page.getByLabel('Type it again').fill('correct horse battery');
		await page.getByRole('button', { name: 'Start' }).click();
		await expect(page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
		await page.getByRole('link', { name: 'New group' }).click();
		await page.getByLabel('Group name').fill('Shift room');
		await page.getByRole('button', { name: 'Create group' }).click();
		await expect(page).toHaveURL(/\/invite$/, { timeout: 20_000 });

		await page.keyboard.press('Shift');
		await expect(page.getByTestId('shift-count')).toHaveAttribute('data-count', '1');
		await expect(page.getByTestId('shift-announce')).toHaveText('Shift, press 2 more times to exit.');
		await page.keyboard.press('Shift');
		await expect(page.getByTestId('shift-announce')).toHaveText('Shift, press 1 more time to exit.');
		await page.keyboard.press('Shift');
		await expect(page).toHaveURL(/\/weather\.html$/);
		await expect(page.getByText('Shift room')).toHaveCount(0);
		await page.goBack();
		await expect(page).toHaveURL(/\/help$/);
		// The keys were dropped: the app asks for the passphrase again.
		await page.goto('/');
		await expect(page.getByLabel('Passphrase')).toBeVisible({ timeout: 20_000 });
		await expect(page.getByText('Shift room')).toHaveCount(0);
		await context.close();
	});

	test('notification permission denied changes nothing else, and says so calmly', async ({ browser }) => {
		test.setTimeout(90_000);
		const { host, group, guest } = await groupOfTwo(browser, 'Denied Dee', 'Quiet room', 'Other Ola');
		await host.page.addInitScript(() => {
			Object.defineProperty(Notification, 'permission', { get: () => 'denied' });
			Notification.requestPermission = () => Promise.resolve('denied');
		});
		await host.page.goto('/settings');
		const box = host.page.getByLabel(/Tell me when a message arrives/);
		await box.click();
		await expect(host.page.getByTestId('notify-denied')).toBeVisible();
		await expect(box).not.toBeChecked();
		await openChat(host.page, group);
		await send(host.page, 'Still works without notifications');
		await expectMessage(guest.page, 'Still works without notifications');
		await host.context.close();
		await guest.context.close();
	});
});

test('the neutral name changes the title, the icon and the manifest the browser would install, and survives a reload', async ({ browser }) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await onboardAt(page, '', 'Neutral Nia');
	await page.goto('/settings');
	await page.getByLabel(/Show a neutral name and icon/).check();
	await expect(page).toHaveTitle('Notes');
	await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', '/manifest-neutral.webmanifest');
	await expect(page.locator('link[rel="icon"]')).toHaveAttribute('href', '/icons/notes-192.png');
	await page.goto('/help');
	await expect(page).toHaveTitle('Notes');
	await page.reload();
	await expect(page).toHaveTitle('Notes');
	await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', '/manifest-neutral.webmanifest');
	const neutral = (await (await page.request.get('/manifest-neutral.webmanifest')).json()) as { name: string; short_name: string; icons: unknown[] };
	expect([neutral.name, neutral.short_name]).toEqual(['Notes', 'Notes']);
	expect(neutral.icons).toHaveLength(3);
	// Turned off again: the usual name.
	await page.goto('/settings');
	await page.getByLabel(/Show a neutral name and icon/).uncheck();
	await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', '/manifest.webmanifest');
	await page.goto('/');
	await expect(page).not.toHaveTitle('Notes');
	await context.close();
});
