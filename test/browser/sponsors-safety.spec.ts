/**
 * Safety and limits for sponsors and mentees (issue 10 items 6-7) in Chromium against the real
 * relay: a full sponsor shows as full, a message from the pair is reported to the service, the
 * sponsor blocks (the pair ends, a later request from that person never reaches them), the
 * sponsor sees their mentees in one list, and a request to a sponsor who withdrew says so.
 */
import { expect, test } from '@playwright/test';
import { createGroup, createInvite, expectMessage, joinByLink, messageAction, newPerson, send, groupPath } from './helpers.ts';

test('full sponsor shows as full; report from the pair to the service; block ends it and refuses later requests; withdrawn sponsor says so', async ({ browser }) => {
	test.setTimeout(600_000);
	const ash = await newPerson(browser, 'Ash Morrow');
	const group = await createGroup(ash.page, 'Thursday circle');
	const nina = await newPerson(browser, 'Nina Vale');
	await joinByLink(nina, await createInvite(ash.page, group));

	await ash.page.goto(groupPath(ash.page, group, 'sponsors'));
	await ash.page.getByLabel('A few words about you').fill('Five years in, mornings are best');
	await ash.page.getByLabel('How many people you can sponsor').fill('1');
	await ash.page.getByRole('checkbox', { name: /Quiet hours/ }).uncheck();
	await ash.page.getByRole('button', { name: 'Offer to sponsor' }).click();
	await expect(ash.page.getByTestId('my-offer')).toBeVisible({ timeout: 20_000 });

	await nina.page.goto(groupPath(nina.page, group, 'sponsors'));
	await nina.page.getByRole('button', { name: 'Ask Ash Morrow' }).click({ timeout: 20_000 });
	await nina.page.getByRole('button', { name: 'Send request' }).click();
	await ash.page.getByTestId('request').filter({ hasText: 'Nina Vale' }).getByRole('button', { name: 'Accept' }).click({ timeout: 20_000 });
	// Full: one place, now taken.
	await expect(nina.page.getByTestId('sponsor').getByTestId('places')).toHaveText('Full right now', { timeout: 30_000 });
	await expect(nina.page.getByRole('button', { name: 'Ask Ash Morrow' })).toHaveCount(0);

	// Report a message from the pair to the service.
	await ash.page.goto('/');
	await ash.page.getByText('Mentee: Nina Vale').click({ timeout: 20_000 });
	await send(ash.page, 'Something that should be looked at');
	await nina.page.getByRole('link', { name: 'Open your conversation' }).click({ timeout: 20_000 });
	await expectMessage(nina.page, 'Something that should be looked at');
	await messageAction(nina.page.getByTestId('message').filter({ hasText: 'Something that should be looked at' }), 'Report');
	await nina.page.getByLabel("The service's moderators").check();
	await nina.page.getByRole('button', { name: 'Send report' }).click();
	await expect(nina.page.getByText('Your report was sent')).toBeVisible({ timeout: 20_000 });

	// The sponsor sees every mentee in one list; then blocks Nina: the pair ends for both.
	await ash.page.goto(groupPath(ash.page, group, 'sponsors'));
	await expect(ash.page.getByTestId('my-offer').getByRole('link', { name: 'Nina Vale', exact: true })).toBeVisible({ timeout: 20_000 });
	await ash.page.getByTestId('my-offer').getByRole('link', { name: 'Nina Vale', exact: true }).click();
	await ash.page.getByRole('button', { name: 'Block' }).click();
	await ash.page.getByRole('button', { name: 'Block and end' }).click();
	await expect(ash.page.getByTestId('pair-ended')).toContainText('You blocked this person', { timeout: 20_000 });
	await expect(nina.page.getByTestId('pair-ended')).toContainText('This pairing has ended', { timeout: 20_000 });

	// Nina asks again: the request never reaches Ash.
	await nina.page.goto(groupPath(nina.page, group, 'sponsors'));
	await expect(nina.page.getByTestId('sponsor').getByTestId('places')).toHaveText('1 of 1 place free', { timeout: 30_000 });
	await nina.page.getByRole('button', { name: 'Ask Ash Morrow' }).click();
	await nina.page.getByLabel('A short note (optional)').fill('Asking after the block');
	await nina.page.getByRole('button', { name: 'Send request' }).click();
	await expect(nina.page.getByTestId('my-request').filter({ hasText: 'Waiting for Ash Morrow' })).toBeVisible({ timeout: 20_000 });
	// A message Nina sends after the request: once Ash has it, Ash has had the request too (relay order).
	await nina.page.goto(groupPath(nina.page, group));
	await send(nina.page, 'Marker after the request');
	await ash.page.goto(groupPath(ash.page, group));
	await expectMessage(ash.page, 'Marker after the request');
	await ash.page.goto(groupPath(ash.page, group, 'sponsors'));
	await expect(ash.page.getByText('No requests right now.')).toBeVisible({ timeout: 20_000 });
	await expect(ash.page.getByText('Asking after the block')).toHaveCount(0);

	// Ash stops offering: Nina's waiting request says so clearly.
	await ash.page.getByRole('button', { name: 'Stop offering' }).click();
	await nina.page.goto(groupPath(nina.page, group, 'sponsors'));
	await expect(nina.page.getByTestId('my-request').first()).toContainText('Ash Morrow is no longer available as a sponsor', { timeout: 20_000 });
	await expect(nina.page.getByTestId('sponsor')).toHaveCount(0);
});
