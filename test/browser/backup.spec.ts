import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { BASE_URL, expectMessage, groupOfTwo, groupPath, openChat, rememberGroup, send } from './helpers.ts';

test('P10 data at rest: a backup exported with a passphrase restores groups and history in a fresh browser, and a wrong passphrase changes nothing', async ({ browser }) => {
	test.setTimeout(120_000);
	const { host: owner, group, link, guest: friend } = await groupOfTwo(browser, 'Ola Maple', 'Backed-up circle', 'Pat Raven');
	await openChat(owner.page, group);
	await send(owner.page, 'Written before the move');
	await expectMessage(friend.page, 'Written before the move');

	await owner.page.goto('/settings');
	await owner.page.getByLabel('Backup passphrase').fill('moving to a new phone');
	const [download] = await Promise.all([owner.page.waitForEvent('download'), owner.page.getByRole('button', { name: 'Download backup' }).click()]);
	const file = await readFile((await download.path())!, 'utf8');
	expect(file).not.toContain('Written before the move');
	expect(file).not.toContain('Backed-up circle');
	const oldAddress = groupPath(owner.page, group);
	await owner.context.close();

	const context = await browser.newContext({ baseURL: BASE_URL });
	const page = await context.newPage();
	await page.goto('/welcome/restore');
	await expect(page.getByText('Use your backup on one device at a time')).toBeVisible();
	await page.getByLabel('Backup file').setInputFiles({ name: 'unseen-backup.json', mimeType: 'application/json', buffer: Buffer.from(file) });
	await page.getByLabel('Backup passphrase').fill('not the right one');
	await page.getByRole('button', { name: 'Restore' }).click();
	await expect(page.getByRole('alert')).toContainText('does not open this backup. Nothing was changed', { timeout: 30_000 });

	await page.getByLabel('Backup passphrase').fill('moving to a new phone');
	await page.getByRole('button', { name: 'Restore' }).click();
	await expect(page.getByRole('link', { name: /Backed-up circle/ })).toBeVisible({ timeout: 30_000 });
	// The restored device has a new storage key, so its own address for the group (§8).
	await page.getByRole('link', { name: /Backed-up circle/ }).click();
	await expect(page.getByTestId('group-title')).toBeVisible({ timeout: 20_000 });
	rememberGroup(page, group);
	expect(groupPath(page, group)).not.toBe(oldAddress);
	await expectMessage(page, 'Written before the move');

	// The restored identity keeps talking with the group.
	await send(friend.page, 'Welcome back on your new device');
	await expectMessage(page, 'Welcome back on your new device');
	await context.close();
	await friend.context.close();
});
