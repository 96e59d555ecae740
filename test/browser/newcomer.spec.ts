import { expect, test } from '@playwright/test';
import { BASE_URL, createGroup, createInvite, expectMessage, newPerson, openChat, send } from './helpers.ts';

test('a newcomer opens an invite link on a fresh phone, picks a name, joins as a listener and reads', async ({ browser }) => {
	test.setTimeout(90_000);
	const host = await newPerson(browser, 'Kay Heron');
	const group = await createGroup(host.page, 'First steps', { description: 'Read as long as you like.' });
	const link = await createInvite(host.page, group, 'listener');

	const context = await browser.newContext({ baseURL: BASE_URL, viewport: { width: 390, height: 844 } });
	const page = await context.newPage();
	await page.goto(link);
	await expect(page).toHaveURL(/\/welcome$/, { timeout: 20_000 });
	await page.getByRole('button', { name: 'Continue' }).click();
	await page.getByLabel('Your name in groups').fill('Lou Finch');
	await page.getByRole('button', { name: 'Start' }).click();
	// Back to the invite after onboarding, without asking for the link again.
	await expect(page.getByTestId('invite-group-name')).toHaveText('First steps', { timeout: 20_000 });
	await expect(page.getByText('You will join as a listener')).toBeVisible();
	await expect(page.getByLabel('Your name in this group')).toHaveValue('Lou Finch');
	await page.getByRole('button', { name: 'Join group' }).click();
	await expect(page.getByTestId('listener-bar')).toBeVisible({ timeout: 20_000 });

	await openChat(host.page, group);
	await send(host.page, 'Glad you found us');
	await expectMessage(page, 'Glad you found us');
	await host.page.goto(`/g/${group}/people`);
	await expect(host.page.getByTestId('member').filter({ hasText: 'Lou Finch' })).toContainText('Listener', { timeout: 20_000 });
	await context.close();
	await host.context.close();
});

test('a member leaves a group after confirming, and the group disappears from their list', async ({ browser }) => {
	test.setTimeout(90_000);
	const host = await newPerson(browser, 'Max Otter');
	const group = await createGroup(host.page, 'Leaving room');
	const link = await createInvite(host.page, group);
	const guest = await newPerson(browser, 'Nel Wren');
	await guest.page.goto(link);
	await guest.page.getByRole('button', { name: 'Join group' }).click();
	await expect(guest.page).toHaveURL(new RegExp(`/g/${group}$`), { timeout: 20_000 });
	await guest.page.getByRole('link', { name: 'People', exact: true }).click();
	await guest.page.getByRole('button', { name: 'Leave group…' }).click();
	await guest.page.getByRole('dialog').getByRole('button', { name: 'Leave group' }).click();
	await expect(guest.page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
	await expect(guest.page.getByRole('link', { name: /Leaving room/ })).toHaveCount(0, { timeout: 20_000 });
	await host.page.goto(`/g/${group}/people`);
	await expect(host.page.getByTestId('member')).toHaveCount(1, { timeout: 20_000 });
	await host.context.close();
	await guest.context.close();
});
