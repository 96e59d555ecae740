/**
 * Details a person at risk would notice: a passphrase they asked for is never silently skipped,
 * the browser's title and history never name a group, the connection state is in words on a
 * phone, dates are headings, a backup's file name does not say what made it, and a stranger
 * using a verified member's name is called out in the chat itself.
 */
import { expect, test } from '@playwright/test';
import { BASE_URL, createGroup, expectMessage, groupOfTwo, groupPath, joinByLink, newPerson, onboard, openChat, send } from './helpers.ts';

test('a ticked passphrase box that is not ready stops onboarding with a reason, and nothing is set up unprotected', async ({ browser }) => {
	const context = await browser.newContext({ baseURL: BASE_URL });
	const page = await context.newPage();
	await page.goto('/welcome');
	await page.getByRole('button', { name: 'Continue' }).click();
	await page.getByLabel('Your name in groups').fill('Careful Wren');
	await page.getByLabel('Lock Unseen on this device with a passphrase').check();
	const first = page.getByLabel('Passphrase', { exact: true });
	const second = page.getByLabel('Type it again');
	const start = page.getByRole('button', { name: 'Start' });

	await start.click();
	await expect(page.getByRole('alert')).toHaveText(/Please choose a passphrase, or untick the box/);
	await expect(first).toBeFocused();

	await first.fill('short');
	await start.click();
	await expect(page.getByRole('alert')).toHaveText('Please use at least 8 characters.');
	await expect(first).toHaveAttribute('aria-invalid', 'true');

	await first.fill('a long quiet evening');
	await start.click();
	await expect(page.getByRole('alert')).toHaveText(/type the passphrase a second time/);
	await expect(second).toBeFocused();

	await second.fill('a long quiet morning');
	await start.click();
	await expect(page.getByRole('alert')).toHaveText('The two passphrases are different.');
	await expect(page).toHaveURL(/\/welcome$/);

	// None of the refused attempts set up the device: another tab still gets the welcome.
	const other = await context.newPage();
	await other.goto('/');
	await expect(other).toHaveURL(/\/welcome$/);
	await other.close();

	await second.fill('a long quiet evening');
	await start.click();
	await expect(page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
	// The device is locked with what was typed: a fresh load asks for it.
	await page.goto('/');
	await expect(page.getByRole('heading', { name: 'Unseen is locked' })).toBeVisible({ timeout: 20_000 });
	await page.getByLabel('Passphrase').fill('a long quiet evening');
	await page.getByRole('button', { name: 'Unlock' }).click();
	await expect(page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
	await context.close();
});

test('adding a passphrase in settings refuses an unticked box or a short passphrase, then locks the device', async ({ browser }) => {
	const person = await newPerson(browser, 'Later Lock');
	await person.page.goto('/settings');
	const save = person.page.getByRole('button', { name: 'Save passphrase' });
	await save.click();
	await expect(person.page.getByRole('alert')).toContainText('Please tick “Add a passphrase”');
	await person.page.getByLabel('Add a passphrase').check();
	await person.page.getByLabel('Passphrase', { exact: true }).fill('tiny');
	await person.page.getByLabel('Type it again').fill('tiny');
	await save.click();
	await expect(person.page.getByRole('alert')).toHaveText('Please use at least 8 characters.');
	await expect(person.page.getByRole('button', { name: 'Lock now' })).toHaveCount(0);

	await person.page.getByLabel('Passphrase', { exact: true }).fill('stones in a pocket');
	await person.page.getByLabel('Type it again').fill('stones in a pocket');
	await save.click();
	await expect(person.page.getByRole('status').filter({ hasText: 'now locked with your passphrase' })).toBeVisible({ timeout: 30_000 });
	await person.page.goto('/');
	await expect(person.page.getByRole('heading', { name: 'Unseen is locked' })).toBeVisible({ timeout: 20_000 });
	await person.context.close();
});

test('the window title and history never name a group; days are headings in the chat', async ({ browser }) => {
	const person = await newPerson(browser, 'Title Check');
	const group = await createGroup(person.page, 'Gambling recovery Tuesdays');
	for (const path of [groupPath(person.page, group), groupPath(person.page, group, 'people'), groupPath(person.page, group, 'invite'), groupPath(person.page, group, 'reports')]) {
		await person.page.goto(path);
		await expect(person.page, path).toHaveTitle(/^\w+ · Unseen$/, { timeout: 20_000 });
		expect(await person.page.title(), path).not.toContain('Gambling');
	}
	await openChat(person.page, group);
	await send(person.page, 'First words today');
	await expect(person.page.getByRole('log', { name: 'Messages' }).getByRole('heading', { name: 'Today' })).toBeVisible();
	await person.context.close();
});

test('on a phone, being offline is said in words, not by a dot’s colour alone', async ({ browser }) => {
	const context = await browser.newContext({ baseURL: BASE_URL, viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
	const page = await context.newPage();
	await onboard(page, 'Phone Fern');
	const status = page.getByTestId('connection');
	await expect(status).toHaveAttribute('data-state', 'online', { timeout: 20_000 });
	const label = status.locator('span[aria-hidden=true]').last();
	// Connected needs no words on a small screen ...
	await expect(label).toHaveText('Connected');
	await expect(label).toBeHidden();
	await context.setOffline(true);
	await expect(status).toHaveAttribute('data-state', /offline|connecting/, { timeout: 30_000 });
	// ... every other state does.
	await expect(label).toBeVisible();
	await expect(label).toHaveText(/^(Offline|Connecting…)$/);
	await context.setOffline(false);
	await context.close();
});

test('a stranger using the name of a verified member is called out in the chat, not only in People', async ({ browser }) => {
	test.setTimeout(120_000);
	const { host: ann, group, link, guest: bo } = await groupOfTwo(browser, 'Ann Birch', 'Verified circle', 'Bo Lake');
	await openChat(bo.page, group);
	await send(bo.page, 'Hello from the real Bo');
	await openChat(ann.page, group);
	await expectMessage(ann.page, 'Hello from the real Bo');

	await ann.page.goto(groupPath(ann.page, group, 'people'));
	const boRow = ann.page.getByRole('listitem').filter({ hasText: 'Bo Lake' });
	await boRow.getByRole('button', { name: 'Safety number' }).click();
	await boRow.getByLabel('I compared it and it matches').check();
	await expect(boRow.getByText('Verified', { exact: true })).toBeVisible();
	await openChat(ann.page, group);
	await expect(ann.page.getByTestId('key-change-warning')).toHaveCount(0);

	// Someone else joins with the same link under the same name.
	const impostor = await newPerson(browser, 'Bo Lake');
	await joinByLink(impostor, link);
	await openChat(impostor.page, group);
	await send(impostor.page, 'It is me, Bo, on a new phone');
	await expectMessage(ann.page, 'It is me, Bo, on a new phone');
	const warning = ann.page.getByTestId('key-change-warning');
	await expect(warning).toHaveCount(1, { timeout: 20_000 });
	await expect(warning).toContainText('Someone here uses the name Bo Lake with a different safety number from the Bo Lake you verified');
	// The stranger's words carry a mark; the verified member's do not.
	await expect(ann.page.getByTestId('message').filter({ hasText: 'It is me, Bo, on a new phone' }).getByTestId('suspect-badge')).toHaveText('Not the Bo Lake you verified');
	await expect(ann.page.getByTestId('message').filter({ hasText: 'Hello from the real Bo' }).getByTestId('suspect-badge')).toHaveCount(0);
	await ann.page.screenshot({ path: 'test-results/screenshots/chat-key-change-desktop.png' });
	await warning.getByRole('link', { name: 'Check it in People' }).click();
	await expect(ann.page).toHaveURL(new RegExp(`${groupPath(ann.page, group, 'people')}$`));
	await expect(ann.page.getByRole('alert').filter({ hasText: 'has a different safety number from the Bo Lake you verified' })).toBeVisible();
	for (const p of [ann, bo, impostor]) await p.context.close();
});

test('a backup downloads under a neutral name that does not say which app made it', async ({ browser }) => {
	const person = await newPerson(browser, 'Plain Files');
	await person.page.goto('/settings');
	await person.page.getByLabel('Backup passphrase').fill('a neutral file name');
	const [download] = await Promise.all([person.page.waitForEvent('download'), person.page.getByRole('button', { name: 'Download backup' }).click()]);
	expect(download.suggestedFilename()).toMatch(/^backup-\d{4}-\d{2}-\d{2}\.dat$/);
	await person.context.close();
});
