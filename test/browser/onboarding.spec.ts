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

	test('Shift held for capital letters and Escape (which closes dialogs) do not leave the app', async ({ browser }) => {
		const person = await newPerson(browser, 'Capital Letters');
		for (const key of ['Shift+A', 'Shift+B', 'Shift+C', 'Escape', 'Escape']) await person.page.keyboard.press(key);
		await expect(person.page.getByTestId('shift-count')).toHaveCount(0);
		await expect(person.page.getByRole('heading', { name: 'Your groups' })).toBeVisible();
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
