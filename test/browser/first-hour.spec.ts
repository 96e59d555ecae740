/**
 * Issue 16, the first hour: a newcomer arriving by link and the paper cuts a member meets. Each
 * item at phone size (390x844), with axe scans and screenshots of the new screens.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { BASE_URL, createGroup, createInvite, groupPath, joinByLink, messageAction, newPerson, onboard, openChat, send, type Person } from './helpers.ts';

const PHONE = { width: 390, height: 844 };

async function phonePerson(browser: Browser, name: string): Promise<Person> {
	const context = await browser.newContext({ baseURL: BASE_URL, viewport: PHONE });
	const page = await context.newPage();
	await onboard(page, name);
	return { context, page, name };
}

/** A fresh phone-sized context that has not onboarded yet. */
async function newcomer(browser: Browser) {
	const context = await browser.newContext({ baseURL: BASE_URL, viewport: PHONE });
	return { context, page: await context.newPage() };
}

async function axe(page: Page) {
	const results = await new AxeBuilder({ page }).analyze();
	expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

async function shot(page: Page, name: string) {
	await page.screenshot({ path: `test-results/screenshots/${name}.png` });
}

async function noRawCode(page: Page) {
	await expect(page.getByText(/PROTOCOL_|RELAY_|CLIENT_/)).toHaveCount(0);
}

test.describe('the first hour (issue 16), at phone size', () => {
	test('1: arriving by invite, the first screen says so and keeps Continue on screen; the group name shows before joining', async ({ browser }) => {
		test.setTimeout(240_000);
		const host = await phonePerson(browser, 'Ada Heron');
		const group = await createGroup(host.page, 'Tuesday circle');
		const link = await createInvite(host.page, group);

		const { context, page } = await newcomer(browser);
		await page.goto(link);
		await expect(page).toHaveURL(/\/welcome$/, { timeout: 20_000 });
		await expect(page.getByRole('heading', { name: 'You have been invited to a group' })).toBeVisible();
		await expect(page.getByRole('button', { name: 'Continue' })).toBeInViewport();
		await axe(page);
		await shot(page, 'first-hour-welcome-by-invite-phone');
		// The group's name is not known yet (its keys come with the link, opened after onboarding).
		await expect(page.getByText('Tuesday circle')).toHaveCount(0);
		await page.getByRole('button', { name: 'Continue' }).click();
		await page.getByLabel('Your name in groups').fill('Bea Finch');
		await page.getByRole('button', { name: 'Start' }).click();
		await expect(page.getByTestId('invite-group-name')).toHaveText('Tuesday circle', { timeout: 20_000 });
		await shot(page, 'first-hour-join-after-welcome-phone');
		await host.context.close();
		await context.close();
	});

	test('1: without an invite, the first screen does not claim one and Continue is still on screen', async ({ browser }) => {
		const { context, page } = await newcomer(browser);
		await page.goto('/');
		await expect(page).toHaveURL(/\/welcome$/);
		await expect(page.getByRole('heading', { name: 'A quiet place to be heard' })).toBeVisible();
		await expect(page.getByTestId('invited-welcome')).toHaveCount(0);
		await expect(page.getByRole('button', { name: 'Continue' })).toBeInViewport();
		await context.close();
	});

	test('2: a name is limited to 40 characters, and the count shows as the person types', async ({ browser }) => {
		const { context, page } = await newcomer(browser);
		await page.goto('/');
		await page.getByRole('button', { name: 'Continue' }).click();
		const field = page.getByLabel('Your name in groups');
		await field.fill('');
		await field.pressSequentially('Quiet');
		await expect(page.getByTestId('name-length')).toHaveText('5 of 40 characters');
		await field.pressSequentially(' and very patient heron of the northern lakes');
		await expect(field).toHaveValue('Quiet and very patient heron of the nort');
		await expect(page.getByTestId('name-length')).toHaveText('40 of 40 characters: that is the limit.');
		await axe(page);
		await page.getByRole('button', { name: 'Start' }).click();
		await expect(page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
		await expect(page.getByText('Quiet and very patient heron of the nort', { exact: true })).toBeVisible();
		await context.close();
	});

	test('3: onboarding explains the passphrase choice in one sentence; without one, a later visit reminds once, gently', async ({ browser }) => {
		const { context, page } = await newcomer(browser);
		await page.goto('/');
		await page.getByRole('button', { name: 'Continue' }).click();
		await expect(page.getByTestId('passphrase-choice')).toContainText('Without a passphrase, anyone who opens this site in this browser sees all your groups');
		await expect(page.getByLabel('Lock Unseen on this device with a passphrase')).toBeVisible();
		await page.getByLabel('Your name in groups').fill('Cal Otter');
		await page.getByRole('button', { name: 'Start' }).click();
		await expect(page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
		// Not in the same visit that chose not to set one.
		await expect(page.getByTestId('passphrase-reminder')).toHaveCount(0);

		await page.reload();
		const reminder = page.getByTestId('passphrase-reminder');
		await expect(reminder).toContainText('anyone using this browser can read your groups', { timeout: 20_000 });
		await expect(reminder.getByRole('link', { name: 'Add a passphrase' })).toHaveAttribute('href', /\/settings/);
		await axe(page);
		await shot(page, 'first-hour-passphrase-reminder-phone');
		await reminder.getByRole('button', { name: 'Not now' }).click();
		await expect(reminder).toHaveCount(0);

		await page.reload();
		await expect(page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
		await expect(page.getByTestId('passphrase-reminder')).toHaveCount(0);
		await context.close();
	});

	test('4: a damaged, a withdrawn and an unreachable invite are told apart, each with what to do and no raw code', async ({ browser }) => {
		test.setTimeout(300_000);
		const host = await phonePerson(browser, 'Dee Raven');
		const group = await createGroup(host.page, 'Evening room');
		const link = await createInvite(host.page, group);

		// Damaged: cut short in copying. Told at once, before any onboarding.
		const fresh = await newcomer(browser);
		await fresh.page.goto(link.slice(0, -12));
		const problem = fresh.page.getByTestId('invite-problem');
		await expect(problem).toHaveAttribute('data-problem', 'damaged', { timeout: 20_000 });
		await expect(problem.getByRole('heading')).toHaveText('This link is incomplete');
		await expect(problem).toContainText('Ask for it again');
		await expect(fresh.page.getByRole('heading', { name: 'You are invited' })).toHaveCount(0);
		await noRawCode(fresh.page);
		await axe(fresh.page);
		await shot(fresh.page, 'first-hour-invite-damaged-phone');
		await fresh.context.close();

		// Unreachable: the link is fine but the relay cannot be reached; it opens by itself when it can.
		const context = await browser.newContext({ baseURL: BASE_URL, viewport: PHONE });
		let relayDown = false;
		await context.routeWebSocket('**/relay', (ws) => (relayDown ? ws.close() : ws.connectToServer()));
		const guest: Person = { context, page: await context.newPage(), name: 'Eli Wren' };
		await onboard(guest.page, guest.name);
		relayDown = true;
		await guest.page.goto(link);
		await expect(guest.page.getByTestId('invite-problem')).toHaveAttribute('data-problem', 'unreachable', { timeout: 30_000 });
		await expect(guest.page.getByTestId('invite-problem').getByRole('heading')).toHaveText('The server cannot be reached right now');
		await noRawCode(guest.page);
		await axe(guest.page);
		await shot(guest.page, 'first-hour-invite-unreachable-phone');
		relayDown = false;
		await expect(guest.page.getByTestId('invite-group-name')).toHaveText('Evening room', { timeout: 45_000 });

		// Withdrawn: expired, used up or withdrawn, said as one case.
		await host.page.getByRole('button', { name: 'Withdraw' }).click();
		await expect(host.page.getByTestId('invite')).toHaveCount(0, { timeout: 20_000 });
		await guest.page.goto('/');
		await guest.page.goto(link);
		await expect(guest.page.getByTestId('invite-problem')).toHaveAttribute('data-problem', 'invalid', { timeout: 20_000 });
		await expect(guest.page.getByTestId('invite-problem').getByRole('heading')).toHaveText('This invite no longer works');
		await expect(guest.page.getByTestId('invite-problem')).toContainText('Ask the person who invited you for a new link');
		await expect(guest.page.getByRole('button', { name: 'Join group' })).toHaveCount(0);
		await noRawCode(guest.page);
		await axe(guest.page);
		await shot(guest.page, 'first-hour-invite-withdrawn-phone');
		await host.context.close();
		await guest.context.close();
	});

	test('5: a member of a group where only facilitators invite sees whom to ask, and no invite cards, links or Withdraw', async ({ browser }) => {
		test.setTimeout(240_000);
		const host = await phonePerson(browser, 'Fay Lark');
		const group = await createGroup(host.page, 'Facilitated room');
		const link = await createInvite(host.page, group);
		const member = await phonePerson(browser, 'Gus Moth');
		await joinByLink(member, link);
		await member.page.getByRole('link', { name: 'Invite' }).click();
		await expect(member.page.getByTestId('only-facilitators-invite')).toContainText('ask a facilitator');
		await expect(member.page.getByTestId('invite')).toHaveCount(0);
		await expect(member.page.getByTestId('invite-link')).toHaveCount(0);
		await expect(member.page.getByRole('button', { name: /Withdraw|Copy link|QR code|Create invite link/ })).toHaveCount(0);
		await axe(member.page);
		await host.context.close();
		await member.context.close();
	});

	test('6: the removed person sees one calm notice, no People or Invite, no head count, and may remove the group from the list', async ({ browser }) => {
		test.setTimeout(240_000);
		const host = await phonePerson(browser, 'Hal Pine');
		const group = await createGroup(host.page, 'Removal circle');
		const link = await createInvite(host.page, group);
		const gone = await phonePerson(browser, 'Ivy Reed');
		await joinByLink(gone, link);

		await host.page.goto(groupPath(host.page, group, 'people'));
		await host.page.getByTestId('member').filter({ hasText: 'Ivy Reed' }).getByRole('button', { name: 'Remove' }).click();
		await host.page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();

		const notice = gone.page.getByTestId('removed-notice');
		await expect(notice).toBeVisible({ timeout: 20_000 });
		await expect(notice.getByRole('heading')).toHaveText('You are no longer in this group');
		// Once: not again as an app-wide notice above it.
		await expect(gone.page.getByText(/no longer (a member|in)/).filter({ visible: true })).toHaveCount(1);
		await expect(gone.page.getByRole('navigation', { name: 'Group sections' }).getByRole('link', { name: 'People' })).toHaveCount(0);
		await expect(gone.page.getByRole('navigation', { name: 'Group sections' }).getByRole('link', { name: 'Invite' })).toHaveCount(0);
		await expect(gone.page.getByText(/\d people/).filter({ visible: true })).toHaveCount(0);
		await axe(gone.page);
		await shot(gone.page, 'first-hour-removed-phone');

		// Kept in the list, it says what it is, without a head count.
		await gone.page.getByRole('link', { name: 'Back to your groups' }).click();
		const entry = gone.page.getByRole('link', { name: /Removal circle/ });
		await expect(entry).toContainText('You are no longer in this group');
		await expect(entry).not.toContainText('people');
		await entry.click();
		await gone.page.getByRole('button', { name: 'Remove it from your list' }).click();
		await expect(gone.page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
		await expect(gone.page.getByRole('link', { name: /Removal circle/ })).toHaveCount(0);
		await gone.page.reload();
		await expect(gone.page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
		await expect(gone.page.getByRole('link', { name: /Removal circle/ })).toHaveCount(0);
		await host.context.close();
		await gone.context.close();
	});

	test('7: a listener’s ask to speak shows as pending to them, and to facilitators in the chat and on the group list', async ({ browser }) => {
		test.setTimeout(240_000);
		const host = await phonePerson(browser, 'Jo Aspen');
		const group = await createGroup(host.page, 'Listening room', { listenersMaySpeak: false });
		const link = await createInvite(host.page, group, 'listener');
		const listener = await phonePerson(browser, 'Kit Sparrow');
		await joinByLink(listener, link);
		await openChat(host.page, group);
		await expect(host.page.getByTestId('ask-to-speak-notice')).toHaveCount(0);

		await listener.page.getByRole('button', { name: 'Ask to speak' }).click();
		await expect(listener.page.getByTestId('asked-to-speak')).toContainText('You asked to speak', { timeout: 20_000 });
		await expect(listener.page.getByRole('button', { name: 'Ask to speak' })).toHaveCount(0);
		await shot(listener.page, 'first-hour-listener-asked-phone');

		const notice = host.page.getByTestId('ask-to-speak-notice');
		await expect(notice).toContainText('Kit Sparrow would like to speak', { timeout: 20_000 });
		await axe(host.page);
		await shot(host.page, 'first-hour-ask-to-speak-chat-phone');
		await host.page.goto('/');
		await expect(host.page.getByRole('link', { name: /Listening room/ }).getByTestId('ask-to-speak-badge')).toHaveText('1 asking to speak', { timeout: 20_000 });
		await shot(host.page, 'first-hour-ask-to-speak-list-phone');

		// Answered: the notice and the badge go.
		await host.page.goto(groupPath(host.page, group, 'people'));
		await host.page.getByTestId('member').filter({ hasText: 'Kit Sparrow' }).getByRole('button', { name: 'Let them speak' }).click();
		await expect(listener.page.getByLabel('Write a message')).toBeVisible({ timeout: 20_000 });
		await openChat(host.page, group);
		await expect(host.page.getByTestId('ask-to-speak-notice')).toHaveCount(0);
		await host.page.goto('/');
		await expect(host.page.getByTestId('ask-to-speak-badge')).toHaveCount(0);
		await host.context.close();
		await listener.context.close();
	});

	test('8: deleting one’s own message can be undone for a few seconds; otherwise the delete is sent', async ({ browser }) => {
		test.setTimeout(240_000);
		const host = await phonePerson(browser, 'Lou Dove');
		const group = await createGroup(host.page, 'Undo room');
		const link = await createInvite(host.page, group);
		const other = await phonePerson(browser, 'Max Fern');
		await joinByLink(other, link);
		await openChat(host.page, group);
		await send(host.page, 'Maybe I should not have said this');
		await expect(other.page.getByText('Maybe I should not have said this')).toBeVisible({ timeout: 20_000 });

		const mine = host.page.getByTestId('message').filter({ hasText: 'Maybe I should not have said this' });
		await messageAction(mine, 'Delete');
		const undo = host.page.getByTestId('undo-delete');
		// Focus moves to Undo (the Delete button left with its message): Enter undoes at once.
		await expect(undo.getByRole('button', { name: 'Undo' })).toBeFocused();
		await expect(mine).toHaveCount(0);
		await host.page.keyboard.press('Enter');
		await expect(mine).toHaveCount(1);
		await expect(undo).toHaveCount(0);
		// Undone: nothing was sent; the other person still reads it.
		await expect(other.page.getByText('Maybe I should not have said this')).toBeVisible();
		await expect(other.page.getByText('Deleted by the sender. You can still report it.')).toHaveCount(0);

		await messageAction(mine, 'Delete');
		await expect(undo).toContainText('Message deleted.');
		await shot(host.page, 'first-hour-delete-undo-phone');
		await axe(host.page);
		// When the undo time runs out the delete is sent.
		await expect(undo).toHaveCount(0, { timeout: 20_000 });
		await expect(host.page.getByText('This message was deleted.')).toBeVisible({ timeout: 20_000 });
		await expect(other.page.getByText('Deleted by the sender. You can still report it.')).toBeVisible({ timeout: 20_000 });

		// Locking within the undo time does not lose the person's choice: the delete goes out.
		await send(host.page, 'Second thoughts about this one too');
		await expect(other.page.getByText('Second thoughts about this one too')).toBeVisible({ timeout: 20_000 });
		await messageAction(host.page.getByTestId('message').filter({ hasText: 'Second thoughts about this one too' }), 'Delete');
		await expect(undo).toContainText('Message deleted.');
		// Quick exit locks the app (as Lock now does) within the undo time.
		for (let i = 0; i < 3; i++) await host.page.keyboard.press('Shift');
		await expect(host.page).not.toHaveURL(/\/g\//, { timeout: 20_000 });
		// Opening the app again sends what was queued: the delete reaches the other person.
		await openChat(host.page, group);
		await expect(host.page.getByTestId('message').filter({ hasText: 'Second thoughts about this one too' })).toHaveCount(0, { timeout: 20_000 });
		await expect(other.page.getByText('Second thoughts about this one too')).toHaveCount(0, { timeout: 20_000 });
		await host.context.close();
		await other.context.close();
	});

	test('9: creating invites keeps the group header and its tabs in place', async ({ browser }) => {
		test.setTimeout(240_000);
		const host = await phonePerson(browser, 'Ned Owl');
		const group = await createGroup(host.page, 'Header room');
		await expect(host.page).toHaveURL(new RegExp(`${groupPath(host.page, group, 'invite')}$`));
		for (let i = 1; i <= 3; i++) {
			await host.page.getByRole('button', { name: 'Create invite link' }).click();
			await expect(host.page.getByTestId('invite-link')).toHaveCount(i, { timeout: 20_000 });
		}
		await expect(host.page.getByTestId('group-title')).toBeInViewport();
		await expect(host.page.getByRole('navigation', { name: 'Group sections' })).toBeInViewport();
		expect(await host.page.evaluate(() => window.scrollY)).toBe(0);
		// The new link is shown, in the page's own scrolling list.
		await expect(host.page.getByTestId('invite-link').last()).toBeInViewport();
		await shot(host.page, 'first-hour-invite-created-phone');
		await host.context.close();
	});

	test('10: quick exit’s default decoy is a neutral page on this site with a neutral title', async ({ browser }) => {
		const { context, page } = await newcomer(browser);
		await page.goto('/weather.html');
		await expect(page).toHaveTitle('Weather');
		expect(await page.title()).not.toMatch(/unseen/i);
		await expect(page.locator('body')).not.toContainText(/unseen/i);
		await context.close();
	});

	test('11: a message written offline says in the message that it waits for the connection and sends by itself', async ({ browser }) => {
		test.setTimeout(240_000);
		const host = await phonePerson(browser, 'Ola Birch');
		const group = await createGroup(host.page, 'Offline room');
		await openChat(host.page, group);
		await host.context.setOffline(true);
		await expect(host.page.getByTestId('connection')).toHaveAttribute('data-state', 'offline', { timeout: 20_000 });
		await send(host.page, 'Written on the train');
		const waiting = host.page.getByTestId('message').filter({ hasText: 'Written on the train' }).getByTestId('message-waiting');
		await expect(waiting).toHaveText('Waiting for connection — it will send by itself');
		await shot(host.page, 'first-hour-offline-waiting-phone');
		await host.context.setOffline(false);
		await expect(waiting).toHaveCount(0, { timeout: 30_000 });
		await host.context.close();
	});
});
