/**
 * Reporting a message from a sponsor pair to the moderators of the group where the two met
 * (issue 10 item 6, PROTOCOL §6.3 "Reports from a pair") in Chromium against the real relay,
 * with three people: Cy runs the Friday circle, Ash sponsors Nina there. Ash writes something
 * hurtful in the pair; Nina's report form offers "The moderators of Friday circle" (read by Cy,
 * not Ash) besides the service, says what they will learn, and sends it. Cy's inbox shows the
 * report verified and names Ash, the circle's member. Axe scans and screenshots of the form and
 * the inbox at phone and desktop size.
 */
import { expect as baseExpect, test } from '@playwright/test';
import { checkScreen } from './screen-check.ts';
import { askSponsor, createGroup, createInvite, groupPath, joinByLink, messageAction, newPerson, offerToSponsor, send } from './helpers.ts';

// The machine is shared by many runs: generous waits, never timed assertions.
const expect = baseExpect.configure({ timeout: 30_000 });

const HURT = 'Honestly you are wasting my evenings';

test('a pair message reported to the moderators of the group where they met reaches its admin, verified and named as the member', async ({ browser }) => {
	test.setTimeout(600_000);
	const cy = await newPerson(browser, 'Cy Stone');
	const group = await createGroup(cy.page, 'Friday circle');
	// One link (ten uses) for both.
	const link = await createInvite(cy.page, group);
	const ash = await newPerson(browser, 'Ash Morrow');
	await joinByLink(ash, link);
	const nina = await newPerson(browser, 'Nina Vale');
	await joinByLink(nina, link);

	await offerToSponsor(ash.page, group, 'Five years in, evenings are best', 2);
	await askSponsor(nina.page, group, 'Ash Morrow', 'Could you sponsor me?');
	await ash.page.getByTestId('request').filter({ hasText: 'Nina Vale' }).getByRole('button', { name: 'Accept' }).click({ timeout: 20_000 });

	await ash.page.goto('/');
	await ash.page.getByText('Mentee: Nina Vale').click({ timeout: 20_000 });
	await send(ash.page, HURT);
	await nina.page.getByRole('link', { name: 'Open your conversation' }).click({ timeout: 20_000 });
	const reported = nina.page.getByTestId('message').filter({ hasText: HURT });
	await expect(reported).toBeVisible();
	await messageAction(reported, 'Report');

	// The form: the circle's moderators (Cy, never Ash) by default, the service besides, and what they will learn.
	const met = nina.page.getByRole('radio', { name: 'The moderators of Friday circle' });
	await expect(met).toBeChecked();
	await expect(nina.page.getByTestId('report-readers')).toHaveText('Read by Cy Stone.');
	await expect(nina.page.getByTestId('pair-report-note')).toHaveText(
		'The moderators of Friday circle will see the messages you choose and that Ash Morrow is your sponsor. They will not see anything else from this conversation. As only the two of you are in it, they can tell the report came from you.'
	);
	const service = nina.page.getByRole('radio', { name: "The service's moderators" });
	if ((await service.count()) > 0) await expect(service).not.toBeChecked();
	await nina.page.getByLabel('Note').fill('my sponsor said this to me');
	await checkScreen(nina.page, 'pair-report-met');
	await nina.page.getByRole('button', { name: 'Send report' }).click();
	await expect(nina.page.getByText('Your report was sent')).toBeVisible({ timeout: 20_000 });

	// Cy's inbox: a report from a one-to-one conversation, verified, naming Ash of this circle.
	await cy.page.goto(groupPath(cy.page, group, 'reports'));
	const report = cy.page.getByTestId('report');
	await expect(report.getByTestId('report-pair')).toHaveText('From a one-to-one sponsor conversation with Ash Morrow of this group', { timeout: 30_000 });
	await expect(report).toContainText('Their own note in this group ties them to that conversation.');
	await expect(report).toContainText('my sponsor said this to me');
	const message = report.getByTestId('reported-message');
	await expect(message).toContainText(HURT);
	await expect(message).toContainText('Ash Morrow');
	await expect(message).toContainText('Verified');
	// No hiding for a private conversation; the member can be muted or removed here.
	await expect(message.getByRole('button', { name: 'Hide for everyone' })).toHaveCount(0);
	await expect(message.getByRole('button', { name: /Mute/ })).toBeVisible();
	await checkScreen(cy.page, 'pair-report-inbox');

	// Cy takes it: Nina reads in the pair that it was received (never who, never the action).
	await report.getByRole('button', { name: 'Take this report' }).click();
	await expect(nina.page.getByTestId('my-report')).toContainText('Report received: a moderator is looking at it.', { timeout: 30_000 });

	// Ash, the member it is about, has no Reports screen in the circle.
	await expect(ash.page.getByRole('link', { name: /^Reports/ })).toHaveCount(0);
	for (const p of [cy, ash, nina]) await p.context.close();
});
