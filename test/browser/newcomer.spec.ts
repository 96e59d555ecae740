import { expect, test } from '@playwright/test';
import { createGroup, createInvite, groupPath, joinByLink, newPerson, openChat } from './helpers.ts';

test.describe('a newcomer whose arrival nobody in charge has seen yet', () => {
	test('P2 members control membership: the chat says what an unconfirmed newcomer risks, until the admin who invited them is back', async ({ browser }) => {
		test.setTimeout(120_000);
		const ada = await newPerson(browser, 'Ada Heron');
		const group = await createGroup(ada.page, 'Evening circle');
		const link = await createInvite(ada.page, group);
		// The admin goes away (her device keeps its data), so nobody greets the newcomer.
		await ada.page.close();

		const ben = await newPerson(browser, 'Ben Otter');
		await joinByLink(ben, link);
		const banner = ben.page.getByTestId('unconfirmed');
		await expect(banner).toBeVisible({ timeout: 20_000 });
		await expect(banner).toContainText('Your arrival is not confirmed yet.');
		await expect(banner).toContainText('someone who was removed could still read what you send');

		// The admin opens the app again: her client greets the newcomer, which confirms the join.
		const back = await ada.context.newPage();
		await back.goto(groupPath(back, group));
		await openChat(back, group);
		await expect(banner).toHaveCount(0, { timeout: 30_000 });
		await ada.context.close();
		await ben.context.close();
	});
});
