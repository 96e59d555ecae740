/**
 * Progress shared inside a sponsor pair (issue 11 item 5, PROTOCOL §12) in Chromium against the
 * real relay, with two people: Ash sponsors, Nina is the mentee. Nothing is shared by default;
 * Nina turns sharing on from the pair, Ash sees her counter, chart and table (not her note, which
 * she did not choose to share), from the pair and from his mentee list; Nina stops and Ash sees
 * that calmly; a reload keeps everything; the relay's files hold no note, tag or counter name.
 * Each new screen gets an axe scan and a screenshot at phone and desktop size.
 */
import { expect as baseExpect, test, type Page } from '@playwright/test';
import { askSponsor, createGroup, createInvite, groupPath, joinByLink, messageAction, newPerson, offerToSponsor } from './helpers.ts';
import { checkScreen, filesUnder, scannedBytes } from './screen-check.ts';

// The machine is shared by many runs: generous waits, never timed assertions.
const expect = baseExpect.configure({ timeout: 30_000 });

/** A local calendar day `days` before today, in the page's time zone. */
async function dayBefore(page: Page, days: number): Promise<string> {
	return page.evaluate((n) => {
		const d = new Date(Date.now() - n * 86_400_000);
		return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
	}, days);
}

test('a mentee shares progress with the sponsor from the pair, the sponsor sees the chart, the mentee stops; reload keeps it; nothing readable at the relay', async ({ browser }) => {
	test.setTimeout(1_200_000);
	const secrets = {
		group: 'Wednesday Harrowgate circle',
		intro: 'Nine years Elderbrook sober, happy to listen',
		note: 'Mornings at Foxglen pier were steady',
		tag: 'kestrelwatch',
		counter: 'Brandywine evenings'
	};
	const ash = await newPerson(browser, 'Ashbury Fenwick');
	const group = await createGroup(ash.page, secrets.group);
	const link = await createInvite(ash.page, group);
	const nina = await newPerson(browser, 'Ninette Oakhart');
	await joinByLink(nina, link);

	// Pair up: Ash offers, Nina asks, Ash accepts.
	await offerToSponsor(ash.page, group, secrets.intro, 2);
	await askSponsor(nina.page, group, 'Ashbury Fenwick', 'Hello from Nina');
	await ash.page.goto(groupPath(ash.page, group, 'sponsors'));
	await ash.page.getByTestId('request').filter({ hasText: 'Hello from Nina' }).getByRole('button', { name: 'Accept' }).click({ timeout: 20_000 });
	await expect(nina.page.getByRole('link', { name: 'Open your conversation' })).toBeVisible();

	// Nina keeps progress on her device: a counter and today's check-in with a tag and a note.
	await nina.page.goto('/progress');
	await nina.page.getByLabel('What are you counting days away from?').fill(secrets.counter);
	await nina.page.getByLabel('First day').fill(await dayBefore(nina.page, 12));
	await nina.page.getByRole('button', { name: 'Start counting' }).click();
	await expect(nina.page.getByTestId('counter-days')).toHaveText('12 days');
	await nina.page.getByRole('radio', { name: 'Low', exact: true }).check();
	await nina.page.getByLabel(/^Craving/).fill('6');
	await nina.page.getByLabel('Your own tag').fill(secrets.tag);
	await nina.page.getByRole('button', { name: 'Add tag' }).click();
	await nina.page.getByLabel(/A short note/).fill(secrets.note);
	await nina.page.getByRole('button', { name: /Save check-in/ }).click();
	await expect(nina.page.getByText('Check-in saved. Thank you for taking a moment.')).toBeVisible();
	// On /progress the pair is named by the sponsor; still nothing is shared.
	await expect(nina.page.getByText('Nothing is shared. Your progress stays on this device.')).toBeVisible();
	await expect(nina.page.locator('#share-group option', { hasText: 'Your sponsor Ashbury Fenwick (one-to-one)' })).toHaveCount(1);

	// Nothing is shared by default: Ash's view of Nina's progress says so.
	await ash.page.goto('/');
	await ash.page.getByText('Mentee: Ninette Oakhart').click({ timeout: 20_000 });
	await ash.page.getByRole('link', { name: 'Ninette Oakhart’s progress' }).click();
	await expect(ash.page.getByTestId('mentee-progress-title')).toHaveText('Ninette Oakhart’s progress');
	await expect(ash.page.getByTestId('nothing-shared')).toContainText('has not shared any progress with you');

	// Nina, in the pair: a clear control, off until she chooses; notes not ticked.
	await nina.page.goto('/');
	await nina.page.getByText('Sponsor: Ashbury Fenwick').click({ timeout: 20_000 });
	await checkScreen(nina.page, 'pair-chat-share-link');
	await nina.page.getByRole('link', { name: 'Share my progress with Ashbury Fenwick' }).click();
	const share = nina.page.getByTestId('pair-share');
	await expect(share.getByRole('heading', { name: 'Share my progress with Ashbury Fenwick' })).toBeVisible();
	await expect(nina.page.getByTestId('pair-sharing-off')).toBeVisible();
	await expect(share.getByRole('checkbox', { name: 'Include the notes you wrote with check-ins' })).not.toBeChecked();
	await checkScreen(nina.page, 'pair-share-off');
	await share.getByRole('button', { name: 'Start sharing' }).click();
	await expect(nina.page.getByTestId('pair-sharing-on')).toHaveText('You are sharing counters and check-ins (without notes) with Ashbury Fenwick.');
	await expect(share.getByRole('status')).toContainText('Shared with Ashbury Fenwick');
	await checkScreen(nina.page, 'pair-share-on');

	// Ash sees the counter, the chart and its table, live; the tag but never the note.
	const shared = ash.page.getByRole('region', { name: 'Progress shared by Ninette Oakhart' });
	await expect(shared).toContainText(`${secrets.counter}: 12 days`);
	await expect(shared.getByRole('img', { name: /Mood and craving shared by Ninette Oakhart/ })).toBeVisible();
	await shared.getByText('Show as a table').click();
	await expect(shared.getByRole('table').getByRole('row')).toHaveCount(2);
	await expect(shared.getByRole('table')).toContainText('Low (2)');
	await expect(shared).toContainText(secrets.tag);
	await expect(ash.page.locator('body')).not.toContainText(secrets.note);
	await checkScreen(ash.page, 'pair-mentee-progress');

	// Reachable from the sponsor's mentee list too.
	await ash.page.goto(groupPath(ash.page, group, 'sponsors'));
	await ash.page.getByTestId('my-offer').getByRole('link', { name: 'See Ninette Oakhart’s progress' }).click();
	await expect(ash.page.getByTestId('mentee-progress-title')).toBeVisible();
	await expect(shared).toContainText(secrets.counter);

	// Nina stops: Ash sees it calmly; what was shared stays shown.
	await share.getByRole('button', { name: 'Stop sharing' }).click();
	await expect(nina.page.getByTestId('pair-sharing-off')).toBeVisible();
	await expect(share.getByRole('status')).toHaveText('Sharing stopped. Nothing more will be sent to Ashbury Fenwick.');
	await expect(shared.getByRole('status')).toHaveText('Ninette Oakhart stopped sharing. What was shared before is still shown.');
	await checkScreen(ash.page, 'pair-mentee-stopped');

	// A later check-in change goes nowhere.
	await nina.page.goto('/progress');
	await nina.page.getByRole('radio', { name: 'Good', exact: true }).check();
	await nina.page.getByRole('button', { name: /Save changes/ }).click();
	await expect(nina.page.getByRole('status').filter({ hasText: 'Check-in changed.' })).toBeVisible();

	// Reload keeps everything on both sides.
	await ash.page.reload();
	await expect(shared).toContainText(`${secrets.counter}: 12 days`);
	await expect(shared.getByRole('status')).toContainText('stopped sharing');
	await shared.getByText('Show as a table').click();
	await expect(shared.getByRole('table')).toContainText('Low (2)');
	await expect(shared.getByRole('table')).not.toContainText('Good');
	await nina.page.goto('/');
	await nina.page.getByText('Sponsor: Ashbury Fenwick').click({ timeout: 20_000 });
	await nina.page.getByRole('link', { name: 'Share my progress with Ashbury Fenwick' }).click();
	await expect(nina.page.getByTestId('pair-sharing-off')).toBeVisible();
	await nina.page.reload();
	await expect(nina.page.getByTestId('pair-sharing-off')).toBeVisible();

	// Reporting from the pair: the form says plainly where it can go. Ash is the only admin of the
	// group where they met and the report is about Ash, so the met group's moderators are offered
	// but nobody there can read it (PROTOCOL §6.3 "Reports from a pair"): it goes to the service.
	await ash.page.getByRole('link', { name: 'Back to the conversation' }).click();
	await ash.page.getByLabel('Write a message').fill('A pair message to be looked at');
	await ash.page.getByRole('button', { name: 'Send' }).click();
	await nina.page.getByRole('link', { name: 'Back to the conversation' }).click();
	const reported = nina.page.getByTestId('message').filter({ hasText: 'A pair message to be looked at' });
	await expect(reported).toBeVisible();
	await messageAction(reported, 'Report');
	await expect(nina.page.getByRole('radio', { name: `The moderators of ${secrets.group}` })).toBeDisabled();
	await expect(nina.page.getByTestId('report-readers')).toContainText('Nobody else in this group can read this report.');
	await expect(nina.page.getByRole('radio', { name: "This group's moderators" })).toHaveCount(0);
	await expect(nina.page.getByRole('radio', { name: "The service's moderators" })).toBeChecked();
	await checkScreen(nina.page, 'pair-report');
	await nina.page.getByRole('button', { name: 'Send report' }).click();
	await expect(nina.page.getByText('Your report was sent')).toBeVisible();

	for (const p of [ash, nina]) await p.context.close();

	// The relay's files hold none of the note, the tag, the counter's name or the intro.
	const files = await filesUnder(process.env.E2E_DATA_DIR!);
	let groupIdSeen = false;
	const groupId = Buffer.from(link.slice(link.indexOf('#') + 1), 'base64url').subarray(1, 33).toString('base64url');
	for (const file of files) {
		const bytes = await scannedBytes(file);
		groupIdSeen ||= bytes.includes(Buffer.from(groupId));
		for (const needle of Object.values(secrets)) {
			for (const encoding of ['utf8', 'utf16le'] as const) {
				expect(bytes.includes(Buffer.from(needle, encoding)), `${file} contains "${needle}" (${encoding})`).toBe(false);
			}
			const b64 = Buffer.from(needle).toString('base64url').slice(0, 16);
			expect(bytes.includes(Buffer.from(b64)), `${file} contains base64 of "${needle}"`).toBe(false);
		}
	}
	expect(groupIdSeen, 'the group id is in the scanned files').toBe(true);
});
