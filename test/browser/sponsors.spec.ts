/**
 * Sponsors and mentees (issue 10, PROTOCOL §11) in Chromium against the real relay, with three
 * people: Ash offers to sponsor, Nina (newer) finds and asks, Cal is another member who must
 * learn nothing of a request or a decline, and later sponsors Nina too. Each new screen gets an
 * axe-core scan and a screenshot at phone and desktop size; afterwards the relay's data folder
 * holds none of the intros, notes or names.
 */
import { expect, test, type Page } from '@playwright/test';
import { askSponsor, createGroup, createInvite, expectMessage, groupIdOfLink, joinByLink, messageText, newPerson, offerToSponsor, send, groupPath } from './helpers.ts';
import { checkScreen, filesUnder, scannedBytes } from './screen-check.ts';

/** Quiet hours around this moment, in the page's local time, so the quiet-hours notice shows. */
async function quietAroundNow(page: Page): Promise<{ from: string; to: string }> {
	return page.evaluate(() => {
		const f = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
		return { from: f(new Date(Date.now() - 3_600_000)), to: f(new Date(Date.now() + 3_600_000)) };
	});
}

const offer = offerToSponsor;
const ask = askSponsor;

test('offer, find, ask, decline kindly (nobody else learns of it), ask again, accept, talk, quiet hours, end from each side, re-pair, reload; nothing readable at the relay', async ({ browser }) => {
	test.setTimeout(900_000);
	const secrets = {
		group: 'Tuesday Lanternwick circle',
		ashIntro: 'Eleven years Brambleton sober, I listen more than I talk',
		calIntro: 'Gardener Quillmoss, two years in, evenings are good',
		firstNote: 'Three weeks Pemberly in and the evenings are long',
		secondNote: 'Asking once more Thistledown, no pressure at all',
		ownDecline: 'Not this time, Wrenfield, but keep asking.',
		pairText: 'Saffronhill first message in the pair',
		reply: 'Glad you wrote, Corriander',
		goodbye: 'It was good walking Marlowvale with you'
	};
	const ash = await newPerson(browser, 'Ashbury Fenwick');
	const group = await createGroup(ash.page, secrets.group);
	const link = await createInvite(ash.page, group);
	const nina = await newPerson(browser, 'Ninette Oakhart');
	await joinByLink(nina, link);
	const cal = await newPerson(browser, 'Calloway Rusk');
	await joinByLink(cal, link);

	// 1. Offering: the group offers sponsoring (Ash, its admin, sees the switch); Ash offers with quiet hours now.
	await ash.page.goto(groupPath(ash.page, group, 'sponsors'));
	await expect(ash.page.getByRole('checkbox', { name: 'Offer sponsoring in this group' })).toBeChecked();
	await offer(ash.page, group, secrets.ashIntro, 2, await quietAroundNow(ash.page));
	await checkScreen(ash.page, 'sponsors-offering');

	// 2. Finding: Nina sees Ash with intro, quiet hours now and free places, and asks with a note.
	await nina.page.goto(groupPath(nina.page, group, 'sponsors'));
	const card = nina.page.getByTestId('sponsor').filter({ hasText: 'Ashbury Fenwick' });
	await expect(card).toContainText(secrets.ashIntro, { timeout: 20_000 });
	await expect(card.getByTestId('quiet-now')).toBeVisible();
	await expect(card.getByTestId('places')).toHaveText('2 of 2 places free');
	await checkScreen(nina.page, 'sponsors-find');
	await nina.page.getByRole('button', { name: 'Ask Ashbury Fenwick' }).click();
	await checkScreen(nina.page, 'sponsors-ask');
	await nina.page.getByLabel('A short note (optional)').fill(secrets.firstNote);
	await nina.page.getByRole('button', { name: 'Send request' }).click();
	await expect(nina.page.getByTestId('my-request').filter({ hasText: 'Waiting for Ashbury Fenwick' })).toBeVisible({ timeout: 20_000 });

	// 3. Declining kindly: Ash sees the request with its note and declines in own words.
	const request = ash.page.getByTestId('request').filter({ hasText: secrets.firstNote });
	await expect(request).toBeVisible({ timeout: 20_000 });
	await checkScreen(ash.page, 'sponsors-request');
	await request.getByRole('button', { name: 'Decline' }).click();
	await ash.page.getByRole('radio', { name: 'In my own words' }).check();
	await ash.page.getByLabel('In my own words').last().fill(secrets.ownDecline);
	await checkScreen(ash.page, 'sponsors-decline');
	await ash.page.getByRole('button', { name: 'Send kind reply' }).click();
	await expect(ash.page.getByTestId('request')).toHaveCount(0, { timeout: 20_000 });
	await expect(nina.page.getByTestId('kind-reply')).toContainText(secrets.ownDecline, { timeout: 20_000 });
	await expect(nina.page.getByTestId('my-request').first()).toContainText('cannot take this on right now');
	await checkScreen(nina.page, 'sponsors-declined');

	// Nobody else learns of it: Cal's sponsor page and chat show no request, note or reply.
	await ash.page.goto(groupPath(ash.page, group));
	await send(ash.page, 'Welcome everyone');
	await expectMessage(cal.page, 'Welcome everyone');
	await expect(cal.page.getByTestId('message-text')).toHaveCount(1);
	await cal.page.goto(groupPath(cal.page, group, 'sponsors'));
	await expect(cal.page.getByTestId('sponsor')).toHaveCount(1, { timeout: 20_000 });
	await expect(cal.page.getByTestId('my-request')).toHaveCount(0);
	await expect(cal.page.getByTestId('request')).toHaveCount(0);
	await expect(cal.page.locator('body')).not.toContainText(secrets.firstNote);
	await expect(cal.page.locator('body')).not.toContainText(secrets.ownDecline);

	// Ask again; Ash accepts: a pair listed apart from groups on both sides.
	await ask(nina.page, group, 'Ashbury Fenwick', secrets.secondNote);
	await ash.page.goto(groupPath(ash.page, group, 'sponsors'));
	await ash.page.getByTestId('request').filter({ hasText: secrets.secondNote }).getByRole('button', { name: 'Accept' }).click({ timeout: 20_000 });
	await expect(nina.page.getByRole('link', { name: 'Open your conversation' })).toBeVisible({ timeout: 30_000 });
	await expect(nina.page.getByTestId('sponsor').getByTestId('places')).toHaveText('1 of 2 places free', { timeout: 20_000 });
	await expect(ash.page.getByTestId('my-offer')).toContainText('Ninette Oakhart', { timeout: 20_000 });
	await nina.page.goto('/');
	await expect(nina.page.getByRole('list', { name: 'Sponsors and mentees' }).getByText('Sponsor: Ashbury Fenwick')).toBeVisible({ timeout: 20_000 });
	await checkScreen(nina.page, 'pairs-home');
	await ash.page.goto('/');
	await expect(ash.page.getByRole('list', { name: 'Sponsors and mentees' }).getByText('Mentee: Ninette Oakhart')).toBeVisible({ timeout: 20_000 });

	// 4. The pair: no invites, roles or member list; the quiet-hours notice before writing; chat both ways live.
	await nina.page.getByText('Sponsor: Ashbury Fenwick').click();
	await expect(nina.page.getByTestId('group-title')).toHaveText('Sponsor: Ashbury Fenwick');
	await expect(nina.page.getByRole('navigation', { name: 'Group sections' })).toHaveCount(0);
	await expect(nina.page.getByTestId('quiet-notice')).toContainText('quiet hours');
	await send(nina.page, secrets.pairText);
	await ash.page.getByText('Mentee: Ninette Oakhart').click();
	await expect(ash.page.getByTestId('group-title')).toHaveText('Mentee: Ninette Oakhart');
	await expect(ash.page.getByTestId('quiet-notice')).toHaveCount(0);
	await expectMessage(ash.page, secrets.pairText);
	await send(ash.page, secrets.reply);
	await expectMessage(nina.page, secrets.reply);
	await checkScreen(nina.page, 'pair-chat');

	// Nothing lost on reload.
	await nina.page.reload();
	await expectMessage(nina.page, secrets.reply);
	await expect(nina.page.getByTestId('group-title')).toHaveText('Sponsor: Ashbury Fenwick');

	// 5. Ending from the sponsor's side with a kind word; Nina sees it calmly and is offered to ask someone else.
	await ash.page.getByRole('button', { name: 'End pairing' }).click();
	await ash.page.getByLabel('A last kind word (optional)').fill(secrets.goodbye);
	await checkScreen(ash.page, 'pair-end');
	await ash.page.getByRole('button', { name: 'End pairing' }).click();
	await expectMessage(nina.page, secrets.goodbye);
	await expect(nina.page.getByTestId('pair-ended')).toContainText('This pairing has ended', { timeout: 20_000 });
	await expect(ash.page.getByTestId('pair-ended')).toBeVisible({ timeout: 20_000 });
	await expect(nina.page.getByLabel('Write a message')).toHaveCount(0);
	await checkScreen(nina.page, 'pair-ended');

	// Re-pair with someone else: Cal offers (no quiet hours); Nina follows the offer to ask again.
	await offer(cal.page, group, secrets.calIntro, 1);
	await nina.page.getByRole('link', { name: `Find another sponsor in ${secrets.group}` }).click();
	await expect(nina.page.getByTestId('sponsor').filter({ hasText: 'Ashbury Fenwick' }).getByTestId('places')).toHaveText('2 of 2 places free', { timeout: 20_000 });
	await ask(nina.page, group, 'Calloway Rusk', 'Hello Cal');
	await cal.page.getByTestId('request').filter({ hasText: 'Hello Cal' }).getByRole('button', { name: 'Accept' }).click({ timeout: 20_000 });
	await expect(nina.page.getByTestId('sponsor').filter({ hasText: 'Calloway Rusk' }).getByTestId('places')).toHaveText('Full right now', { timeout: 30_000 });
	await expect(nina.page.getByRole('button', { name: 'Ask Calloway Rusk' })).toHaveCount(0);
	await nina.page.goto('/');
	await nina.page.getByText('Sponsor: Calloway Rusk').click({ timeout: 30_000 });
	await expect(nina.page.getByTestId('quiet-notice')).toHaveCount(0);
	await send(nina.page, 'Thank you for saying yes');
	await cal.page.goto('/');
	await cal.page.getByText('Mentee: Ninette Oakhart').click({ timeout: 20_000 });
	await expectMessage(cal.page, 'Thank you for saying yes');

	// Ending from the mentee's side, without a word.
	await nina.page.getByRole('button', { name: 'End pairing' }).click();
	await nina.page.getByRole('button', { name: 'End pairing' }).click();
	await expect(cal.page.getByTestId('pair-ended')).toBeVisible({ timeout: 20_000 });
	await expect(nina.page.getByTestId('pair-ended')).toBeVisible();

	// Reload keeps everything: both pairs (ended) and the first decline.
	await nina.page.goto('/');
	await nina.page.reload();
	const pairs = nina.page.getByRole('list', { name: 'Sponsors and mentees' });
	await expect(pairs.getByText('Sponsor: Ashbury Fenwick')).toBeVisible({ timeout: 20_000 });
	await expect(pairs.getByText('Sponsor: Calloway Rusk')).toBeVisible();
	await nina.page.goto(groupPath(nina.page, group, 'sponsors'));
	await expect(nina.page.getByTestId('kind-reply')).toContainText(secrets.ownDecline, { timeout: 20_000 });
	await expect(messageText(nina.page, secrets.firstNote)).toHaveCount(0);

	for (const p of [ash, nina, cal]) await p.context.close();

	// The relay's data holds none of the intros, notes, replies or names.
	const dataDir = process.env.E2E_DATA_DIR!;
	const files = await filesUnder(dataDir);
	const needles = [...Object.values(secrets), 'Ashbury Fenwick', 'Ninette Oakhart', 'Calloway Rusk', 'Hello Cal'];
	let groupIdSeen = false;
	for (const file of files) {
		const bytes = await scannedBytes(file);
		// The group's id (from the invite link), not its page alias, which never leaves the device.
		groupIdSeen ||= bytes.includes(Buffer.from(groupIdOfLink(link)));
		for (const needle of needles) {
			for (const encoding of ['utf8', 'utf16le'] as const) {
				expect(bytes.includes(Buffer.from(needle, encoding)), `${file} contains "${needle}" (${encoding})`).toBe(false);
			}
			const b64 = Buffer.from(needle).toString('base64url').slice(0, 16);
			expect(bytes.includes(Buffer.from(b64)), `${file} contains base64 of "${needle}"`).toBe(false);
		}
	}
	expect(groupIdSeen, 'the group id is in the scanned files').toBe(true);
});
