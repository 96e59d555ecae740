/**
 * Keyboard use: a person who cannot or does not use a pointer onboards, creates a group, writes
 * and reaches the safety controls with Tab, Enter and Space alone, and sees where focus is.
 */
import { expect, test, type Page } from '@playwright/test';
import { BASE_URL } from './helpers.ts';

/** Presses Tab until the focused element has this accessible role and name; fails if it never does. */
async function tabTo(page: Page, role: 'button' | 'link' | 'textbox' | 'combobox', name: string | RegExp): Promise<void> {
	const target = page.getByRole(role, { name, exact: true });
	for (let i = 0; i < 40; i++) {
		await page.keyboard.press('Tab');
		if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) {
			// A visible focus indicator: an outline or a box-shadow ring.
			const ring = await target.evaluate((el) => {
				const style = getComputedStyle(el);
				return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
			});
			expect(ring, `focus on ${String(name)} is visible`).toBe(true);
			return;
		}
	}
	throw new Error(`Tab never reached the ${role} "${String(name)}"`);
}

test('a newcomer onboards, creates a group and writes a message with the keyboard alone', async ({ browser }) => {
	const context = await browser.newContext({ baseURL: BASE_URL });
	const page = await context.newPage();
	await page.goto('/');
	await expect(page).toHaveURL(/\/welcome$/);

	await tabTo(page, 'button', 'Continue');
	await page.keyboard.press('Enter');
	// Focus moves to the name, selected, so typing replaces the suggestion.
	await expect(page.getByLabel('Your name in groups')).toBeFocused();
	await page.keyboard.type('Quiet Harbor');
	await page.keyboard.press('Enter');
	await expect(page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
	await expect(page.getByText('You are Quiet Harbor unless you choose another name')).toBeVisible();

	await tabTo(page, 'link', 'New group');
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(/\/new$/);
	await tabTo(page, 'textbox', 'Group name');
	await page.keyboard.type('Evening check-in');
	await tabTo(page, 'button', 'Create group');
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(/\/g\/[^/]+\/invite$/, { timeout: 20_000 });

	await tabTo(page, 'link', 'Chat');
	await page.keyboard.press('Enter');
	await tabTo(page, 'textbox', 'Write a message');
	await page.keyboard.type('Made it here without a mouse.');
	await page.keyboard.press('Enter');
	await expect(page.getByText('Made it here without a mouse.')).toBeVisible();
	await expect(page.getByRole('textbox', { name: 'Write a message' })).toHaveValue('');

	// The safety controls are reachable from here too.
	await tabTo(page, 'link', 'Get help now');
	await tabTo(page, 'button', 'Quick exit');
	await page.keyboard.press('Space');
	await expect(page.getByText('Made it here without a mouse.')).toHaveCount(0);
	await expect(page).not.toHaveURL(/\/g\//);
	await context.close();
});
