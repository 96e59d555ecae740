import { expect, test } from '@playwright/test';
import { BASE_URL, createGroup, newPerson, onboard } from './helpers.ts';

test.describe('onboarding and safety on every screen', () => {
	test('a newcomer picks a suggested pseudonym without giving an email, phone or password', async ({ browser }) => {
		const context = await browser.newContext({ baseURL: BASE_URL });
		const page = await context.newPage();
		await page.goto('/');
		await expect(page).toHaveURL(/\/welcome$/);
		await expect(page.getByRole('heading', { name: 'The server cannot see' })).toBeVisible();
		await page.getByRole('button', { name: 'Continue' }).click();
		const name = page.getByLabel('Your name in groups');
		const suggested = await name.inputValue();
		expect(suggested).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ \d\d$/);
		await page.getByRole('button', { name: 'Suggest another' }).click();
		await expect(page.locator('input[type=email], input[type=tel]')).toHaveCount(0);
		await page.getByRole('button', { name: 'Start' }).click();
		await expect(page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
		await expect(page.getByText(/You are .+ unless you choose another name/)).toBeVisible();
		await context.close();
	});

	test('an empty pseudonym is refused with a plain explanation and nothing is created', async ({ browser }) => {
		const context = await browser.newContext({ baseURL: BASE_URL });
		const page = await context.newPage();
		await page.goto('/welcome');
		await page.getByRole('button', { name: 'Continue' }).click();
		await page.getByLabel('Your name in groups').fill('   ');
		await page.getByRole('button', { name: 'Start' }).click();
		await expect(page.getByRole('alert')).toContainText('Please choose a name');
		await page.goto('/');
		await expect(page).toHaveURL(/\/welcome$/);
		await context.close();
	});

	test('quick exit clears the screen and replaces the app with a neutral page', async ({ browser }) => {
		const person = await newPerson(browser, 'Quiet Exit');
		await createGroup(person.page, 'Thursday circle');
		await person.page.getByRole('button', { name: 'Quick exit' }).click();
		await expect(person.page).toHaveURL(/\/weather\.html$/);
		await expect(person.page).toHaveTitle('Weather');
		await expect(person.page.getByText('Thursday circle')).toHaveCount(0);
		await person.context.close();
	});

	test('pressing Escape twice leaves as quickly as the quick exit button', async ({ browser }) => {
		const person = await newPerson(browser, 'Double Escape');
		await person.page.keyboard.press('Escape');
		await person.page.keyboard.press('Escape');
		await expect(person.page).toHaveURL(/\/weather\.html$/);
		await person.context.close();
	});

	test('a single Escape does not leave the app', async ({ browser }) => {
		const person = await newPerson(browser, 'Single Escape');
		await person.page.keyboard.press('Escape');
		await person.page.waitForTimeout(1200);
		await person.page.keyboard.press('Escape');
		await expect(person.page.getByRole('heading', { name: 'Your groups' })).toBeVisible();
		await person.context.close();
	});

	test('get help now lists the crisis lines shipped with the app on every screen, even before onboarding', async ({ browser }) => {
		const context = await browser.newContext({ baseURL: BASE_URL });
		const page = await context.newPage();
		await page.goto('/welcome');
		await page.getByRole('link', { name: 'Get help now' }).click();
		await expect(page.getByRole('heading', { name: 'Get help now', level: 1 })).toBeVisible();
		await expect(page.getByRole('heading', { name: 'Find a Helpline' })).toBeVisible();
		await expect(page.getByRole('link', { name: /Call 988/ })).toHaveAttribute('href', 'tel:988');
		await context.close();
	});
});

test.describe('P10 data at rest: lock, unlock and wipe', () => {
	test('P10 data at rest: lock now shows the unlock screen; a wrong passphrase is refused and loses nothing; the right one opens everything', async ({ browser }) => {
		const person = await newPerson(browser, 'Locked Otter', { passphrase: 'a long calm passphrase' });
		// In-app links only: a full page load of a passphrase-protected device asks to unlock first.
		await person.page.getByRole('link', { name: 'New group' }).click();
		await person.page.getByLabel('Group name').fill('Morning pages');
		await person.page.getByRole('button', { name: 'Create group' }).click();
		await expect(person.page).toHaveURL(/\/invite$/, { timeout: 20_000 });
		await person.page.goto('/');
		await expect(person.page.getByRole('heading', { name: 'Unseen is locked' })).toBeVisible();
		await person.page.getByLabel('Passphrase').fill('a long calm passphrase');
		await person.page.getByRole('button', { name: 'Unlock' }).click();
		await expect(person.page.getByRole('link', { name: /Morning pages/ })).toBeVisible({ timeout: 20_000 });
		await person.page.getByRole('link', { name: 'Settings and privacy' }).click();
		await person.page.getByRole('button', { name: 'Lock now' }).click();
		await expect(person.page.getByRole('heading', { name: 'Unseen is locked' })).toBeVisible();
		await expect(person.page.getByText('Morning pages')).toHaveCount(0);

		await person.page.getByLabel('Passphrase').fill('not the passphrase');
		await person.page.getByRole('button', { name: 'Unlock' }).click();
		await expect(person.page.getByRole('alert')).toContainText('did not open your data. Nothing was changed', { timeout: 20_000 });

		await person.page.reload();
		await expect(person.page.getByRole('heading', { name: 'Unseen is locked' })).toBeVisible();
		await person.page.getByLabel('Passphrase').fill('a long calm passphrase');
		await person.page.getByRole('button', { name: 'Unlock' }).click();
		await expect(person.page.getByRole('heading', { name: 'Settings and privacy' })).toBeVisible({ timeout: 20_000 });
		await person.page.getByRole('link', { name: 'Unseen, your groups' }).click();
		await expect(person.page.getByRole('link', { name: /Morning pages/ })).toBeVisible({ timeout: 20_000 });
		await person.context.close();
	});

	test('P10 data at rest: wipe this device asks first, then deletes everything and starts over', async ({ browser }) => {
		const person = await newPerson(browser, 'Wiped Wren');
		await createGroup(person.page, 'To be wiped');
		await person.page.goto('/settings');
		await person.page.getByRole('button', { name: 'Wipe this device…' }).click();
		await person.page.getByRole('button', { name: 'Cancel' }).click();
		await person.page.goto('/');
		await expect(person.page.getByRole('link', { name: /To be wiped/ })).toBeVisible();
		await person.page.goto('/settings');
		await person.page.getByRole('button', { name: 'Wipe this device…' }).click();
		await person.page.getByRole('button', { name: 'Yes, wipe this device' }).click();
		await expect(person.page).toHaveURL(/\/welcome$/);
		await person.page.reload();
		await expect(person.page).toHaveURL(/\/welcome$/);
		await onboard(person.page, 'Fresh Start');
		await expect(person.page.getByText('No groups yet')).toBeVisible();
		await person.context.close();
	});
});

test('after a quick exit the back button does not lead back into the app', async ({ browser }) => {
	const context = await browser.newContext({ baseURL: BASE_URL });
	const page = await context.newPage();
	await page.goto('/help');
	await page.goto('/welcome');
	await page.getByRole('button', { name: 'Continue' }).click();
	await page.getByRole('button', { name: 'Start' }).click();
	await expect(page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
	await page.getByRole('link', { name: 'New group' }).click();
	await page.getByLabel('Group name').fill('Back button room');
	await page.getByRole('button', { name: 'Create group' }).click();
	await expect(page).toHaveURL(/\/invite$/, { timeout: 20_000 });
	await page.getByRole('link', { name: 'Chat', exact: true }).click();
	await page.getByRole('button', { name: 'Quick exit' }).click();
	await expect(page).toHaveURL(/\/weather\.html$/);
	await page.goBack();
	// One step back is the help page opened before onboarding: no group, no list of groups.
	await expect(page).toHaveURL(/\/help$/);
	await context.close();
});

test('the chosen dark theme is applied again after a reload', async ({ browser }) => {
	const context = await browser.newContext({ baseURL: BASE_URL, colorScheme: 'light' });
	const page = await context.newPage();
	await page.goto('/welcome');
	await page.getByRole('button', { name: 'Use dark theme' }).click();
	await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
	await page.reload();
	await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
	expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(22, 24, 29)');
	await context.close();
});
