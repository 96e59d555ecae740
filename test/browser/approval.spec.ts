/**
 * Approval of new members (issue 12 item 3; PROTOCOL §13.8) with three people: the admin turns
 * approval on; a newcomer opens the link, writes a word to the moderators and waits on a calm
 * screen; the admin sees the request (a count on People), lets them in after a confirmation, and
 * the newcomer reads and posts; a second newcomer is declined and is told calmly. The waiting
 * screen and the People "Waiting to join" section pass axe at phone and desktop size.
 */
import { expect, test, type Page } from '@playwright/test';
import { createGroup, createInvite, expectMessage, groupIdOfLink, groupPath, newPerson, openChat, rememberGroup, send, type Person } from './helpers.ts';
import { checkScreen } from './screen-check.ts';

/** Opens the link and asks to join with `note`; ends on the waiting screen. */
async function askToJoin(person: Person, link: string, note?: string): Promise<void> {
	const page: Page = person.page;
	await page.goto(link);
	await expect(page.getByTestId('asks-approval')).toBeVisible({ timeout: 20_000 });
	await page.getByLabel('Your name in this group').fill(person.name);
	if (note) await page.getByLabel('A word to the moderators (optional)').fill(note);
	await page.getByRole('button', { name: 'Ask to join' }).click();
	await expect(page.getByRole('heading', { name: 'Waiting for a moderator to let you in' })).toBeVisible({ timeout: 20_000 });
	rememberGroup(page, groupIdOfLink(link));
}

test('new members wait for approval: asked, let in, reading and posting; another declined calmly', async ({ browser }) => {
	test.setTimeout(180_000);
	const ada = await newPerson(browser, 'Ada Moss');
	const group = await createGroup(ada.page, 'Quiet room');
	await ada.page.goto(groupPath(ada.page, group, 'settings'));
	await ada.page.getByLabel('New members wait for approval').check();
	await ada.page.getByRole('button', { name: 'Save safety settings' }).click();
	await expect(ada.page.getByTestId('safety-saved')).toBeVisible({ timeout: 20_000 });
	const link = await createInvite(ada.page, group);

	// The newcomer asks, with a word to the moderators, and waits: nothing of the chat is shown.
	const nia = await newPerson(browser, 'Nia Reed');
	await askToJoin(nia, link, 'A friend from the Tuesday meeting sent me.');
	await expect(nia.page.getByLabel('Write a message')).toHaveCount(0);
	await checkScreen(nia.page, 'approval-waiting');

	// The admin sees the count and the request on People, with the note.
	await ada.page.goto(groupPath(ada.page, group, 'people'));
	await expect(ada.page.getByTestId('join-requests')).toHaveText(/1/, { timeout: 20_000 });
	const request = ada.page.getByTestId('join-request');
	await expect(request).toContainText('Calls themself Nia Reed');
	await expect(request).toContainText('A friend from the Tuesday meeting sent me.');
	await checkScreen(ada.page, 'approval-people');
	await request.getByRole('button', { name: 'Let in' }).click();
	await ada.page.getByRole('dialog').getByRole('button', { name: 'Let in' }).click();
	await expect(ada.page.getByTestId('join-request')).toHaveCount(0, { timeout: 20_000 });

	// Let in: the newcomer's chat opens; both ways work.
	await expect(nia.page.getByTestId('waiting-to-join')).toHaveCount(0, { timeout: 20_000 });
	await openChat(nia.page, groupIdOfLink(link));
	await send(nia.page, 'Thank you for letting me in.');
	await openChat(ada.page, group);
	await expectMessage(ada.page, 'Thank you for letting me in.');
	await send(ada.page, 'Welcome, Nia.');
	await expectMessage(nia.page, 'Welcome, Nia.');

	// A second newcomer is declined and told calmly; the group is gone from their list.
	const ola = await newPerson(browser, 'Ola Finch');
	await askToJoin(ola, link);
	await ada.page.goto(groupPath(ada.page, group, 'people'));
	await ada.page.getByTestId('join-request').getByRole('button', { name: 'Decline' }).click();
	await ada.page.getByRole('dialog').getByRole('button', { name: 'Decline' }).click();
	await expect(ola.page.getByTestId('request-ended')).toContainText('The moderators did not let you in this time.', { timeout: 20_000 });
	await ola.page.goto('/');
	await expect(ola.page.getByTestId('group-name')).toHaveCount(0);
});
