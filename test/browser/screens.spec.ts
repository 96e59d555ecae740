import { expect, test } from '@playwright/test';
import { BASE_URL, createGroup, createInvite, groupPath, joinByLink, messageAction, newPerson, openChat, send } from './helpers.ts';
import { checkScreen } from './screen-check.ts';

test('the screens before joining (welcome, help, unlock) pass an axe-core scan at phone and desktop size and are captured at both', async ({ browser }) => {
	test.setTimeout(120_000);
	const context = await browser.newContext({ baseURL: BASE_URL });
	const page = await context.newPage();
	await page.goto('/welcome');
	await checkScreen(page, 'welcome');
	await page.getByRole('button', { name: 'Continue' }).click();
	await checkScreen(page, 'welcome-name');
	await page.goto('/help');
	await checkScreen(page, 'help');
	await context.close();

	const locked = await newPerson(browser, 'Val Thistle', { passphrase: 'a quiet evening walk' });
	await locked.page.reload();
	await expect(locked.page.getByRole('heading', { name: 'Unseen is locked' })).toBeVisible();
	await checkScreen(locked.page, 'unlock');
	await locked.context.close();
});

test('every main screen of a group passes an axe-core scan at phone and desktop size, in light and dark, and is captured at both', async ({ browser }) => {
	test.setTimeout(180_000);
	const host = await newPerson(browser, 'Tess Aspen');
	await checkScreen(host.page, 'groups-empty');
	await host.page.goto('/new');
	await checkScreen(host.page, 'create-group');
	const group = await createGroup(host.page, 'Sunday circle', { description: 'Peer support on Sunday evenings.' });
	const link = await createInvite(host.page, group);
	// A new invite shows its QR code at once, drawn locally.
	await expect(host.page.getByRole('img', { name: 'QR code of the invite link' })).toBeVisible();
	await checkScreen(host.page, 'invite');

	const guest = await newPerson(browser, 'Uma Clover');
	await guest.page.goto(link);
	await expect(guest.page.getByRole('button', { name: 'Join group' })).toBeVisible({ timeout: 20_000 });
	await checkScreen(guest.page, 'join');
	await joinByLink(guest, link);

	await openChat(host.page, group);
	await send(host.page, 'Welcome Uma. Take your time, reading is fine too.');
	await guest.page.getByRole('button', { name: 'CW' }).click();
	await guest.page.getByLabel('Content warning').fill('difficult week');
	await send(guest.page, 'Thank you. It has been a hard week.');
	await send(guest.page, 'Glad this place exists.');
	await expect(host.page.getByText('Content warning: difficult week')).toBeVisible({ timeout: 20_000 });
	await checkScreen(host.page, 'chat');
	await host.page.goto('/');
	await checkScreen(host.page, 'groups');
	await host.page.goto(groupPath(host.page, group, 'people'));
	await expect(host.page.getByTestId('member')).toHaveCount(2, { timeout: 20_000 });
	await host.page.getByRole('button', { name: 'Safety number' }).first().click();
	await checkScreen(host.page, 'people');
	await host.page.goto(groupPath(host.page, group, 'reports'));
	await expect(host.page.getByText('No reports.')).toBeVisible({ timeout: 20_000 });
	await checkScreen(host.page, 'reports');
	await host.page.goto('/settings');
	await checkScreen(host.page, 'settings');

	await host.page.emulateMedia({ colorScheme: 'dark' });
	await openChat(host.page, group);
	await checkScreen(host.page, 'chat-dark');
	await host.page.goto('/settings');
	await checkScreen(host.page, 'settings-dark');
	await host.context.close();
	await guest.context.close();
});

test('the moderation and listening screens pass an axe-core scan at phone and desktop size and are captured at both', async ({ browser }) => {
	test.setTimeout(180_000);
	const host = await newPerson(browser, 'Wes Hazel');
	const group = await createGroup(host.page, 'Tuesday circle', { listenersMaySpeak: false });
	const link = await createInvite(host.page, group);
	const listenerLink = await createInvite(host.page, group, 'listener');
	const member = await newPerson(browser, 'Xia Poplar');
	await joinByLink(member, link);
	const listener = await newPerson(browser, 'Yan Sorrel');
	await joinByLink(listener, listenerLink);
	await checkScreen(listener.page, 'listener');
	await listener.page.getByRole('button', { name: 'Ask to speak' }).click();
	await expect(listener.page.getByTestId('asked-to-speak')).toBeVisible({ timeout: 20_000 });
	await checkScreen(listener.page, 'listener-asked');

	await openChat(host.page, group);
	await send(host.page, 'How is everyone doing this week?');
	await openChat(member.page, group);
	await send(member.page, 'Better than last week, honestly');
	await expect(member.page.getByTestId('message').filter({ hasText: 'Better than last week' })).toHaveAttribute('data-status', 'sent', { timeout: 20_000 });
	await messageAction(member.page.getByTestId('message').filter({ hasText: 'Better than last week' }), 'Edit');
	await member.page.getByLabel('Edit your message').fill('Better than last week, honestly. Thank you all.');
	await member.page.getByRole('button', { name: 'Save' }).click();
	await expect(host.page.getByText('Thank you all.')).toBeVisible({ timeout: 20_000 });

	await messageAction(listener.page.getByTestId('message').filter({ hasText: 'Thank you all.' }), 'Report');
	await expect(listener.page.getByTestId('moderator-fingerprint')).toBeVisible({ timeout: 20_000 });
	await listener.page.getByLabel(/Note/).fill('Just checking how reports look.');
	await checkScreen(listener.page, 'report-form');
	await listener.page.getByRole('button', { name: 'Send report' }).click();
	await expect(listener.page.getByText('Your report was sent')).toBeVisible({ timeout: 20_000 });

	await host.page.goto(groupPath(host.page, group, 'reports'));
	await expect(host.page.getByTestId('reported-edit')).toHaveCount(1, { timeout: 20_000 });
	await checkScreen(host.page, 'reports-edit');
	await host.page.goto(groupPath(host.page, group, 'people'));
	await expect(host.page.getByTestId('asked-badge')).toBeVisible({ timeout: 20_000 });
	await checkScreen(host.page, 'people-asked');

	await host.page.getByTestId('member').filter({ hasText: 'Xia Poplar' }).getByRole('button', { name: 'Remove' }).click();
	await host.page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
	await expect(member.page.getByTestId('removed-notice')).toBeVisible({ timeout: 20_000 });
	await checkScreen(member.page, 'removed');
	for (const p of [host, member, listener]) await p.context.close();
});
