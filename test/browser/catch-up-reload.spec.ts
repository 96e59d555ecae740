/**
 * A member who was away while a large backlog arrived catches up, and the page is reloaded
 * during the catch-up, right after it, and the tab closed and opened again: every message is
 * still there afterwards, with no warning (issue 8 item 3). Before the store wrote a step in one
 * atomic batch, the saved sync cursor ran ahead of the saved messages, and a reload right after
 * the catch-up lost thousands of messages for good while the group said "Connected".
 * The backlog is written by headless clients (the real client code in Node) so that it takes
 * seconds, not minutes; the relay limits each key's rate, so several members write it.
 */
import { expect, test, type Page } from '@playwright/test';
import { type UnseenClient } from '../../src/lib/client/index.ts';
import { everyMessage, groupPath, joinByLink, newPerson, openChat } from './helpers.ts';
import { until, useHeadless } from './headless.ts';

const { start: writer, started: writers } = useHeadless();
const WRITERS = 8;
/** Messages per backlog (three backlogs), split between the writers. */
const BACKLOG = 800;

/** Every writer sends its share of `count` texts `${label} <n>`; resolves when the relay has them all. */
async function writeBacklog(group: string, label: string, count: number): Promise<void> {
	await Promise.all(
		writers.map(async (w, k) => {
			for (let i = k + 1; i <= count; i += writers.length) await w.send(group, { text: `${label} ${i}` });
		})
	);
	const sent = (w: UnseenClient) => w.messages(group).filter((m) => m.self && m.text.startsWith(`${label} `));
	await until(() => writers.every((w) => sent(w).every((m) => m.status === 'sent')), 120_000, `${label} sent`);
}

const shown = (page: Page, label: string) => page.getByTestId('message-text').filter({ hasText: new RegExp(`^${label} \\d+$`) });

/**
 * Every text of the backlog is in the chat, once, and no warning is shown. The list holds only a
 * window of the messages (issue 15 item 2), so it is read through from the oldest to the newest.
 */
async function expectEvery(page: Page, labels: string[], count: number): Promise<void> {
	await expect(page.getByTestId('message').first()).toBeAttached({ timeout: 90_000 });
	await expect(page.getByRole('progressbar')).toHaveCount(0, { timeout: 90_000 });
	const all = (await everyMessage(page)).map(([, text]) => text);
	for (const label of labels) {
		const texts = all.filter((t) => new RegExp(`^${label} \\d+$`).test(t));
		expect(texts, label).toHaveLength(count);
		expect(new Set(texts).size).toBe(count);
	}
	await expect(page.getByTestId('chat-warning')).toHaveCount(0);
}

/**
 * The catch-up of `label`'s backlog has just ended: its notes are arriving and the catch-up bar is
 * gone. (The list's count cannot say it: a reopened group reads only its newest stored page, §8.)
 */
async function caughtUp(page: Page, label: string): Promise<void> {
	await expect(shown(page, label).first()).toBeAttached({ timeout: 90_000 });
	await expect(page.getByRole('progressbar')).toHaveCount(0, { timeout: 90_000 });
}

test('a member back after a large backlog finds every message after reloading during and right after the catch-up, and in a new tab', async ({ browser }) => {
	test.setTimeout(600_000);
	const host = await writer();
	const group = await host.createGroup({ name: 'Busy evening', description: '', pseudonym: 'Host', retention: 0, listeners: false, listenersMaySpeak: false, invite: 'admins' });
	const invite = await host.createInvite(group, { expiresInMs: 3_600_000, maxUses: WRITERS + 1, role: 'member' });
	for (let i = 1; i < WRITERS; i++) await (await writer()).joinWithInvite(invite.link, `Writer ${i}`);
	const bo = await newPerson(browser, 'Bo Willow');
	await joinByLink(bo, invite.link);
	await host.send(group, { text: 'Welcome, Bo' });
	await expect(bo.page.getByTestId('message-text').filter({ hasText: 'Welcome, Bo' })).toBeVisible({ timeout: 20_000 });

	// Bo is away (the tab closed) while a backlog arrives, then opens the group in a new tab.
	let page = bo.page;
	const comeBack = async (label: string): Promise<Page> => {
		await page.close();
		await writeBacklog(group, label, BACKLOG);
		const back = await bo.context.newPage();
		await back.goto(groupPath(back, group));
		return back;
	};

	// (a) Bo reloads in the middle of catching up: the first notes are on the page, not all.
	page = await comeBack('Away note');
	await expect(shown(page, 'Away note').first()).toBeAttached({ timeout: 60_000 });
	await page.reload();
	await openChat(page, group);
	await expectEvery(page, ['Away note'], BACKLOG);

	// (b) Bo reloads the moment the catch-up has shown the last message.
	page = await comeBack('Later note');
	await caughtUp(page, 'Later note');
	await page.reload();
	await openChat(page, group);
	await expectEvery(page, ['Later note', 'Away note'], BACKLOG);

	// (c) Bo closes the tab right after the catch-up and opens a new one.
	page = await comeBack('Last note');
	await caughtUp(page, 'Last note');
	await page.close();
	page = await bo.context.newPage();
	await page.goto(groupPath(page, group));
	await openChat(page, group);
	await expectEvery(page, ['Last note', 'Later note', 'Away note'], BACKLOG);
	await bo.context.close();
});
