/**
 * Two tabs of one person (one browser context, one IndexedDB). Only one tab runs the session
 * (src/lib/state/tab-session.ts): otherwise both tabs send under the same counters and every
 * receiver drops one tab's messages as replays (P6), and a wipe waits on the other tab's database.
 */
import { expect, test, type Page } from '@playwright/test';
import { createGroup, createInvite, expectMessage, groupIdOfLink, groupPath, joinByLink, messageText, newPerson, openChat, send } from './helpers.ts';

const elsewhere = (page: Page) => page.getByRole('heading', { name: 'Unseen is open in another tab' });

test('P6 transcript integrity: with the app in two tabs one tab runs it; "Use it here" moves it, and nothing is lost or warned about', async ({ browser }) => {
	test.setTimeout(120_000);
	const ann = await newPerson(browser, 'Ann Two-Tabs');
	const group = await createGroup(ann.page, 'Two tab evening');
	const link = await createInvite(ann.page, group);
	const bo = await newPerson(browser, 'Bo Receiver');
	await joinByLink(bo, link);
	await openChat(ann.page, group);
	await send(ann.page, 'Before the second tab');
	await expectMessage(bo.page, 'Before the second tab');

	const second = await ann.context.newPage();
	await second.goto(groupPath(second, group));
	await expect(elsewhere(second)).toBeVisible({ timeout: 20_000 });
	await expect(second.getByTestId('message-text')).toHaveCount(0);
	// Whoever holds the phone sees nothing of the group in a tab that does not run the app: not its
	// name, not its id (P10; the address holds this device's alias only).
	for (const text of [await second.content(), second.url()]) {
		expect(text).not.toContain('Two tab evening');
		expect(text).not.toContain(groupIdOfLink(link));
	}

	await send(ann.page, 'Sent from the first tab');
	await expectMessage(bo.page, 'Sent from the first tab');

	await second.getByRole('button', { name: 'Use it here' }).click();
	await expect(elsewhere(ann.page)).toBeVisible({ timeout: 20_000 });
	await expect(ann.page.getByTestId('message-text')).toHaveCount(0);
	for (const text of [await ann.page.content(), ann.page.url()]) {
		expect(text).not.toContain('Two tab evening');
		expect(text).not.toContain(groupIdOfLink(link));
	}
	await openChat(second, group);
	await expectMessage(second, 'Sent from the first tab');
	await send(second, 'Sent from the second tab');
	await expectMessage(bo.page, 'Sent from the second tab');
	await expect(second.getByTestId('message').filter({ hasText: 'Sent from the second tab' })).toHaveAttribute('data-status', 'sent', { timeout: 20_000 });

	// Bo got each message once, in order, and was never told of a gap or a replay.
	await bo.page.reload();
	await openChat(bo.page, group);
	await expectMessage(bo.page, 'Sent from the second tab');
	for (const text of ['Before the second tab', 'Sent from the first tab', 'Sent from the second tab']) await expect(messageText(bo.page, text)).toHaveCount(1);
	await expect(bo.page.getByTestId('chat-warning')).toHaveCount(0);

	// And back: the first tab takes it again and sends on with no warning either.
	await ann.page.getByRole('button', { name: 'Use it here' }).click();
	await expect(elsewhere(second)).toBeVisible({ timeout: 20_000 });
	await openChat(ann.page, group);
	await send(ann.page, 'Back in the first tab');
	await expectMessage(bo.page, 'Back in the first tab');
	await expect(bo.page.getByTestId('chat-warning')).toHaveCount(0);
	await ann.context.close();
	await bo.context.close();
});

test('P10 data at rest: wipe this device completes while another tab is open, and that tab shows nothing of the data', async ({ browser }) => {
	test.setTimeout(90_000);
	const person = await newPerson(browser, 'Wipe Two-Tabs');
	const group = await createGroup(person.page, 'Wisteria wipe circle');
	const other = await person.context.newPage();
	await other.goto(groupPath(other, group));
	await expect(other.locator('main')).toBeVisible();

	await person.page.goto('/settings');
	await person.page.getByRole('button', { name: 'Wipe this device…' }).click();
	await person.page.getByRole('button', { name: 'Yes, wipe this device' }).click();
	await expect(person.page).toHaveURL(/\/welcome$/, { timeout: 15_000 });
	await expect(other.getByText('Wisteria wipe circle')).toHaveCount(0);
	await expect(other.getByTestId('group-title')).toHaveCount(0);
	expect(await other.locator('main').innerText()).not.toContain('Wisteria');
	// The database is really gone: a fresh load in either tab starts over.
	await person.page.reload();
	await expect(person.page).toHaveURL(/\/welcome$/);
	await person.context.close();
});
