/**
 * Progress over time (issue 11) in Chromium with a fixed clock in the page (Playwright's
 * page.clock.setFixedTime: Date is pinned, timers keep running): a counter, check-ins over
 * several days, a milestone celebrated and shared to a group as a card, a gentle reset, charts
 * at phone and desktop size (light and dark), sharing check-ins with a conversation and
 * stopping, bad input, export, reload, lock and unlock, axe scans; then the relay's files hold
 * none of the notes or tag words.
 */
import { readFile } from 'node:fs/promises';
import { expect as baseExpect, test, type Browser, type Page } from '@playwright/test';
import { BASE_URL, createGroup, createInvite, openChat } from './helpers.ts';
import { checkScreen as checkAllSizes, filesUnder, scannedBytes } from './screen-check.ts';

// The machine is shared by many runs: generous waits, never timed assertions.
const expect = baseExpect.configure({ timeout: 30_000 });

async function newPerson(browser: Browser, name: string, options: { passphrase?: string; beforeFirstLoad?: (page: Page) => Promise<void> } = {}) {
	const context = await browser.newContext({ baseURL: BASE_URL });
	const page = await context.newPage();
	await options.beforeFirstLoad?.(page);
	await page.goto('/');
	await expect(page).toHaveURL(/\/welcome$/, { timeout: 60_000 });
	await page.getByRole('button', { name: 'Continue' }).click();
	await page.getByLabel('Your name in groups').fill(name);
	if (options.passphrase) {
		await page.getByLabel('Lock Unseen on this device with a passphrase').check();
		await page.getByLabel('Passphrase', { exact: true }).fill(options.passphrase);
		await page.getByLabel('Type it again').fill(options.passphrase);
	}
	await page.getByRole('button', { name: 'Start' }).click();
	await expect(page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 60_000 });
	return { context, page, name };
}

const DAY = 86_400_000;
const PASSPHRASE = 'a lantern by the harbour';
const NOTES = ['Heronsbridge walk felt steady', 'Quillmoor evening was long', 'Larkspur morning coffee calm'];
const TAG = 'tidewaterknot';

async function checkScreen(page: Page, name: string): Promise<void> {
	// The page clock is moved by days, so the app rightly says the relay's times are far from it: not this screen's subject.
	const dismiss = page.getByRole('button', { name: 'Dismiss' });
	for (let i = 0; i < 6 && (await dismiss.count()) > 0; i++) await dismiss.first().click({ timeout: 2_000 }).catch(() => undefined);
	await checkAllSizes(page, name);
}

/**
 * Moves the page's fixed clock, then drops and restores the network so the client connects
 * again and learns its offset to the relay's clock anew (a device whose clock jumps by days
 * would otherwise date its key rotations days away from the relay's time).
 */
async function moveClock(page: Page, time: number): Promise<void> {
	await page.clock.setFixedTime(time);
	await page.context().setOffline(true);
	await page.context().setOffline(false);
}

/** In-app navigation to the progress screen (a full load of a passphrase device asks to unlock). */
async function openProgress(page: Page): Promise<void> {
	await page.getByRole('link', { name: 'Unseen, your groups' }).click();
	await page.getByTestId('progress-link').click();
	await expect(page.getByRole('heading', { name: 'Your progress' })).toBeVisible({ timeout: 20_000 });
}

async function checkIn(page: Page, mood: string, craving: number, options: { tag?: string; note?: string } = {}): Promise<void> {
	await page.getByRole('radio', { name: mood, exact: true }).check();
	await page.getByLabel(/^Craving/).fill(String(craving));
	if (options.tag) {
		await page.getByLabel('Your own tag').fill(options.tag);
		await page.getByRole('button', { name: 'Add tag' }).click();
	}
	if (options.note !== undefined) await page.getByLabel(/A short note/).fill(options.note);
	await page.getByRole('button', { name: /Save check-in|Save changes/ }).click();
}

test('a counter, check-ins over several days, a milestone shared to a group, a gentle reset, charts, sharing, export, reload, lock and unlock', async ({ browser }) => {
	test.setTimeout(420_000);
	const noon = new Date();
	noon.setHours(12, 0, 0, 0);
	const t0 = noon.getTime() - 8 * DAY;

	// Bob hosts a group (real clock); Marlow, with a passphrase and a fixed clock, joins it.
	const bob = await newPerson(browser, 'Bob Alder');
	const group = await createGroup(bob.page, 'Tuesday circle');
	const link = await createInvite(bob.page, group);
	const marlow = await newPerson(browser, 'Marlow Finch', { passphrase: PASSPHRASE, beforeFirstLoad: (p) => p.clock.setFixedTime(t0) });
	const page = marlow.page;
	await page.getByLabel('Have an invite link?').fill(link);
	await page.getByRole('button', { name: 'Open' }).click();
	await expect(page.getByRole('button', { name: 'Join group' })).toBeVisible({ timeout: 20_000 });
	await page.getByLabel('Your name in this group').fill('Marlow Finch');
	await page.getByRole('button', { name: 'Join group' }).click();
	await expect(page).toHaveURL(/\/g\/[^/]+$/, { timeout: 20_000 });

	await openProgress(page);
	await expect(page.getByText('Nothing is shared. Your progress stays on this device.')).toBeVisible();
	await checkScreen(page, 'progress-empty');

	// A start date in the future is refused with a plain sentence; nothing is created.
	await page.getByLabel('What are you counting days away from?').fill('Alcohol');
	const tomorrow = new Date(t0 + DAY);
	const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
	await page.getByLabel('First day').fill(iso(tomorrow));
	await page.getByRole('button', { name: 'Start counting' }).click();
	await expect(page.getByRole('alert')).toHaveText('That date has not come yet. Choose today or an earlier day.');
	await expect(page.getByTestId('counter')).toHaveCount(0);
	await page.getByLabel('First day').fill(iso(new Date(t0)));
	await page.getByRole('button', { name: 'Start counting' }).click();
	await expect(page.getByTestId('counter-days')).toHaveText('0 days');

	// Day 0: a check-in with a tag of my own and a note.
	await checkIn(page, 'Low', 7, { tag: TAG, note: NOTES[0] });
	await expect(page.getByText('Check-in saved. Thank you for taking a moment.')).toBeVisible();

	// Days 1 to 7 (day 4 missed): the count moves with the local day.
	const moods = ['Okay', 'Okay', 'Good', '', 'Low', 'Good', 'Very good'];
	for (let d = 1; d <= 7; d++) {
		await moveClock(page, t0 + d * DAY);
		await openProgress(page);
		await expect(page.getByTestId('counter-days')).toHaveText(`${d} day${d === 1 ? '' : 's'}`);
		if (d === 1) {
			await expect(page.getByTestId('celebration')).toContainText('1 day — Alcohol');
			await page.getByRole('button', { name: 'Thank you' }).click();
			await expect(page.getByTestId('celebration')).toHaveCount(0);
		}
		if (moods[d - 1]) await checkIn(page, moods[d - 1]!, 7 - d, d === 2 ? { note: NOTES[1], tag: TAG } : {});
		if (moods[d - 1]) await expect(page.getByRole('status').filter({ hasText: /Check-in saved/ })).toBeVisible();
	}

	// Day 7: one week, celebrated calmly and shared to the group as a card (the count only).
	await expect(page.getByTestId('celebration')).toContainText('1 week — Alcohol');
	await checkScreen(page, 'progress-milestone');
	await page.getByRole('button', { name: 'Share to a group…' }).click();
	await page.getByLabel('Group', { exact: true }).selectOption({ label: 'Tuesday circle' });
	await page.getByRole('button', { name: 'Share 1 week' }).click();
	await expect(page.getByText('Shared 1 week with Tuesday circle.')).toBeVisible({ timeout: 20_000 });
	await openChat(bob.page, group);
	await expect(bob.page.getByTestId('milestone-card')).toHaveText(/Marlow Finch reached 1 week\./, { timeout: 20_000 });
	await expect(bob.page.getByTestId('milestone-card')).not.toContainText(iso(new Date(t0)));

	// The same day the check-in can be changed; it stays one check-in.
	await checkIn(page, 'Good', 2, { note: NOTES[2] });
	await expect(page.getByText('Check-in changed.')).toBeVisible();

	// A note that is too long: a clear sentence, and the words stay in the box.
	const long = 'I want to remember this. '.repeat(45);
	await page.getByLabel(/A short note/).fill(long);
	await expect(page.getByText(/a little too long to save/)).toBeVisible();
	await page.getByRole('button', { name: 'Save changes' }).click();
	await expect(page.getByRole('alert')).toContainText('The note is longer than 1,000 characters');
	await expect(page.getByLabel(/A short note/)).toHaveValue(long);
	await page.getByLabel(/A short note/).fill(NOTES[2]!);

	// Past midnight, a change of yesterday's check-in is refused with what was typed kept; it can be saved for today.
	await page.getByLabel(/A short note/).fill('written just before midnight');
	await moveClock(page, t0 + 8 * DAY - 12 * 3_600_000 + 5 * 60_000); // 00:05 on day 8
	await page.getByRole('button', { name: 'Save changes' }).click();
	await expect(page.getByRole('alert')).toContainText('It is a new day now');
	await expect(page.getByLabel(/A short note/)).toHaveValue('written just before midnight');
	await page.getByRole('button', { name: 'Save as today’s check-in' }).click();
	await expect(page.getByText(/Check-in saved/)).toBeVisible();

	// Charts, calendar and streaks, with a text alternative; phone and desktop, light and dark.
	await moveClock(page, t0 + 8 * DAY);
	await openProgress(page);
	await expect(page.getByText('8 check-ins in the last 30 days.', { exact: false }).first()).toBeVisible();
	await expect(page.getByTestId('streaks')).toHaveText('4 days in a row now; the longest run of check-ins was 4 days.');
	await page.getByText('Show as a table').first().click();
	await expect(page.getByRole('table').first().getByRole('row')).toHaveCount(9);
	await page.getByRole('button', { name: '90 days' }).first().click();
	await expect(page.getByText(/in the last 90 days/).first()).toBeVisible();
	await checkScreen(page, 'progress-charts');
	await page.emulateMedia({ colorScheme: 'dark' });
	await checkScreen(page, 'progress-charts-dark');
	await page.emulateMedia({ colorScheme: 'light' });

	// Sharing with a conversation: nothing until chosen; the other side sees the same chart; stopping is said.
	await page.getByLabel('Conversation').selectOption({ label: 'Tuesday circle' });
	await page.getByRole('button', { name: 'Start sharing' }).click();
	await expect(page.getByTestId('sharing-on')).toContainText('check-ins (without notes)');
	await bob.page.goto('/progress');
	await expect(bob.page.getByRole('heading', { name: 'Shared by Marlow Finch' })).toBeVisible({ timeout: 20_000 });
	await expect(bob.page.getByText(/^8 check-ins in the last 30 days/)).toBeVisible({ timeout: 90_000 });
	await expect(bob.page.getByText(/Alcohol/).first()).toBeVisible();
	await checkScreen(bob.page, 'progress-shared-with-me');
	await page.getByRole('button', { name: 'Stop sharing' }).click();
	await expect(page.getByText('Sharing stopped. Nothing more will be sent.')).toBeVisible();
	await expect(bob.page.getByText('Marlow Finch stopped sharing. What was shared before is still shown.')).toBeVisible({ timeout: 20_000 });

	// A gentle reset: no reason asked, the help page offered, the run kept as an achievement.
	await page.getByRole('button', { name: 'Start again' }).click();
	await expect(page.getByText('You do not need to give a reason.')).toBeVisible();
	await expect(page.getByRole('link', { name: 'Get help now' }).last()).toHaveAttribute('href', '/help');
	await checkScreen(page, 'progress-reset');
	await page.getByRole('button', { name: 'Start again from today' }).click();
	await expect(page.getByTestId('counter-days')).toHaveText('0 days');
	await expect(page.getByText('Earlier runs, kept as achievements')).toBeVisible();
	await expect(page.locator('.runs li')).toContainText('8 days');
	// A start date before the last reset is refused; the run stays as it was.
	await page.getByRole('button', { name: 'Change start date' }).click();
	await page.locator('input[type=date][id^=start-]').fill(iso(new Date(t0 + 2 * DAY)));
	await page.getByRole('button', { name: 'Save', exact: true }).click();
	await expect(page.getByRole('alert')).toContainText('That is before your last new start');

	// Export: a neutral file name, with the notes and tags.
	const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as CSV' }).click()]);
	expect(csv.suggestedFilename()).toBe('export.csv');
	const csvText = await readFile((await csv.path())!, 'utf8');
	expect(csvText).toContain(NOTES[0]);
	expect(csvText).toContain(TAG);
	const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as JSON' }).click()]);
	expect(json.suggestedFilename()).toBe('export.json');
	expect(JSON.parse(await readFile((await json.path())!, 'utf8')).checkins).toHaveLength(8);

	// Reload: the device asks for the passphrase; everything is still there.
	await page.reload();
	await page.getByLabel('Passphrase').fill(PASSPHRASE);
	await page.getByRole('button', { name: 'Unlock' }).click();
	await openProgress(page);
	await expect(page.getByText('Earlier runs, kept as achievements')).toBeVisible();
	await expect(page.getByTestId('streaks')).toContainText('4 days in a row now');

	// Lock now: nothing of it stays on the page; unlocking brings it back.
	await page.getByRole('link', { name: 'Settings and privacy' }).click();
	await page.getByRole('button', { name: 'Lock now' }).click();
	await expect(page.getByRole('heading', { name: 'Unseen is locked' })).toBeVisible();
	const html = await page.content();
	for (const secret of [...NOTES, TAG, 'Alcohol']) expect(html).not.toContain(secret);
	await page.getByLabel('Passphrase').fill(PASSPHRASE);
	await page.getByRole('button', { name: 'Unlock' }).click();
	await openProgress(page);
	await expect(page.getByTestId('counter')).toContainText('Alcohol');

	// Delete all: asked once, then gone.
	await page.getByRole('button', { name: 'Delete all progress' }).click();
	await page.getByRole('button', { name: 'Delete everything' }).click();
	await expect(page.getByText('Progress deleted from this device.')).toBeVisible();
	await expect(page.getByTestId('counter')).toHaveCount(0);
	await expect(page.getByTestId('streaks')).toHaveText('No check-ins yet.');

	await marlow.context.close();
	await bob.context.close();

	// The relay's files: no note text and no tag word, in any plain encoding.
	const files = await filesUnder(process.env.E2E_DATA_DIR!);
	expect(files.length).toBeGreaterThan(0);
	for (const file of files) {
		const bytes = await scannedBytes(file);
		for (const needle of [...NOTES, TAG, 'Alcohol']) {
			for (const encoding of ['utf8', 'utf16le'] as const) expect(bytes.includes(Buffer.from(needle, encoding)), `${file} holds "${needle}"`).toBe(false);
			expect(bytes.includes(Buffer.from(Buffer.from(needle).toString('base64url').slice(0, 16))), `${file} holds base64 of "${needle}"`).toBe(false);
		}
	}
});
