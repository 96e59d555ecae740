import { expect, test } from '@playwright/test';
import { createGroup, createInvite, expectMessage, groupOfTwo, groupPath, joinByLink, messageText, newPerson, openChat, rememberGroup, send } from './helpers.ts';

test.describe('groups and chat between three people', () => {
	test('a facilitator creates a group, invites two people by link, and all three talk live', async ({ browser }) => {
		test.setTimeout(120_000);
		const ada = await newPerson(browser, 'Ada Heron');
		const group = await createGroup(ada.page, 'Evening circle', { description: 'A calm place for evenings.' });
		const link = await createInvite(ada.page, group);
		expect(link).toMatch(/\/join#[A-Za-z0-9_-]+$/);

		const ben = await newPerson(browser, 'Ben Otter');
		await ben.page.goto(link);
		await expect(ben.page.getByTestId('invite-group-name')).toHaveText('Evening circle', { timeout: 20_000 });
		await expect(ben.page.getByText('A calm place for evenings.')).toBeVisible();
		// The secret fragment leaves the address bar as soon as the page has read it.
		expect(ben.page.url()).not.toContain('#');
		await ben.page.getByLabel('Your name in this group').fill(ben.name);
		await ben.page.getByRole('button', { name: 'Join group' }).click();
		await expect(ben.page).toHaveURL(/\/g\/[^/]+$/, { timeout: 20_000 });
		rememberGroup(ben.page, group);
		await expect(ben.page.getByTestId('system-message').filter({ hasText: /before you joined are not shared with you/ })).toBeVisible();

		const cat = await newPerson(browser, 'Cat Wren');
		await joinByLink(cat, link);

		await openChat(ada.page, group);
		await send(ada.page, 'Welcome, both of you');
		await expectMessage(ben.page, 'Welcome, both of you');
		await expectMessage(cat.page, 'Welcome, both of you');

		await send(ben.page, 'Thank you, glad to be here');
		await expectMessage(ada.page, 'Thank you, glad to be here');
		await expectMessage(cat.page, 'Thank you, glad to be here');

		await send(cat.page, 'Same here');
		await expectMessage(ada.page, 'Same here');
		await expectMessage(ben.page, 'Same here');
		// Own messages end up marked as sent.
		await expect(ada.page.locator('[data-testid=message][data-status=sent]').filter({ hasText: 'Welcome, both of you' })).toBeVisible();

		await ada.page.goto(groupPath(ada.page, group, 'people'));
		await expect(ada.page.getByTestId('member')).toHaveCount(3, { timeout: 20_000 });
		for (const p of [ada, ben, cat]) await p.context.close();
	});

	test('history survives a reload, and a content warning hides the message until the reader reveals it', async ({ browser }) => {
		test.setTimeout(90_000);
		const { host: dan, group, guest: eve } = await groupOfTwo(browser, 'Dan Finch', 'Reload room', 'Eve Lark');

		await openChat(dan.page, group);
		await send(dan.page, 'This one should still be here after a reload');
		await dan.page.getByRole('button', { name: 'CW' }).click();
		await dan.page.getByLabel('Content warning').fill('hard day');
		await send(dan.page, 'Something heavy behind a warning');

		await expectMessage(eve.page, 'This one should still be here after a reload');
		await expect(eve.page.getByText('Content warning: hard day')).toBeVisible({ timeout: 20_000 });
		await expect(messageText(eve.page, 'Something heavy behind a warning')).toHaveCount(0);
		await eve.page.getByRole('button', { name: 'Show message' }).click();
		await expectMessage(eve.page, 'Something heavy behind a warning');

		await eve.page.reload();
		await openChat(eve.page, group);
		await expectMessage(eve.page, 'This one should still be here after a reload');
		await dan.page.reload();
		await openChat(dan.page, group);
		await expectMessage(dan.page, 'This one should still be here after a reload');
		await dan.context.close();
		await eve.context.close();
	});

	test('a message written while offline waits in the outbox and is delivered when the connection returns', async ({ browser }) => {
		test.setTimeout(90_000);
		const { host: fay, group, guest: gus } = await groupOfTwo(browser, 'Fay Moth', 'Outbox room', 'Gus Pine');
		await openChat(fay.page, group);
		await send(fay.page, 'Before the tunnel');
		await expectMessage(gus.page, 'Before the tunnel');

		await fay.context.setOffline(true);
		await expect(fay.page.getByTestId('connection')).toHaveAttribute('data-state', /offline|connecting/, { timeout: 30_000 });
		await send(fay.page, 'Written in the tunnel');
		await expect(fay.page.locator('[data-testid=message]').filter({ hasText: 'Written in the tunnel' })).toHaveAttribute('data-status', /sending|failed/);
		await gus.page.waitForTimeout(1500);
		await expect(messageText(gus.page, 'Written in the tunnel')).toHaveCount(0);

		await fay.context.setOffline(false);
		await expect(fay.page.getByTestId('connection')).toHaveAttribute('data-state', 'online', { timeout: 45_000 });
		await expectMessage(gus.page, 'Written in the tunnel', 45_000);
		await expect(fay.page.locator('[data-testid=message][data-status=sent]').filter({ hasText: 'Written in the tunnel' })).toBeVisible({ timeout: 20_000 });
		await fay.context.close();
		await gus.context.close();
	});
});
