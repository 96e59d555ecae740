/**
 * Reading (issue 15 item 3): a reader scrolled up keeps their place when messages arrive, with a
 * "New messages" button; right-to-left text and names lay out right; a character counter near the
 * limit whose error clears as soon as the text fits; the message list as one tab stop with the
 * arrows, Home and End, and a skip link to the message box.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { createGroup, expectMessage, groupOfTwo, groupPath, newPerson, openChat, send } from './helpers.ts';

const SIZES = [
	['phone', { width: 390, height: 844 }],
	['desktop', { width: 1280, height: 800 }]
] as const;

async function noSeriousAxe(page: Page, what: string): Promise<void> {
	const results = await new AxeBuilder({ page }).analyze();
	const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), `${what} has no serious or critical accessibility problem`).toEqual([]);
}

const scrollTop = (page: Page) => page.locator('.messages').evaluate((el) => el.scrollTop);

for (const [size, viewport] of SIZES) {
	test(`a reader scrolled up keeps their place when a message arrives, and a "New messages" button takes them to it (${size})`, async ({ browser }) => {
		test.setTimeout(180_000);
		const { host: ana, group, guest: bo } = await groupOfTwo(browser, 'Ana Pine', 'Place room', 'Bo Reed');
		await bo.page.setViewportSize(viewport);
		await openChat(ana.page, group);
		for (let i = 1; i <= 24; i++) await send(ana.page, `Older thought number ${i}, long enough to take a line or two on a phone screen`);
		await openChat(bo.page, group);
		await expectMessage(bo.page, 'Older thought number 24');
		const page = bo.page;
		// At the bottom, the newest is in view, as before.
		await expect(page.getByTestId('message-text').filter({ hasText: 'number 24' })).toBeInViewport();

		// Scrolled up to read the history: a new message does not move the page.
		await page.locator('.messages').evaluate((el) => el.scrollTo({ top: 0 }));
		await expect(page.getByTestId('message-text').filter({ hasText: 'number 1,' })).toBeInViewport();
		await send(ana.page, 'A new thought while Bo reads back');
		await expect(page.getByTestId('message-text').filter({ hasText: 'while Bo reads back' })).toHaveCount(1, { timeout: 20_000 });
		const button = page.getByTestId('new-messages');
		await expect(button).toHaveText(/1 new message/);
		// Announced politely: the button appears inside a polite live region.
		await expect(page.locator('[aria-live="polite"]').filter({ has: button })).toHaveCount(1);
		expect(await scrollTop(page), 'the reader stays where they were').toBe(0);
		await expect(page.getByTestId('message-text').filter({ hasText: 'number 1,' })).toBeInViewport();
		await expect(page.getByTestId('message-text').filter({ hasText: 'while Bo reads back' })).not.toBeInViewport();

		await send(ana.page, 'And one more');
		await expect(button).toHaveText(/2 new messages/);
		expect(await scrollTop(page)).toBe(0);
		await page.screenshot({ path: `test-results/screenshots/reading-new-messages-${size}.png` });
		await noSeriousAxe(page, `the chat with a "New messages" button (${size})`);

		await button.click();
		const newest = page.getByTestId('message').filter({ hasText: 'And one more' });
		await expect(newest).toBeInViewport();
		await expect(newest).toBeFocused();
		await expect(button).toHaveCount(0);

		// Back at the bottom: new messages scroll into view by themselves, no button.
		await send(ana.page, 'Seen straight away');
		await expect(page.getByTestId('message-text').filter({ hasText: 'Seen straight away' })).toBeInViewport({ timeout: 20_000 });
		await expect(button).toHaveCount(0);

		// My own message always brings me down to it, even from up in the history.
		await page.locator('.messages').evaluate((el) => el.scrollTo({ top: 0 }));
		await send(page, 'My own reply from up there');
		await expect(page.getByTestId('message-text').filter({ hasText: 'My own reply from up there' })).toBeInViewport();
		await ana.context.close();
		await bo.context.close();
	});
}

test('Arabic and Hebrew messages and names lay out right to left, and names never scramble a line', async ({ browser }) => {
	test.setTimeout(180_000);
	const arabicGroup = 'مجموعة الأمل 2';
	const { host: noor, group, guest: ori } = await groupOfTwo(browser, 'نور', arabicGroup, 'אורי כהן');
	await openChat(noor.page, group);
	await send(noor.page, 'مرحبا بكم جميعا، كيف حالكم اليوم؟ أنا هنا منذ 30 يوما.');
	await openChat(ori.page, group);
	await expectMessage(ori.page, 'مرحبا بكم');
	await send(ori.page, 'שלום לכולם, אני כאן כבר 12 ימים.');
	await send(ori.page, 'English line with a name inside: Ash.');
	await expectMessage(noor.page, 'English line with a name');

	const page = ori.page;
	const arabic = page.getByTestId('message-text').filter({ hasText: 'مرحبا بكم' });
	await expect(arabic).toHaveAttribute('dir', 'auto');
	expect(await arabic.evaluate((el) => getComputedStyle(el).direction), 'an Arabic message reads right to left').toBe('rtl');
	const hebrew = page.getByTestId('message-text').filter({ hasText: 'שלום' });
	expect(await hebrew.evaluate((el) => getComputedStyle(el).direction), 'a Hebrew message reads right to left').toBe('rtl');
	const english = page.getByTestId('message-text').filter({ hasText: 'English line' });
	expect(await english.evaluate((el) => getComputedStyle(el).direction), 'an English message stays left to right').toBe('ltr');
	// The Arabic text starts at the right edge of its bubble.
	const box = (await arabic.boundingBox())!;
	const bubble = (await arabic.locator('..').boundingBox())!;
	expect(bubble.x + bubble.width - (box.x + box.width)).toBeLessThan(20);

	// Names are isolated: a right-to-left name does not pull the time or the rest of the line with it.
	const sender = page.getByTestId('message').filter({ hasText: 'مرحبا بكم' }).getByTestId('sender-name');
	await expect(sender).toHaveText('نور');
	expect(await sender.evaluate((el) => getComputedStyle(el).unicodeBidi)).toBe('isolate');

	// The group's name in the list and in the header, and my pseudonym in the list line.
	for (const p of [page, noor.page]) {
		await p.setViewportSize({ width: 1280, height: 800 });
		const listed = p.getByRole('complementary', { name: 'Groups' }).getByTestId('group-name');
		await expect(listed).toHaveText(arabicGroup);
		expect(await listed.evaluate((el) => [el.getAttribute('dir'), getComputedStyle(el).unicodeBidi, getComputedStyle(el).direction])).toEqual(['auto', 'isolate', 'rtl']);
		// Isolated in its own line, starting where the header's other words start.
		const title = p.getByTestId('group-title').locator('span[dir="auto"]');
		expect(await title.evaluate((el) => [getComputedStyle(el).unicodeBidi, getComputedStyle(el).direction])).toEqual(['isolate', 'rtl']);
		const titleBox = (await title.boundingBox())!;
		const countBox = (await p.getByTestId('group-title').locator('xpath=following-sibling::p[1]').boundingBox())!;
		expect(Math.abs(titleBox.x - countBox.x)).toBeLessThan(4);
	}
	await noor.page.goto('/');
	const pseudonym = noor.page.getByTestId('pseudonym');
	await expect(pseudonym).toHaveText('نور');
	expect(await pseudonym.evaluate((el) => getComputedStyle(el).unicodeBidi)).toBe('isolate');
	// The words around the name stay in their order: "… · you are نور · Member".
	await expect(pseudonym.locator('..')).toHaveText(/^2 people · you are نور · Facilitator$/);
	// … and on screen: "you are" left of the name, the role right of it.
	const [before, name, after] = await pseudonym.evaluate((el) => {
		const rect = (node: Node) => {
			const range = document.createRange();
			range.selectNodeContents(node);
			return range.getBoundingClientRect();
		};
		return [rect(el.previousSibling!).right, [rect(el).left, rect(el).right], rect(el.nextSibling!).left];
	});
	expect(before).toBeLessThanOrEqual(name[0]! + 1);
	expect(after).toBeGreaterThanOrEqual(name[1]! - 1);
	await noor.page.screenshot({ path: 'test-results/screenshots/reading-rtl-group-list.png' });

	for (const [size, viewport] of SIZES) {
		await page.setViewportSize(viewport);
		await page.goto(groupPath(page, group));
		await expectMessage(page, 'English line with a name');
		await page.screenshot({ path: `test-results/screenshots/reading-rtl-${size}.png` });
		await noSeriousAxe(page, `a chat in Arabic and Hebrew (${size})`);
	}
	await noor.context.close();
	await ori.context.close();
});

test('a character counter shows near the limit, and the limit error clears as soon as the text is shortened', async ({ browser }) => {
	test.setTimeout(120_000);
	const ana = await newPerson(browser, 'Ana Pine');
	const group = await createGroup(ana.page, 'Long words room');
	await openChat(ana.page, group);
	const page = ana.page;
	for (const [size, viewport] of SIZES) {
		await page.setViewportSize(viewport);
		const box = page.getByLabel('Write a message');
		const counter = page.getByTestId('composer-count');
		const error = page.getByTestId('composer-error');
		await box.fill('a'.repeat(7199));
		await expect(counter).toHaveCount(0);
		await box.fill('a'.repeat(7200));
		await expect(counter).toHaveText('800 characters left');
		await expect(box).toHaveAttribute('aria-describedby', 'composer-count');
		await box.fill('a'.repeat(8012));
		await expect(counter).toHaveText('12 characters over the limit');
		await page.getByRole('button', { name: 'Send' }).click();
		await expect(error).toContainText('Messages can be up to 8,000 characters');
		await expect(box).toHaveValue('a'.repeat(8012)); // nothing lost
		await page.screenshot({ path: `test-results/screenshots/reading-counter-${size}.png` });
		await noSeriousAxe(page, `the composer over its limit (${size})`);
		await box.press('End');
		for (let i = 0; i < 11; i++) await box.press('Backspace');
		await expect(error, 'still one over: the error stays').toBeVisible();
		await box.press('Backspace');
		await expect(error, 'the error goes as soon as the text fits').toHaveCount(0);
		await expect(counter).toHaveText('0 characters left');
		await page.getByRole('button', { name: 'Send' }).click();
		await expect(page.getByTestId('message')).toHaveCount(SIZES.findIndex(([s]) => s === size) + 1, { timeout: 20_000 });
		await expect(counter).toHaveCount(0);
	}
	await ana.context.close();
});

for (const [size, viewport] of SIZES) {
	test(`the message list is one tab stop: arrows, Home and End move between messages, Tab reaches a message's actions, and a skip link leads to the message box (${size})`, async ({ browser }) => {
		test.setTimeout(120_000);
		const ana = await newPerson(browser, 'Ana Pine');
		await ana.page.setViewportSize(viewport);
		const group = await createGroup(ana.page, 'Keys room');
		await openChat(ana.page, group);
		const page = ana.page;
		for (const word of ['First', 'Second', 'Third', 'Fourth']) await send(page, `${word} message`);
		await expectMessage(page, 'Fourth message');
		const messages = page.getByTestId('message');
		await expect(messages).toHaveCount(4);
		const nth = (i: number) => messages.nth(i);

		// The skip link: hidden until focused, then visible; it leads to the message box.
		const skip = page.getByTestId('skip-to-composer');
		await expect(skip).not.toBeInViewport();
		await skip.focus();
		await expect(skip).toBeInViewport();
		await expect(skip).toHaveText('Skip to the message box');
		await page.screenshot({ path: `test-results/screenshots/reading-skip-link-${size}.png` });
		await page.keyboard.press('Enter');
		await expect(page.getByLabel('Write a message')).toBeFocused();

		// One tab stop: only the newest message is in the tab order, with its own "..." button.
		const tabbable = await page.locator('.messages').evaluate((el) => Array.from(el.querySelectorAll<HTMLElement>('li, button, input, a, textarea')).filter((e) => e.tabIndex >= 0).map((e) => e.tagName + (e.dataset.testid ? `:${e.dataset.testid}` : '')));
		expect(tabbable).toEqual(['LI:message', 'BUTTON:message-actions']);
		// From the skip link, Tab enters the list on the newest message.
		await skip.focus();
		await page.keyboard.press('Tab');
		await expect(nth(3)).toBeFocused();
		await expect(nth(3)).toHaveAccessibleName(/You .*Fourth message/);
		await page.keyboard.press('ArrowUp');
		await expect(nth(2)).toBeFocused();
		await expect(nth(2)).toHaveAttribute('tabindex', '0');
		await expect(nth(3)).toHaveAttribute('tabindex', '-1');
		await expect(nth(3).getByTestId('message-actions')).toHaveAttribute('tabindex', '-1');
		await page.keyboard.press('Home');
		await expect(nth(0)).toBeFocused();
		await page.keyboard.press('ArrowUp');
		await expect(nth(0), 'the first message stays put').toBeFocused();
		await page.keyboard.press('ArrowDown');
		await expect(nth(1)).toBeFocused();
		await page.keyboard.press('End');
		await expect(nth(3)).toBeFocused();
		await page.keyboard.press('ArrowUp');
		await expect(nth(2)).toBeFocused();
		await page.screenshot({ path: `test-results/screenshots/reading-keyboard-${size}.png` });

		// Enter reaches the message's actions; Escape comes back to the message.
		const actions = nth(2).getByTestId('message-actions');
		await page.keyboard.press('Enter');
		await expect(actions).toBeFocused();
		await page.keyboard.press('Enter');
		await expect(nth(2).getByRole('menu')).toBeVisible();
		await page.keyboard.press('Escape');
		await expect(actions).toBeFocused();
		await page.keyboard.press('Escape');
		await expect(nth(2)).toBeFocused();
		// Tab reaches the actions too, and the next Tab leaves the list: nobody is trapped.
		await page.keyboard.press('Tab');
		await expect(actions).toBeFocused();
		await page.keyboard.press('Tab');
		const outside = await page.evaluate(() => !document.querySelector('.messages')?.contains(document.activeElement));
		expect(outside, 'Tab leaves the list after the message’s own controls').toBe(true);
		// Coming back with Shift+Tab lands on the message last visited.
		await page.keyboard.press('Shift+Tab');
		await expect(actions).toBeFocused();
		await page.keyboard.press('Shift+Tab');
		await expect(nth(2)).toBeFocused();
		await noSeriousAxe(page, `the chat with a focused message (${size})`);
		await ana.context.close();
	});
}
