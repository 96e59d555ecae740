/**
 * Safety settings (issue 12 item 3; PROTOCOL §13.7) with two people: an admin finds them from
 * People, turns slow mode on, and the member meets a calm countdown with the send button waiting
 * and their words kept, which go once it ends; then the admin limits links, the member's composer
 * explains why a link was not sent, and the admin's own link still reaches them. The settings
 * screen passes axe at phone and desktop size; a member sees it read-only.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { expectMessage, groupOfTwo, groupPath, openChat, send } from './helpers.ts';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

async function noSeriousAxe(page: Page, what: string): Promise<void> {
	const results = await new AxeBuilder({ page }).analyze();
	const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), `${what} has no serious or critical accessibility problem`).toEqual([]);
}

async function save(page: Page): Promise<void> {
	await page.getByRole('button', { name: 'Save safety settings' }).click();
	await expect(page.getByTestId('safety-saved')).toBeVisible({ timeout: 20_000 });
}

test('slow mode: a calm countdown, the send button waits, the words are kept; the link limit explains itself; the settings screen is accessible', async ({ browser }) => {
	test.setTimeout(180_000);
	const { host: ada, group, guest: ben } = await groupOfTwo(browser, 'Ada Moss', 'Safety room', 'Ben Hale');
	await openChat(ben.page, group);

	// The admin reaches the settings from People; at phone size, with axe and a screenshot.
	await ada.page.setViewportSize(PHONE);
	await ada.page.goto(groupPath(ada.page, group, 'people'));
	await ada.page.getByTestId('safety-settings-link').click();
	await expect(ada.page.getByRole('heading', { name: 'Safety settings' })).toBeVisible();
	await expect(ada.page.getByLabel('Off')).toBeChecked();
	await expect(ada.page.getByLabel('Anyone may share links')).toBeChecked();
	for (const box of await ada.page.locator('label.check').all()) expect((await box.boundingBox())!.height).toBeGreaterThanOrEqual(44);
	await ada.page.getByLabel('One message every 30 seconds').check();
	await noSeriousAxe(ada.page, 'the safety settings at phone size');
	await ada.page.screenshot({ path: 'test-results/screenshots/safety-settings-phone.png', fullPage: true });
	await save(ada.page);

	// The member: after a message, the countdown; the button waits; what they type stays.
	await expect(async () => {
		await ben.page.goto(groupPath(ben.page, group, 'people'));
		await expect(ben.page.getByText('Slow mode: 30 seconds between messages')).toBeVisible({ timeout: 2_000 });
	}).toPass({ timeout: 20_000 });
	await openChat(ben.page, group);
	await ben.page.setViewportSize(PHONE);
	await send(ben.page, 'First thought');
	const countdown = ben.page.getByTestId('slow-countdown');
	await expect(countdown).toContainText('This group is in slow mode. You can send your next message in', { timeout: 20_000 });
	await expect(ben.page.getByRole('button', { name: 'Send' })).toBeDisabled();
	await ben.page.getByLabel('Write a message').fill('Second thought, kept for later');
	await ben.page.getByLabel('Write a message').press('Enter');
	await expect(ben.page.getByLabel('Write a message')).toHaveValue('Second thought, kept for later');
	await ben.page.screenshot({ path: 'test-results/screenshots/slow-mode-countdown-phone.png' });
	await noSeriousAxe(ben.page, 'the composer in slow mode at phone size');
	await expect(countdown).toHaveCount(0, { timeout: 40_000 });
	await expect(ben.page.getByRole('button', { name: 'Send' })).toBeEnabled();
	await ben.page.getByRole('button', { name: 'Send' }).click();
	await openChat(ada.page, group);
	await expectMessage(ada.page, 'Second thought, kept for later');
	// The admin is not slowed.
	await send(ada.page, 'One from the admin');
	await expect(ada.page.getByTestId('slow-countdown')).toHaveCount(0);
	await send(ada.page, 'And another right away');
	await expectMessage(ben.page, 'And another right away');

	// The link limit: slow mode off, links only from moderators and admins.
	await ada.page.goto(groupPath(ada.page, group, 'settings'));
	await ada.page.getByLabel('Off').check();
	await ada.page.getByLabel('Only moderators and admins may share links').check();
	await save(ada.page);
	await ada.page.setViewportSize(DESKTOP);
	await noSeriousAxe(ada.page, 'the safety settings at desktop size');
	await expect(async () => {
		await ben.page.goto(groupPath(ben.page, group, 'settings'));
		await expect(ben.page.getByLabel('Only moderators and admins may share links')).toBeChecked({ timeout: 2_000 });
	}).toPass({ timeout: 20_000 });
	// A member sees the settings but cannot change them.
	await expect(ben.page.getByTestId('safety-read-only')).toHaveText('Only an admin can change these.');
	await expect(ben.page.getByRole('button', { name: 'Save safety settings' })).toHaveCount(0);
	await openChat(ben.page, group);
	await send(ben.page, 'Try the forum at recovery-forum.org');
	await expect(ben.page.getByTestId('composer-error')).toContainText('This group does not allow links from members, so this message was not sent.');
	await expect(ben.page.getByLabel('Write a message')).toHaveValue('Try the forum at recovery-forum.org');
	await openChat(ada.page, group);
	await send(ada.page, 'The meeting list is at meetings.org');
	await expectMessage(ben.page, 'The meeting list is at meetings.org');
	await expect(ada.page.getByText('Try the forum at recovery-forum.org')).toHaveCount(0);
});
