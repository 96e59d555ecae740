import { expect, test } from '@playwright/test';
import { expectMessage, newPerson, send } from './helpers.ts';

test('P10 data at rest: after "Lock now" the page holds no message text or group name, and unlocking brings both back', async ({ browser }) => {
	test.setTimeout(90_000);
	const person = await newPerson(browser, 'Rae Hollow', { passphrase: 'a slow river at dusk' });
	// In-app links only: a full page load of a passphrase-protected device asks to unlock first.
	await person.page.getByRole('link', { name: 'New group' }).click();
	await person.page.getByLabel('Group name').fill('Evening circle');
	await person.page.getByRole('button', { name: 'Create group' }).click();
	await expect(person.page).toHaveURL(/\/invite$/, { timeout: 20_000 });
	await person.page.getByRole('link', { name: 'Chat', exact: true }).click();
	await send(person.page, 'Something only this device should show');
	await expect(person.page.getByTestId('message').filter({ hasText: 'Something only this device should show' })).toHaveAttribute('data-status', 'sent', { timeout: 20_000 });

	await person.page.getByRole('link', { name: 'Settings and privacy' }).click();
	await person.page.getByRole('button', { name: 'Lock now' }).click();
	await expect(person.page.getByRole('heading', { name: 'Unseen is locked' })).toBeVisible();
	const html = await person.page.content();
	expect(html).not.toContain('Something only this device should show');
	expect(html).not.toContain('Evening circle');
	expect(html).not.toContain('Rae Hollow');

	await person.page.getByLabel('Passphrase').fill('a slow river at dusk');
	await person.page.getByRole('button', { name: 'Unlock' }).click();
	await person.page.getByRole('link', { name: 'Unseen, your groups' }).click();
	await person.page.getByRole('link', { name: /Evening circle/ }).click();
	await expectMessage(person.page, 'Something only this device should show');
	// The new client is live: a message written after unlocking is sent too.
	await send(person.page, 'Written after unlocking');
	await expect(person.page.getByTestId('message').filter({ hasText: 'Written after unlocking' })).toHaveAttribute('data-status', 'sent', { timeout: 20_000 });
	await person.context.close();
});

test('quick exit with a passphrase set lands on a styled neutral page, and coming back asks for the passphrase', async ({ browser }) => {
	const person = await newPerson(browser, 'Sol Marsh', { passphrase: 'green tea and rain' });
	const blocked: string[] = [];
	person.page.on('console', (m) => m.type() === 'error' && /Content Security Policy/i.test(m.text()) && blocked.push(m.text()));
	await person.page.getByRole('button', { name: 'Quick exit' }).click();
	await expect(person.page).toHaveURL(/\/weather\.html$/);
	await expect(person.page.getByRole('heading', { name: 'Weather' })).toBeVisible();
	// Its own stylesheet applies (the page's policy allows style-src 'self'): the pale blue sky.
	await expect(person.page.locator('body')).toHaveCSS('background-color', 'rgb(234, 242, 251)');
	expect(blocked).toEqual([]);
	await person.page.goto('/');
	await expect(person.page.getByRole('heading', { name: 'Unseen is locked' })).toBeVisible({ timeout: 20_000 });
	await expect(person.page.getByText('Sol Marsh')).toHaveCount(0);
	await person.context.close();
});
