/**
 * A long history in the browser (issue 15 item 2): a group with hundreds of messages opens at the
 * newest, the page holds only a window of them, and reading back (scrolling, or Home and End
 * from the keyboard) brings older ones in, in relay order, none lost or shown twice. The history is
 * written by headless clients (the real client code in Node) so that it takes seconds.
 */
import { expect, test, type Page } from '@playwright/test';
import { everyMessage, groupPath, joinByLink, newPerson } from './helpers.ts';
import { until, useHeadless } from './headless.ts';

const { start: writer, started: writers } = useHeadless();
const WRITERS = 6;
const HISTORY = 600;
/** The most messages the page may hold at once (message-window.ts WINDOW_MAX). */
const MOST = 200;

/** The message row whose text is exactly `text`. */
const rowOf = (page: Page, text: string) => page.getByTestId('message').filter({ has: page.getByTestId('message-text').filter({ hasText: new RegExp(`^${text}$`) }) });

/** The history texts in the page, in the order shown. */
const pageTexts = (page: Page) => page.getByTestId('message-text').evaluateAll((els) => els.map((el) => el.textContent ?? '').filter((t) => /^History \d+$/.test(t)));

test('a group with 600 messages opens at the newest, holds only a window of them in the page, and scrolling back loads older ones in order, after a reload too', async ({ browser }) => {
	test.setTimeout(300_000);
	const host = await writer();
	const group = await host.createGroup({ name: 'A long year', description: '', pseudonym: 'Host', retention: 0, listeners: false, listenersMaySpeak: false, invite: 'admins' });
	const invite = await host.createInvite(group, { expiresInMs: 3_600_000, maxUses: WRITERS + 1, role: 'member' });
	for (let i = 1; i < WRITERS; i++) await (await writer()).joinWithInvite(invite.link, `Writer ${i}`);
	const bo = await newPerson(browser, 'Bo Willow');
	await joinByLink(bo, invite.link);
	await host.send(group, { text: 'Welcome, Bo' });
	await expect(bo.page.getByTestId('message-text').filter({ hasText: 'Welcome, Bo' })).toBeVisible({ timeout: 20_000 });
	await bo.page.close();

	// A long history written while Bo is away; the relay's order is the order every member shows.
	await Promise.all(writers.map(async (w, k) => {
		for (let i = k + 1; i <= HISTORY; i += WRITERS) await w.send(group, { text: `History ${i}` });
	}));
	const history = () => host.messages(group).filter((m) => /^History \d+$/.test(m.text));
	await until(() => history().length === HISTORY && writers.every((w) => w.messages(group).every((m) => m.status === 'sent')), 180_000, 'history sent');
	const order = history().map((m) => m.text);

	const page = await bo.context.newPage();
	await page.goto(groupPath(page, group));
	// Opens at the newest, once caught up, with only a window of the messages in the page.
	await expect(page.getByTestId('message-text').filter({ hasText: new RegExp(`^${order.at(-1)}$`) })).toBeInViewport({ timeout: 120_000 });
	await expect(page.getByRole('progressbar')).toHaveCount(0, { timeout: 60_000 });
	const list = page.getByTestId('message-list').locator('ol');
	await expect(list).toHaveAttribute('data-total', /\d+/);
	expect(Number(await list.getAttribute('data-total'))).toBeGreaterThan(HISTORY);
	let shown = await pageTexts(page);
	expect(shown.length, 'a window, not the whole history').toBeLessThanOrEqual(MOST);
	expect(shown.length).toBeGreaterThanOrEqual(50);
	expect(shown, 'the newest messages, in relay order').toEqual(order.slice(-shown.length));
	await page.screenshot({ path: 'test-results/screenshots/long-history-newest.png' });

	// Scrolling back loads older messages, a page at a time: always a run of the history in relay
	// order, never more than the window, until the oldest.
	const seen = new Set(shown);
	const scroller = page.getByTestId('message-list');
	for (let step = 0; step < 40 && (await list.getAttribute('data-lo')) !== '0'; step++) {
		const lo = (await list.getAttribute('data-lo'))!;
		await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
		await expect(list).not.toHaveAttribute('data-lo', lo, { timeout: 20_000 });
		expect(Number(await list.getAttribute('data-lo'))).toBeLessThan(Number(lo));
		shown = await pageTexts(page);
		expect(await page.getByTestId('message').count()).toBeLessThanOrEqual(MOST);
		const at = order.indexOf(shown[0]!);
		expect(at).toBeGreaterThanOrEqual(0);
		expect(shown, 'a run of the history in relay order').toEqual(order.slice(at, at + shown.length));
		for (const t of shown) seen.add(t);
	}
	expect(shown[0]).toBe(order[0]);
	expect(seen.size, 'every message was reached').toBe(HISTORY);
	await expect(page.getByTestId('message-text').filter({ hasText: 'Welcome, Bo' })).toBeAttached();
	// The view stayed where the reader was: the place they scrolled to is still on screen.
	await expect(page.getByTestId('message-text').filter({ hasText: new RegExp(`^${order[0]}$`) })).toBeInViewport();
	await page.screenshot({ path: 'test-results/screenshots/long-history-oldest.png' });

	// From the keyboard: End reaches the newest message, Home the oldest, through the window.
	await page.getByTestId('message').first().focus();
	await page.keyboard.press('End');
	const newest = rowOf(page, order.at(-1)!);
	await expect(newest).toBeFocused();
	await expect(newest).toBeInViewport();
	expect(await page.getByTestId('message').count()).toBeLessThanOrEqual(MOST);
	await page.keyboard.press('Home');
	const oldest = page.getByTestId('message').filter({ hasText: 'Welcome, Bo' });
	await expect(oldest).toBeFocused();
	// Down from the oldest walks the history in order, across the window's edge.
	for (let i = 0; i < 120; i++) await page.keyboard.press('ArrowDown');
	await expect(rowOf(page, order[119]!)).toBeFocused();

	// Read from end to end, every message is there once, in relay order.
	const all = (await everyMessage(page)).map(([, text]) => text).filter((t) => /^History \d+$/.test(t));
	expect(all).toEqual(order);

	// After a reload the group opens with its newest page read from the device's store (§8
	// "Message index"); scrolling back reads older pages until the first message, in order.
	await page.reload();
	await expect(rowOf(page, order.at(-1)!)).toBeInViewport({ timeout: 60_000 });
	await expect(list).toHaveAttribute('data-older', 'true');
	expect(Number(await list.getAttribute('data-total')), 'only the newest page was read').toBeLessThan(HISTORY);
	const reread = new Set(await pageTexts(page));
	/** Where the window stands over what is read: it moves as older pages are read and shown. */
	const place = async () => `${await list.getAttribute('data-lo')}/${await list.getAttribute('data-total')}/${await list.getAttribute('data-older')}`;
	for (let step = 0; step < 60 && (await place()) !== `0/${await list.getAttribute('data-total')}/null`; step++) {
		const before = await place();
		await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
		await expect.poll(place, { timeout: 20_000 }).not.toBe(before);
		shown = await pageTexts(page);
		expect(await page.getByTestId('message').count()).toBeLessThanOrEqual(MOST);
		const at = order.indexOf(shown[0]!);
		expect(shown, 'a run of the history in relay order').toEqual(order.slice(at, at + shown.length));
		for (const t of shown) reread.add(t);
	}
	await expect(rowOf(page, order[0]!)).toBeAttached();
	await expect(page.getByTestId('message-text').filter({ hasText: 'Welcome, Bo' })).toBeAttached();
	expect(reread.size, 'every message was reached after the reload').toBe(HISTORY);
	await expect(list).not.toHaveAttribute('data-older', 'true');
	await page.screenshot({ path: 'test-results/screenshots/long-history-reloaded-oldest.png' });
	await bo.context.close();
});
