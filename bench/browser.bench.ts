/**
 * Browser benchmark (issue 15 item 1), run by bench/run.ts or alone:
 *   node bench/run.ts browser          (BENCH_BROWSER_COUNT=2000 for a quick run)
 *
 * The built app (`npm run build`; built first when build/ is missing) served by the real server
 * (`node server/start.ts`, a temporary DATA_DIR, a free loopback port, generous per-key rate
 * limits) and driven in Debian's Chromium with the flags playwright.config.ts uses.
 *
 * A browser member joins a group by its invite link, then is away (the tab closed) while headless
 * Node clients (the real client code) write COUNT messages into the group, the last one from the
 * host after all others are stored. Then:
 *   - backlog: the member opens the group's address in a new tab and catches up. Measured from
 *     the first backlog entry the page receives on its WebSocket (an entry frame or a batch of
 *     them; and, separately, from the
 *     navigation start) to the newest message's text visible on screen with the catch-up finished
 *     (the "Catching up" progress gone) and every IndexedDB write it caused completed; the longest
 *     main-thread task in that span (PerformanceObserver 'longtask').
 *   - open: the group list, then a click on the group (in-app navigation) until the newest
 *     message's text is visible; and a reload of the group's address (navigation start until the
 *     same), which also shows the messages came from the local store.
 *   - heap: with the group open, after a GC through CDP (HeapProfiler.collectGarbage), the JS heap
 *     in use (Runtime.getHeapUsage) and the DOM node count (Memory.getDOMCounters).
 * Every sign is one a user sees (text on screen, the progress bar gone) or the page's own storage
 * activity, measured by a script in the page (addInitScript) that the app knows nothing of.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { WebSocket as WsWebSocket } from 'ws';
import { createClient, type UnseenClient } from '../src/lib/client/index.ts';
import { memoryKv } from '../src/lib/storage/kv.ts';

const root = join(import.meta.dirname, '..');
const COUNT = Number(process.env.BENCH_BROWSER_COUNT ?? 10_000);
/** A file to write a CPU profile of the catch-up's page to (see startProfile). */
const PROFILE = process.env.BENCH_PROFILE;
/** A file to write a Chromium trace of the catch-up to (devtools.timeline: tasks, layout, IndexedDB, WebSocket). */
const TRACE = process.env.BENCH_TRACE;
/** Writers, the host among them (each awaits its sends one by one, so several write at once). */
const WRITERS = 4;
const CHROMIUM = '/usr/bin/chromium';
/** The same flags as playwright.config.ts. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** After the last sign, the page's storage is considered settled when no write ran for this long. */
const QUIET_MS = 1_500;

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const port = (s.address() as { port: number }).port;
			s.close(() => resolve(port));
		});
	});
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error(`browser bench: ${what} not reached within ${ms} ms`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

async function startServer(port: number, dataDir: string): Promise<ChildProcess> {
	const child = spawn(process.execPath, [join(root, 'server', 'start.ts')], {
		cwd: root,
		stdio: ['ignore', 'pipe', 'pipe'],
		env: {
			...process.env,
			PORT: String(port),
			HOST: '127.0.0.1',
			DATA_DIR: dataDir,
			ALLOWED_ORIGINS: `http://localhost:${port}`,
			RATE_KEY: '100000/100000',
			RATE_CONNECTION: '1000/1000',
			OPS_PER_HOUR: '100000'
		}
	});
	let out = '';
	child.stdout!.on('data', (d) => (out += String(d)));
	child.stderr!.on('data', (d) => (out += String(d)));
	await until(() => out.includes('unseen: open') || child.exitCode !== null, 60_000, 'server start');
	if (child.exitCode !== null) throw new Error(`browser bench: the server did not start:\n${out}`);
	return child;
}

/**
 * The in-page instrument, installed before the app's own scripts. It never touches the app: it
 * watches the DOM, the WebSocket frames and IndexedDB write transactions, and records times.
 */
function instrument(): void {
	type Bench = {
		target: string | null;
		shownAt: number | null;
		doneAt: number | null;
		firstEntryAt: number | null;
		lastEntryAt: number | null;
		entries: number;
		writes: number;
		lastWriteAt: number;
		lastWriteStartAt: number;
		longTasks: { start: number; duration: number }[];
		watch(text: string): void;
	};
	const bench: Bench = {
		target: null,
		shownAt: null,
		doneAt: null,
		firstEntryAt: null,
		lastEntryAt: null,
		entries: 0,
		writes: 0,
		lastWriteAt: 0,
		lastWriteStartAt: 0,
		longTasks: [],
		watch: () => undefined
	};
	(window as unknown as { __bench: Bench }).__bench = bench;
	// The newest message's element, found from the DOM mutations (work in proportion to what
	// was added, not to the whole page on every frame, so the instrument stays cheap with
	// hundreds of thousands of nodes); each frame then only measures that one element.
	const SELECTOR = '[data-testid="message-text"]';
	let found: Element | null = null;
	const consider = (el: Element | null | undefined) => {
		if (el && bench.target !== null && el.textContent === bench.target) found = el;
	};
	const scan = (root: ParentNode) => root.querySelectorAll(SELECTOR).forEach(consider);
	new MutationObserver((records) => {
		if (bench.target === null || bench.shownAt !== null) return;
		for (const r of records) {
			const target = r.target instanceof Element ? r.target : r.target.parentElement;
			consider(target?.closest(SELECTOR));
			for (const node of r.addedNodes) {
				if (!(node instanceof Element)) continue;
				if (node.matches(SELECTOR)) consider(node);
				else scan(node);
			}
		}
	}).observe(document, { subtree: true, childList: true, characterData: true });
	bench.watch = (text: string) => {
		bench.target = text;
		bench.shownAt = null;
		bench.doneAt = null;
		found = null;
		scan(document);
		requestAnimationFrame(frame);
	};
	function visible(): boolean {
		if (!found) return false;
		if (!found.isConnected || found.textContent !== bench.target) {
			found = null;
			return false;
		}
		const r = found.getBoundingClientRect();
		return r.height > 0 && r.bottom > 0 && r.top < innerHeight;
	}
	function frame(): void {
		if (bench.target === null) return;
		if (bench.shownAt === null && visible()) bench.shownAt = performance.now();
		if (bench.shownAt !== null && !document.getElementById('sync-progress')) {
			bench.doneAt = performance.now();
			return;
		}
		requestAnimationFrame(frame);
	}
	try {
		new PerformanceObserver((list) => {
			for (const e of list.getEntries()) bench.longTasks.push({ start: e.startTime, duration: e.duration });
		}).observe({ type: 'longtask', buffered: true });
	} catch {
		// no long-task timing in this browser
	}
	const NativeWs = window.WebSocket;
	window.WebSocket = class extends NativeWs {
		constructor(url: string | URL, protocols?: string | string[]) {
			super(url, protocols);
			this.addEventListener('message', (e) => {
				if (typeof e.data !== 'string') return;
				// One entry frame, or a batch of them (PROTOCOL §9.5 "Backlog in batches").
				const count = e.data.startsWith('{"t":"entry",') ? 1 : e.data.startsWith('{"t":"entries",') ? (JSON.parse(e.data) as { items: unknown[] }).items.length : 0;
				if (count === 0) return;
				bench.lastEntryAt = performance.now();
				bench.firstEntryAt ??= bench.lastEntryAt;
				bench.entries += count;
			});
		}
	};
	const transaction = IDBDatabase.prototype.transaction;
	IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<typeof transaction>) {
		const tx = transaction.apply(this, args);
		if (args[1] === 'readwrite') {
			bench.writes++;
			bench.lastWriteStartAt = performance.now();
			const end = () => {
				bench.writes--;
				bench.lastWriteAt = performance.now();
			};
			tx.addEventListener('complete', end);
			tx.addEventListener('abort', end);
			tx.addEventListener('error', end);
		}
		return tx;
	} as typeof transaction;
}

interface PageTimes {
	shownAt: number;
	doneAt: number;
	firstEntryAt: number | null;
	lastEntryAt: number | null;
	entries: number;
	lastWriteAt: number;
	longest: number;
}

/** Starts watching for `text` on screen. */
async function watch(page: Page, text: string): Promise<void> {
	await page.evaluate((t) => (window as unknown as { __bench: { watch(t: string): void } }).__bench.watch(t), text);
}

/** Waits for the newest text on screen with the catch-up finished, then for the page's writes to settle. */
async function settled(page: Page, timeoutMs: number, from: number): Promise<PageTimes> {
	await page.waitForFunction(() => (window as unknown as { __bench: { doneAt: number | null } }).__bench.doneAt !== null, null, { timeout: timeoutMs, polling: 100 });
	await page.waitForFunction(
		(quiet) => {
			const b = (window as unknown as { __bench: { writes: number; lastWriteAt: number; lastWriteStartAt: number } }).__bench;
			return b.writes === 0 && performance.now() - Math.max(b.lastWriteAt, b.lastWriteStartAt) > quiet;
		},
		QUIET_MS,
		{ timeout: timeoutMs, polling: 100 }
	);
	return page.evaluate((start) => {
		const b = (window as unknown as { __bench: { shownAt: number; doneAt: number; firstEntryAt: number | null; lastEntryAt: number | null; entries: number; lastWriteAt: number; longTasks: { start: number; duration: number }[] } }).__bench;
		const longest = Math.max(0, ...b.longTasks.filter((t) => t.start + t.duration >= start).map((t) => t.duration));
		return { shownAt: b.shownAt, doneAt: b.doneAt, firstEntryAt: b.firstEntryAt, lastEntryAt: b.lastEntryAt, entries: b.entries, lastWriteAt: b.lastWriteAt, longest };
	}, from);
}

async function writer(relayUrl: string, origin: string, all: UnseenClient[]): Promise<UnseenClient> {
	const client = createClient({ relayUrl, store: memoryKv(), origin, WebSocket: WsWebSocket as unknown as typeof WebSocket, backoff: { initialMs: 50, maxMs: 400 } });
	all.push(client);
	await client.start();
	await until(() => client.connection === 'online', 10_000, 'writer online');
	return client;
}

async function onboard(page: Page, name: string): Promise<void> {
	await page.goto('/');
	await page.waitForURL(/\/welcome$/, { timeout: 30_000 });
	await page.getByRole('button', { name: 'Continue' }).click();
	await page.getByLabel('Your name in groups').fill(name);
	await page.getByRole('button', { name: 'Start' }).click();
	await page.getByRole('heading', { name: 'Your groups' }).waitFor({ timeout: 30_000 });
}

/**
 * BENCH_PROFILE=file.cpuprofile: a CPU profile of the catch-up's page (CDP Profiler, 250 µs
 * samples), from before the navigation to the end of the catch-up, for Chromium's DevTools or
 * `node bench/profile-summary.ts file`. The profile slows what it measures: its figures are not
 * to be compared with a run without it.
 */
async function startProfile(context: BrowserContext, page: Page): Promise<{ stop(): Promise<void> }> {
	const cdp = await context.newCDPSession(page);
	await cdp.send('Profiler.enable');
	await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
	await cdp.send('Profiler.start');
	return {
		async stop() {
			const { profile } = (await cdp.send('Profiler.stop')) as { profile: unknown };
			writeFileSync(PROFILE!, JSON.stringify(profile));
			log(`CPU profile of the catch-up written to ${PROFILE}`);
			await cdp.detach();
		}
	};
}

const round = (x: number) => Math.round(x * 10) / 10;
const log = (line: string) => console.log(`bench: browser: ${line}`);

export async function run(): Promise<{ browser: Record<string, unknown> }> {
	if (!existsSync(join(root, 'build', 'handler.js'))) {
		console.log('bench: browser: no build/ yet, running npm run build');
		const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
		if (built.status !== 0) throw new Error('browser bench: the build failed');
	}
	const port = await freePort();
	const origin = `http://localhost:${port}`;
	const relayUrl = `ws://localhost:${port}/relay`;
	const dataDir = mkdtempSync(join(tmpdir(), 'unseen-bench-browser-'));
	const server = await startServer(port, dataDir);
	const writers: UnseenClient[] = [];
	let browser: Browser | null = null;
	const loads: number[] = [];
	const sampler = setInterval(() => loads.push(loadavg()[0]!), 5_000);
	loads.push(loadavg()[0]!);
	const started = performance.now();
	try {
		browser = await chromium.launch({ executablePath: existsSync(CHROMIUM) ? CHROMIUM : undefined, args: ARGS });
		const context: BrowserContext = await browser.newContext({ baseURL: origin, viewport: { width: 1280, height: 720 } });
		await context.addInitScript(instrument);
		let page = await context.newPage();
		await onboard(page, 'Bo Willow');

		// The group: a host and WRITERS - 1 more writers (headless), and Bo in the browser.
		const host = await writer(relayUrl, origin, writers);
		const groupName = 'Evening circle';
		const group = await host.createGroup({ name: groupName, description: '', pseudonym: 'Host', retention: 0, listeners: false, listenersMaySpeak: false, invite: 'admins' });
		const invite = await host.createInvite(group, { expiresInMs: 3_600_000, maxUses: WRITERS + 1, role: 'member' });
		for (let i = 1; i < WRITERS; i++) await (await writer(relayUrl, origin, writers)).joinWithInvite(invite.link, `Writer ${i}`);
		await page.goto(invite.link);
		await page.getByRole('button', { name: 'Join group' }).waitFor({ timeout: 30_000 });
		await page.getByLabel('Your name in this group').fill('Bo Willow');
		await page.getByRole('button', { name: 'Join group' }).click();
		await page.waitForURL(/\/g\/[^/]+$/, { timeout: 30_000 });
		const groupPath = new URL(page.url()).pathname;
		await host.send(group, { text: 'Welcome, Bo' });
		await page.getByTestId('message-text').filter({ hasText: 'Welcome, Bo' }).waitFor({ timeout: 30_000 });
		// Every member's receive key is published before the backlog (§4.4: after a random pause).
		await until(() => {
			const heads = new Set<string>();
			for (const w of writers) {
				const s = w.state(group);
				if (!s || !Object.values(s.members).every((m) => m.rkAt === s.epoch)) return false;
				heads.add(s.head);
			}
			return heads.size === 1;
		}, 30_000, 'every receive key published');

		// Bo is away (the tab closed) while the backlog arrives.
		log(`the group is ready; writing ${COUNT} messages while the member is away`);
		await page.close();
		const writeStarted = performance.now();
		await Promise.all(
			writers.map(async (w, k) => {
				for (let i = k + 1; i < COUNT; i += writers.length) await w.send(group, { text: `Note ${i}: one day at a time, and today was a good one.` });
			})
		);
		const sentAll = () => writers.every((w) => w.messages(group).every((m) => !m.self || m.status === 'sent'));
		await until(sentAll, 600_000, 'every backlog message sent');
		const newest = `Newest note ${Date.now()}: thank you all, see you tomorrow.`;
		await host.send(group, { text: newest });
		await until(sentAll, 60_000, 'the newest message sent');
		const writeMs = performance.now() - writeStarted;
		for (const w of writers.splice(0)) await w.stop();

		// Backlog: Bo opens the group's address in a new tab.
		log(`written in ${(writeMs / 1000).toFixed(1)} s; the member comes back`);
		page = await context.newPage();
		const profiler = PROFILE ? await startProfile(context, page) : null;
		if (TRACE) await browser.startTracing(page, { path: TRACE, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
		await page.goto(groupPath, { waitUntil: 'commit' });
		await watch(page, newest);
		const backlog = await settled(page, 600_000, 0);
		if (profiler) await profiler.stop();
		if (TRACE) await browser.stopTracing();
		const backlogEnd = Math.max(backlog.doneAt, backlog.lastWriteAt);
		const backlogStart = backlog.firstEntryAt ?? 0;

		// Open: from the group list, a click on the group (in-app navigation).
		log(`caught up in ${(backlogEnd - backlogStart).toFixed(0)} ms; opening from the group list`);
		// The app is already running (as when a user goes back to the list and taps the group):
		// the home link navigates inside the app, without loading it again.
		await page.locator('a[href="/"]').first().click({ timeout: 300_000 });
		await page.getByRole('heading', { name: 'Your groups' }).waitFor({ timeout: 300_000 });
		await page.waitForTimeout(2_000);
		const link = page.getByRole('link', { name: new RegExp(groupName) }).first();
		await link.waitFor({ timeout: 300_000 });
		const clickAt = await page.evaluate(() => performance.now());
		await watch(page, newest);
		await link.click({ timeout: 300_000, noWaitAfter: true });
		await page.waitForFunction(() => (window as unknown as { __bench: { shownAt: number | null } }).__bench.shownAt !== null, null, { timeout: 300_000, polling: 100 });
		const shownFromList = await page.evaluate(() => (window as unknown as { __bench: { shownAt: number } }).__bench.shownAt);

		// Reload of the group's address: from the local store, no backlog.
		log(`opened in ${(shownFromList - clickAt).toFixed(0)} ms; reloading`);
		await page.goto(groupPath, { waitUntil: 'commit' });
		await watch(page, newest);
		const reload = await settled(page, 300_000, 0);

		// Heap and DOM with the group open, after a GC.
		const cdp = await context.newCDPSession(page);
		await cdp.send('HeapProfiler.enable');
		await cdp.send('HeapProfiler.collectGarbage');
		await cdp.send('HeapProfiler.collectGarbage');
		const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
		const dom = (await cdp.send('Memory.getDOMCounters')) as { documents: number; nodes: number; jsEventListeners: number };
		const shownElements = await page.evaluate(() => document.querySelectorAll('[data-testid="message-text"]').length);
		await context.close();

		loads.push(loadavg()[0]!);
		const n = COUNT === 10_000 ? '10k' : `${COUNT}`;
		return {
			browser: {
				messages: COUNT,
				[`open${n}_newest_ms`]: round(shownFromList - clickAt),
				[`reload${n}_newest_ms`]: round(reload.shownAt),
				[`backlog${n}_ms`]: round(backlogEnd - backlogStart),
				[`backlog${n}_from_open_ms`]: round(backlogEnd),
				[`backlog${n}_shown_ms`]: round(backlog.shownAt - backlogStart),
				[`backlog${n}_received_ms`]: round((backlog.lastEntryAt ?? backlogStart) - backlogStart),
				[`backlog${n}_entries`]: backlog.entries,
				[`backlog${n}_longest_task_ms`]: round(backlog.longest),
				[`reload${n}_longest_task_ms`]: round(reload.longest),
				[`heap${n}_mb`]: round(heap.usedSize / 2 ** 20),
				[`dom${n}_nodes`]: dom.nodes,
				[`dom${n}_message_texts`]: shownElements,
				goals_ms: { open: 100, backlog: 500 },
				write_backlog_s: round(writeMs / 1000),
				load: { start: round(loads[0]!), max: round(Math.max(...loads)), end: round(loads[loads.length - 1]!) },
				total_s: round((performance.now() - started) / 1000)
			}
		};
	} finally {
		clearInterval(sampler);
		for (const w of writers) await w.stop().catch(() => undefined);
		await browser?.close().catch(() => undefined);
		server.kill('SIGTERM');
		await new Promise((r) => (server.exitCode !== null ? r(null) : server.once('exit', r)));
		rmSync(dataDir, { recursive: true, force: true });
	}
}

if (import.meta.main) {
	console.log(JSON.stringify(await run(), null, 2));
}
