/**
 * Un-hide and warn (issue 12 item 2; PROTOCOL §13.4, §13.5) with three people: a moderator hides
 * a message and undoes it (back for everyone), hides it again and shows it again from the hidden
 * message's menu; then sends its author a private note that only they (and the moderator) see.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { expectMessage, groupOfTwo, joinByLink, messageAction, newPerson, openChat, send } from './helpers.ts';

const PHONE = { width: 390, height: 844 };
const HIDDEN = 'A moderator hid this message.';

async function noSeriousAxe(page: Page, what: string): Promise<void> {
	const results = await new AxeBuilder({ page }).analyze();
	const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), `${what} has no serious or critical accessibility problem`).toEqual([]);
}

test('a moderator hides, undoes, hides again and shows the message again from its menu; then warns its author, and only the author reads the note', async ({ browser }) => {
	test.setTimeout(180_000);
	const { host: mod, group, link, guest: oli } = await groupOfTwo(browser, 'Nia Stone', 'Undo room', 'Oli Grey');
	const pat = await newPerson(browser, 'Pat Vale');
	await joinByLink(pat, link);
	await openChat(mod.page, group);
	await openChat(oli.page, group);
	await send(pat.page, 'Harsh words here');
	for (const p of [mod, oli]) await expectMessage(p.page, 'Harsh words here');
	const everyone = [mod, oli, pat];
	const atMod = mod.page.getByTestId('message').filter({ hasText: 'Harsh words here' });

	// Hide (after the confirmation), then Undo from the notice: back for everyone.
	await messageAction(atMod, 'Hide for everyone');
	await mod.page.getByRole('dialog', { name: 'Hide this message for everyone?' }).getByRole('button', { name: 'Hide for everyone' }).click();
	for (const p of everyone) await expect(p.page.getByText(HIDDEN)).toBeVisible({ timeout: 20_000 });
	for (const p of everyone) await expect(p.page.getByText('Harsh words here')).toHaveCount(0);
	const notice = mod.page.getByTestId('hide-notice');
	await expect(notice).toContainText('Message hidden for everyone.');
	await notice.getByRole('button', { name: 'Undo' }).click();
	await expect(notice).toContainText('The message is shown again for everyone.', { timeout: 20_000 });
	for (const p of everyone) await expectMessage(p.page, 'Harsh words here');
	for (const p of everyone) await expect(p.page.getByText(HIDDEN)).toHaveCount(0);

	// Hidden again; another member's menu offers nothing on it; the moderator's shows it again.
	await messageAction(atMod, 'Hide for everyone');
	await mod.page.getByRole('dialog', { name: 'Hide this message for everyone?' }).getByRole('button', { name: 'Hide for everyone' }).click();
	for (const p of everyone) await expect(p.page.getByText(HIDDEN)).toBeVisible({ timeout: 20_000 });
	await notice.getByRole('button', { name: 'Dismiss' }).click();
	await expect(oli.page.getByTestId('message').filter({ hasText: HIDDEN }).getByTestId('message-actions')).toHaveCount(0);
	await messageAction(mod.page.getByTestId('message').filter({ hasText: HIDDEN }), 'Show again for everyone');
	for (const p of everyone) await expectMessage(p.page, 'Harsh words here');

	// Warn: a dialog with prepared notes or one's own words, checked at phone size.
	await mod.page.setViewportSize(PHONE);
	await messageAction(atMod, 'Send a private note…');
	const dialog = mod.page.getByRole('dialog', { name: 'Send Pat Vale a private note' });
	await expect(dialog).toBeVisible();
	await expect(dialog.getByTestId('warn-preview')).toContainText('guidelines');
	await dialog.getByLabel('In my own words').check();
	await dialog.getByRole('button', { name: 'Send the note' }).click();
	await expect(dialog.getByRole('alert')).toContainText('Please write a few words');
	await dialog.getByLabel('Your note').fill('Please keep it kind here, thank you.');
	await expect(dialog.getByRole('alert')).toHaveCount(0);
	await noSeriousAxe(mod.page, 'the private note dialog at phone size');
	await mod.page.screenshot({ path: 'test-results/screenshots/warn-dialog-phone.png' });
	await dialog.getByRole('button', { name: 'Send the note' }).click();
	await expect(dialog).toHaveCount(0, { timeout: 20_000 });
	await expect(mod.page.getByTestId('warn-sent')).toContainText('Your note was sent to Pat Vale.');
	await expect(mod.page.getByTestId('warn-note')).toContainText('Nia Stone warned Pat Vale: Please keep it kind here, thank you.', { timeout: 20_000 });

	await pat.page.setViewportSize(PHONE);
	const note = pat.page.getByTestId('warn-note');
	await expect(note).toHaveText('A moderator sent you a note: Please keep it kind here, thank you.', { timeout: 20_000 });
	await expect(note).not.toContainText('Nia Stone');
	await noSeriousAxe(pat.page, 'the warned member\'s note at phone size');
	await pat.page.screenshot({ path: 'test-results/screenshots/warned-member-phone.png' });
	// Pat can still write: a note is not a mute.
	await send(pat.page, 'Sorry, understood');
	await expectMessage(oli.page, 'Sorry, understood');
	// Oli holds everything up to Pat's later message, the note included, and sees nothing of it.
	await expect(oli.page.getByTestId('warn-note')).toHaveCount(0);
	await expect(oli.page.getByText('Please keep it kind here')).toHaveCount(0);
	for (const p of everyone) await p.context.close();
});
