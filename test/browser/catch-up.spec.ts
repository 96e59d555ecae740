/**
 * What a person sees when the relay is slow or lies while they catch up: a progress bar over a
 * long backlog, and plain warnings when a message is dropped or replayed (P6). The browser loads
 * the app through a tampering proxy (test/tamper/proxy.ts) in front of the real server, so the
 * real app code meets a relay that holds back, drops and replays entries.
 */
import { expect, test } from '@playwright/test';
import { startTamperProxy, type TamperProxy } from '../tamper/proxy.ts';
import { Tamperer, type EntryFrame } from '../tamper/setup.ts';
import { BASE_URL, createGroup, createInvite, expectMessage, groupIdOfLink, groupPath, joinByLink, messageText, newPerson, openChat, send } from './helpers.ts';

let proxy: TamperProxy | null = null;
test.afterEach(async () => {
	await proxy?.close();
	proxy = null;
});

test('P6 catching up through a slow, lying relay: a progress bar, then a dropped and a replayed message shown as warnings', async ({ browser }) => {
	test.setTimeout(150_000);
	const relayUrl = `${BASE_URL.replace(/^http/, 'ws')}/relay`;
	proxy = await startTamperProxy(relayUrl.replace('localhost', '127.0.0.1'), { app: BASE_URL });
	const tamper = new Tamperer();
	// Frames for the victim go through the tamperer, then (once `slow`) one entry every 80 ms.
	let slow = false;
	let queue = Promise.resolve();
	proxy.onDown('anon', (frame, link) => {
		const out = tamper.hook(frame, link);
		if (!slow) return out;
		for (const f of out) queue = queue.then(() => new Promise((resolve) => setTimeout(resolve, f.t === 'entry' ? 80 : 0))).then(() => link.toClient(f));
		return [];
	});

	const ann = await newPerson(browser, 'Ann Cedar');
	const group = await createGroup(ann.page, 'Slow evening');
	const link = await createInvite(ann.page, group);
	const groupId = groupIdOfLink(link);
	const bo = await newPerson(browser, 'Bo Willow', { baseURL: proxy.origin });
	await joinByLink(bo, link.replace(new URL(BASE_URL).origin, proxy.origin));
	await openChat(ann.page, group);
	await send(ann.page, 'Welcome, Bo');
	await expectMessage(bo.page, 'Welcome, Bo');

	// Bo closes the app; Ann writes on. Ann's notes are the messages after the last entry Bo was
	// sent, which is how the tamperer picks them below, whatever Bo's saved cursor says.
	await bo.page.close();
	const base = Math.max(...proxy.seen('anon').flatMap((f) => (f.t === 'entry' && f.group === groupId ? [f.seq as number] : [])));
	const total = 30;
	for (let i = 1; i <= total; i++) await send(ann.page, `Evening note ${i}`);
	await expect(ann.page.getByTestId('message').filter({ hasText: `Evening note ${total}` })).toHaveAttribute('data-status', 'sent', { timeout: 30_000 });

	// When Bo comes back, the relay trickles the backlog, drops the 13th note and keeps a copy of the 5th.
	// Ann's messages after `base` are her notes, in order; counted rather than numbered, since her
	// receive-key op (§4.4, sent after a short random pause) may land among them.
	let fifth: EntryFrame | null = null;
	let notes = 0;
	tamper.rule = (f) => {
		if (f.group !== groupId || !f.entry.msg || f.seq <= base) return undefined;
		notes += 1;
		if (notes === 5) fifth = f;
		return notes === 13 ? [] : undefined;
	};
	slow = true;
	const page = await bo.context.newPage();
	await page.goto(groupPath(page, group));
	const bar = page.getByRole('progressbar', { name: 'Catching up on messages…' });
	await expect(bar).toBeVisible({ timeout: 20_000 });
	await expectMessage(page, `Evening note ${total}`, 30_000);
	await expect(bar).toHaveCount(0);
	await expect(messageText(page, 'Evening note 13')).toHaveCount(0);
	await expect(messageText(page, 'Evening note 12')).toBeVisible();
	const gap = page.getByTestId('chat-warning').and(page.locator('[data-kind=gap]'));
	await expect(gap).toBeVisible();
	await expect(gap).toHaveText('A message from Ann Cedar did not arrive. The relay may have dropped or delayed them.');

	// The relay now sends the 5th note again as if it were new.
	expect(fifth).not.toBeNull();
	tamper.inject({ ...fifth!, stamp: fifth!.stamp });
	await expect(page.getByTestId('chat-warning').and(page.locator('[data-kind=replay]'))).toBeVisible({ timeout: 20_000 });
	await expect(messageText(page, 'Evening note 5')).toHaveCount(1);
	await page.screenshot({ path: 'test-results/screenshots/chat-warnings-desktop.png' });
	await ann.context.close();
	await bo.context.close();
});
