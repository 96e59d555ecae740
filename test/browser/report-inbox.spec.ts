/**
 * The report inbox (issue 12 items 1 and 5, PROTOCOL §13.6) with four people in four browser
 * contexts: Ash (facilitator) and Dee (moderator) handle a report Bo sends about Cy's message.
 * Report → in review (Dee sees that Ash took it) → hide → resolved → Bo reads that a moderator
 * acted, without the action or who. Open-report counts show to moderators only. Axe scans and
 * screenshots of the inbox at phone and desktop size.
 */
import { expect, test } from '@playwright/test';
import { expectMessage, groupOfTwo, groupPath, joinByLink, messageAction, newPerson, openChat, send } from './helpers.ts';
import { checkScreen } from './screen-check.ts';

test('report inbox: report → in review (the other moderator sees who took it) → hide → resolved → the reporter reads that a moderator acted', async ({ browser }) => {
	test.setTimeout(240_000);
	const { host: ash, group, link, guest: dee } = await groupOfTwo(browser, 'Ash Vale', 'Inbox room', 'Dee Marsh');
	const bo = await newPerson(browser, 'Bo Reed');
	await joinByLink(bo, link);
	const cy = await newPerson(browser, 'Cy Stone');
	await joinByLink(cy, link);

	await ash.page.goto(groupPath(ash.page, group, 'people'));
	const row = ash.page.getByTestId('member').filter({ hasText: 'Dee Marsh' });
	await row.getByRole('button', { name: 'Make moderator' }).click();
	await expect(row).toContainText('Moderator', { timeout: 20_000 });
	await expect(dee.page.getByRole('link', { name: /^Reports/ })).toBeVisible({ timeout: 20_000 });

	await openChat(cy.page, group);
	await send(cy.page, 'Nobody here wants you around');
	await expectMessage(bo.page, 'Nobody here wants you around');
	await messageAction(bo.page.getByTestId('message').filter({ hasText: 'Nobody here wants you around' }), 'Report');
	await bo.page.getByLabel('Note').fill('this hurt to read');
	await bo.page.getByRole('button', { name: 'Send report' }).click();
	const mine = bo.page.getByTestId('my-report');
	await expect(mine).toContainText('Your report was sent', { timeout: 20_000 });

	// Ash opens the inbox: one new report; the Reports tab counts it.
	await ash.page.goto(groupPath(ash.page, group, 'reports'));
	const state = ash.page.getByTestId('report-state');
	await expect(state).toHaveText('New', { timeout: 20_000 });
	await expect(ash.page.getByTestId('open-reports')).toHaveText(/^1/);
	// Counts are for moderators only.
	await expect(bo.page.getByTestId('open-reports')).toHaveCount(0);
	await expect(bo.page.getByTestId('open-reports-badge')).toHaveCount(0);
	await checkScreen(ash.page, 'report-inbox-new');
	// The group list beside the chat counts it too (desktop layout).
	await expect(ash.page.getByTestId('open-reports-badge')).toHaveText('1 open report');
	await ash.page.setViewportSize({ width: 390, height: 844 });
	const take = ash.page.getByRole('button', { name: 'Take this report' });
	expect((await take.boundingBox())!.height, 'a 44 px target on a phone').toBeGreaterThanOrEqual(44);
	await ash.page.setViewportSize({ width: 1280, height: 800 });

	await ash.page.getByRole('button', { name: 'Take this report' }).click();
	await expect(state).toHaveText('In review by you', { timeout: 20_000 });
	await ash.page.getByLabel('Note for the other moderators').fill('I will look at the thread');
	await ash.page.getByRole('button', { name: 'Add note' }).click();

	// Dee sees who took it, and the note.
	await dee.page.goto(groupPath(dee.page, group, 'reports'));
	await expect(dee.page.getByTestId('report-state')).toHaveText('In review by Ash Vale', { timeout: 20_000 });
	await expect(dee.page.getByTestId('report-notes')).toContainText('Ash Vale: I will look at the thread', { timeout: 20_000 });
	await expect(mine).toContainText('Report received', { timeout: 20_000 });
	await checkScreen(dee.page, 'report-inbox-review');

	await ash.page.getByRole('button', { name: 'Hide for everyone' }).click();
	await expect(state).toHaveText('Resolved by you: message hidden', { timeout: 20_000 });
	await expect(ash.page.getByTestId('open-reports')).toHaveCount(0);
	await expect(ash.page.getByTestId('open-reports-badge')).toHaveCount(0);
	await expect(dee.page.getByTestId('report-state')).toHaveText('Resolved by Ash Vale: message hidden', { timeout: 20_000 });
	// Resolved by another moderator: shown, with no action left to repeat.
	await expect(dee.page.getByRole('button', { name: 'Hide for everyone' })).toHaveCount(0);
	await expect(dee.page.getByRole('button', { name: 'Resolve: no action needed' })).toHaveCount(0);
	await checkScreen(dee.page, 'report-inbox-resolved');

	// The reporter reads that a moderator acted: not what, not who; and can dismiss it.
	await expect(mine).toContainText('A moderator acted on your report', { timeout: 20_000 });
	await expect(mine).not.toContainText('hidden');
	await expect(mine).not.toContainText('Ash');
	await expect(bo.page.getByText('I will look at the thread')).toHaveCount(0);
	await expect(cy.page.getByText('I will look at the thread')).toHaveCount(0);
	await bo.page.setViewportSize({ width: 390, height: 844 });
	await bo.page.screenshot({ path: 'test-results/screenshots/report-feedback-phone.png' });
	await mine.getByRole('button', { name: 'Dismiss' }).click();
	await expect(mine).toHaveCount(0);
	for (const p of [ash, dee, bo, cy]) await p.context.close();
});
