import { expect, test } from '@playwright/test';
import { createGroup, createInvite, expectMessage, groupPath, joinByLink, messageText, newPerson, openChat, send } from './helpers.ts';

test.describe('membership', () => {
	test('P5 secrecy after removal: a removed member stops receiving and cannot read what is sent afterwards', async ({ browser }) => {
		test.setTimeout(120_000);
		const host = await newPerson(browser, 'Hana Crane');
		const group = await createGroup(host.page, 'Removal room');
		const link = await createInvite(host.page, group);
		const stays = await newPerson(browser, 'Ivo Reed');
		const leaves = await newPerson(browser, 'Jo Thistle');
		await joinByLink(stays, link);
		await joinByLink(leaves, link);

		await openChat(host.page, group);
		await send(host.page, 'Everyone can read this');
		await expectMessage(leaves.page, 'Everyone can read this');

		await host.page.goto(groupPath(host.page, group, 'people'));
		await host.page.getByTestId('member').filter({ hasText: 'Jo Thistle' }).getByRole('button', { name: 'Remove' }).click();
		await host.page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
		await expect(host.page.getByTestId('member')).toHaveCount(2, { timeout: 20_000 });
		// Said once, in the group's own chat (the app-wide notice goes there: issue 16).
		await expect(leaves.page.getByTestId('removed-notice')).toContainText('messages were deleted from this device', { timeout: 20_000 });

		await openChat(host.page, group);
		await send(host.page, 'Said after the removal');
		await expectMessage(stays.page, 'Said after the removal');
		await leaves.page.reload();
		await leaves.page.waitForTimeout(2000);
		await expect(messageText(leaves.page, 'Said after the removal')).toHaveCount(0);
		// The device keeps nothing of the group but a plain notice: not even what came before.
		await openChat(leaves.page, group);
		await expect(leaves.page.getByTestId('removed-notice')).toContainText('You are no longer in this group');
		await expect(leaves.page.getByTestId('removed-notice')).toContainText('messages were deleted from this device');
		await expect(leaves.page.getByRole('link', { name: 'Back to your groups' })).toBeVisible();
		await expect(leaves.page.getByText('Everyone can read this')).toHaveCount(0);
		await expect(leaves.page.getByLabel('Write a message')).toHaveCount(0);
		for (const p of [host, stays, leaves]) await p.context.close();
	});

	test('a listener reads but has no message box, and can start speaking where the group allows it', async ({ browser }) => {
		test.setTimeout(90_000);
		const host = await newPerson(browser, 'Kit Swan');
		const group = await createGroup(host.page, 'Listening room');
		const link = await createInvite(host.page, group, 'listener');
		const reader = await newPerson(browser, 'Lee Birch');
		await joinByLink(reader, link);
		await expect(reader.page.getByTestId('listener-bar')).toContainText('You are listening');
		await expect(reader.page.getByLabel('Write a message')).toHaveCount(0);
		await openChat(host.page, group);
		await send(host.page, 'Listeners are welcome here');
		await expectMessage(reader.page, 'Listeners are welcome here');
		// A listener's message menu offers no reply and no reactions, only what reading allows.
		const welcome = reader.page.getByTestId('message').filter({ hasText: 'Listeners are welcome here' });
		await welcome.getByTestId('message-actions').click();
		await expect(welcome.getByRole('menuitem', { name: 'Report' })).toBeVisible();
		await expect(welcome.getByRole('menuitem', { name: 'Reply' })).toHaveCount(0);
		await expect(welcome.getByRole('menuitem', { name: /React with/ })).toHaveCount(0);
		await reader.page.keyboard.press('Escape');

		await reader.page.getByRole('button', { name: 'Start speaking' }).click();
		await expect(reader.page.getByLabel('Write a message')).toBeVisible({ timeout: 20_000 });
		await send(reader.page, 'I finally said something');
		await expectMessage(host.page, 'I finally said something');
		await host.context.close();
		await reader.context.close();
	});

	test('a listener in a group where listeners may not speak by themselves asks to speak, the facilitator sees the ask and lets them speak, and then they can post', async ({ browser }) => {
		test.setTimeout(90_000);
		const host = await newPerson(browser, 'Mo Cedar');
		const group = await createGroup(host.page, 'Quiet listening', { listenersMaySpeak: false });
		const link = await createInvite(host.page, group, 'listener');
		const reader = await newPerson(browser, 'Nia Fern');
		await joinByLink(reader, link);
		await expect(reader.page.getByRole('button', { name: 'Start speaking' })).toHaveCount(0);
		await expect(reader.page.getByLabel('Write a message')).toHaveCount(0);
		await expect(reader.page.getByTestId('listener-only')).toContainText('a facilitator decides who speaks');

		await host.page.goto(groupPath(host.page, group, 'people'));
		const row = host.page.getByTestId('member').filter({ hasText: 'Nia Fern' });
		await expect(row).toContainText('Listener', { timeout: 20_000 });
		await expect(row.getByTestId('asked-badge')).toHaveCount(0);

		await reader.page.getByRole('button', { name: 'Ask to speak' }).click();
		await expect(reader.page.getByTestId('asked-to-speak')).toContainText('You asked to speak', { timeout: 20_000 });
		await expect(reader.page.getByRole('button', { name: 'Ask to speak' })).toHaveCount(0);
		// Asking does not make them a member: still no message box.
		await expect(reader.page.getByLabel('Write a message')).toHaveCount(0);
		// The ask is kept: after a reload it still shows as pending.
		await reader.page.reload();
		await expect(reader.page.getByTestId('asked-to-speak')).toBeVisible({ timeout: 20_000 });

		await expect(row.getByTestId('asked-badge')).toHaveText('Asked to speak', { timeout: 20_000 });
		await row.getByRole('button', { name: 'Let them speak' }).click();
		await expect(row).toContainText('Member', { timeout: 20_000 });
		await expect(row.getByTestId('asked-badge')).toHaveCount(0);
		await expect(reader.page.getByLabel('Write a message')).toBeVisible({ timeout: 20_000 });
		await send(reader.page, 'Thank you for letting me in');
		await openChat(host.page, group);
		await expectMessage(host.page, 'Thank you for letting me in');
		await host.context.close();
		await reader.context.close();
	});
});
