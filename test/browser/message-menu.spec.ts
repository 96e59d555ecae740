/**
 * The message actions menu (issue 12 item 7): one "..." button per message instead of a row of
 * small buttons. A keyboard user meets one tab stop per message and moves inside the menu with
 * the arrows (WAI-ARIA menu button pattern); a phone user gets 44 px targets and a long press.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { expectMessage, groupOfTwo, groupPath, joinByLink, messageAction, newPerson, openChat, send } from './helpers.ts';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

async function noSeriousAxe(page: Page, what: string): Promise<void> {
	const results = await new AxeBuilder({ page }).analyze();
	const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), `${what} has no serious or critical accessibility problem`).toEqual([]);
}

async function isFocused(locator: Locator): Promise<boolean> {
	return locator.evaluate((el) => el === document.activeElement);
}

test('one tab stop per message; Enter opens the menu on its first item, arrows, Home and End move, Escape gives focus back; reacting works from the keyboard', async ({ browser }) => {
	test.setTimeout(120_000);
	const { host: ana, group, guest: bo } = await groupOfTwo(browser, 'Ana Pine', 'Menu room', 'Bo Reed');
	await openChat(ana.page, group);
	await send(ana.page, 'First of two thoughts');
	await send(ana.page, 'Second of two thoughts');
	await expectMessage(bo.page, 'Second of two thoughts');

	const page = bo.page;
	const first = page.getByTestId('message').filter({ hasText: 'First of two thoughts' });
	const second = page.getByTestId('message').filter({ hasText: 'Second of two thoughts' });
	const firstButton = first.getByTestId('message-actions');
	const secondButton = second.getByTestId('message-actions');
	await expect(firstButton).toHaveAccessibleName(/^Actions for the message from Ana Pine at /);
	await expect(firstButton).toHaveAttribute('aria-haspopup', 'menu');
	await expect(firstButton).toHaveAttribute('aria-expanded', 'false');
	// No reply, reaction or report buttons sit in the message itself any more.
	await expect(first.getByRole('button')).toHaveCount(1);

	// The list is one tab stop (issue 15): the arrows move between messages, Tab reaches the
	// focused message's "..." button, Shift+Tab comes back to the message.
	await second.focus();
	await page.keyboard.press('ArrowUp');
	await expect(first).toBeFocused();
	await expect(secondButton).toHaveAttribute('tabindex', '-1');
	await page.keyboard.press('Tab');
	expect(await isFocused(firstButton), 'Tab moves from the message to its own menu button').toBe(true);
	await page.keyboard.press('Shift+Tab');
	await expect(first).toBeFocused();
	await page.keyboard.press('Tab');
	expect(await isFocused(firstButton)).toBe(true);

	await page.keyboard.press('Enter');
	const menu = first.getByRole('menu');
	await expect(menu).toBeVisible();
	await expect(firstButton).toHaveAttribute('aria-expanded', 'true');
	const items = menu.getByRole('menuitem');
	const names = await items.evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? el.textContent?.trim()));
	expect(names).toEqual(['React with ❤️', 'React with 🙏', 'React with 🤗', 'React with 👍', 'Reply', 'Copy text', 'Report', 'Ask a moderator for help', 'Block on this device']);
	await expect(items.first()).toBeFocused();
	// Items are not tab stops of their own: the menu is one stop, moved through with arrows.
	for (const el of await items.all()) await expect(el).toHaveAttribute('tabindex', '-1');
	await page.keyboard.press('ArrowDown');
	await expect(items.nth(1)).toBeFocused();
	await page.keyboard.press('End');
	await expect(menu.getByRole('menuitem', { name: 'Block on this device' })).toBeFocused();
	await page.keyboard.press('ArrowDown');
	await expect(items.first()).toBeFocused();
	await page.keyboard.press('ArrowUp');
	await expect(menu.getByRole('menuitem', { name: 'Block on this device' })).toBeFocused();
	await page.keyboard.press('Home');
	await expect(items.first()).toBeFocused();
	// A letter jumps to the item it starts.
	await page.keyboard.press('c');
	await expect(menu.getByRole('menuitem', { name: 'Copy text' })).toBeFocused();
	await page.keyboard.press('Escape');
	await expect(menu).toHaveCount(0);
	await expect(firstButton).toBeFocused();
	await expect(firstButton).toHaveAttribute('aria-expanded', 'false');

	// Arrow Up on the button opens on the last item; choosing one closes the menu and acts.
	await page.keyboard.press('ArrowUp');
	await expect(menu.getByRole('menuitem', { name: 'Block on this device' })).toBeFocused();
	await page.keyboard.press('Home');
	await page.keyboard.press('ArrowRight');
	await expect(menu.getByRole('menuitem', { name: 'React with 🙏' })).toBeFocused();
	await page.keyboard.press('Enter');
	await expect(menu).toHaveCount(0);
	await expect(firstButton).toBeFocused();
	await expect(ana.page.getByTestId('message').filter({ hasText: 'First of two thoughts' }).getByRole('list', { name: 'Reactions' })).toContainText('🙏 1', { timeout: 20_000 });

	// Tab inside an open menu closes it.
	await page.keyboard.press('Enter');
	await expect(menu).toBeVisible();
	await page.keyboard.press('Tab');
	await expect(menu).toHaveCount(0);

	// My own messages hold Edit and Delete instead of Report.
	const mine = ana.page.getByTestId('message').filter({ hasText: 'Second of two thoughts' });
	await mine.getByTestId('message-actions').click();
	await expect(mine.getByRole('menuitem')).toHaveText(['❤️', '🙏', '🤗', '👍', 'Reply', 'Copy text', 'Edit', 'Delete']);
	// A press outside closes it.
	await ana.page.getByRole('textbox', { name: 'Write a message' }).click();
	await expect(mine.getByRole('menu')).toHaveCount(0);
	await ana.context.close();
	await bo.context.close();
});

test('on a phone the menu has 44 px targets, opens with a long press or a right click, passes axe, and the "report sent" notice can be dismissed', async ({ browser }) => {
	test.setTimeout(120_000);
	const { host: ana, group, guest: bo } = await groupOfTwo(browser, 'Cy Owl', 'Phone room', 'Di Moth');
	await openChat(ana.page, group);
	await send(ana.page, 'A message to act on from a phone');
	await expectMessage(bo.page, 'A message to act on from a phone');
	const page = bo.page;
	await page.setViewportSize(PHONE);
	const message = page.getByTestId('message').filter({ hasText: 'A message to act on from a phone' });
	const button = message.getByTestId('message-actions');
	const box = await button.boundingBox();
	expect(box!.width).toBeGreaterThanOrEqual(44);
	expect(box!.height).toBeGreaterThanOrEqual(44);

	// A long press with a finger on the message opens its menu.
	const bubble = message.locator('.bubble');
	await bubble.dispatchEvent('pointerdown', { pointerType: 'touch', isPrimary: true, bubbles: true });
	const menu = message.getByRole('menu');
	await expect(menu).toBeVisible();
	await bubble.dispatchEvent('pointerup', { pointerType: 'touch', isPrimary: true, bubbles: true });
	await expect(menu.getByRole('menuitem').first()).toBeFocused();
	for (const item of await menu.getByRole('menuitem').all()) {
		const b = await item.boundingBox();
		expect(b!.height, `${await item.getAttribute('aria-label') ?? await item.textContent()} is at least 44 px high`).toBeGreaterThanOrEqual(44);
		expect(b!.width).toBeGreaterThanOrEqual(44);
		// Inside the screen: nothing to scroll sideways for.
		expect(b!.x).toBeGreaterThanOrEqual(0);
		expect(b!.x + b!.width).toBeLessThanOrEqual(PHONE.width);
	}
	await noSeriousAxe(page, 'the open message menu at phone size');
	await page.screenshot({ path: 'test-results/screenshots/message-menu-phone.png' });
	// (Not Escape here: two Escapes within a second are the quick exit, menu open or not.)
	await button.click();
	await expect(menu).toHaveCount(0);

	// A right click (and Android's long-press context menu) opens it too.
	await bubble.click({ button: 'right' });
	await expect(menu).toBeVisible();
	await button.click();
	await expect(menu).toHaveCount(0);

	await page.setViewportSize(DESKTOP);
	await button.click();
	await noSeriousAxe(page, 'the open message menu at desktop size');
	await page.screenshot({ path: 'test-results/screenshots/message-menu-desktop.png' });
	await button.click();

	await page.setViewportSize(PHONE);
	await messageAction(message, 'Report');
	await expect(page.getByRole('heading', { name: 'Report messages' })).toBeVisible();
	await page.getByRole('button', { name: 'Send report' }).click();
	const sent = page.getByText('Your report was sent');
	await expect(sent).toBeVisible({ timeout: 20_000 });
	await noSeriousAxe(page, 'the chat with the report-sent notice at phone size');
	await page.screenshot({ path: 'test-results/screenshots/report-sent-phone.png' });
	await page.getByRole('button', { name: 'Dismiss' }).click();
	await expect(sent).toHaveCount(0);
	await ana.context.close();
	await bo.context.close();
});

test('a member blocks someone on this device (collapsed, shown once on request, undone, kept after a reload) and asks the moderators for help from the menu', async ({ browser }) => {
	test.setTimeout(150_000);
	const { host: mod, group, link, guest: bo } = await groupOfTwo(browser, 'Ida Lark', 'Block room', 'Jo Wren');
	const writer = await newPerson(browser, 'Kai Moss');
	await joinByLink(writer, link);
	await openChat(mod.page, group);
	await send(writer.page, 'Words that keep hurting');
	await expectMessage(bo.page, 'Words that keep hurting');
	const page = bo.page;
	await page.setViewportSize(PHONE);
	const hurtful = page.getByTestId('message').filter({ hasText: 'Words that keep hurting' });

	await messageAction(hurtful, 'Block on this device');
	const collapsed = page.getByTestId('blocked-message');
	await expect(collapsed).toHaveText('Message from someone you blocked.');
	await expect(page.getByText('Words that keep hurting')).toHaveCount(0);
	await expect(page.getByText('Kai Moss', { exact: true })).toHaveCount(0);
	await expect(page.getByTestId('block-notice')).toContainText('You blocked Kai Moss on this device. They are not told');
	await noSeriousAxe(page, 'a blocked message and the block notice at phone size');
	await page.screenshot({ path: 'test-results/screenshots/blocked-phone.png' });

	// Shown once on request, then collapsed again; no reply or reactions offered while blocked.
	const blockedOne = page.getByTestId('message').filter({ has: collapsed });
	await expect(blockedOne.getByTestId('message-actions')).toHaveAccessibleName(/^Actions for the message from someone you blocked at /);
	await blockedOne.getByTestId('message-actions').click();
	await expect(blockedOne.getByRole('menuitem', { name: 'Reply' })).toHaveCount(0);
	await expect(blockedOne.getByRole('menuitem', { name: /React with/ })).toHaveCount(0);
	await blockedOne.getByRole('menuitem', { name: 'Show this message' }).click();
	await expect(page.getByText('Words that keep hurting')).toBeVisible();
	await messageAction(hurtful, 'Collapse this message');
	await expect(page.getByText('Words that keep hurting')).toHaveCount(0);

	// Undo brings the message back; blocking again lasts across a reload.
	await page.getByTestId('block-notice').getByRole('button', { name: 'Undo' }).click();
	await expect(page.getByText('Words that keep hurting')).toBeVisible();
	await expect(page.getByTestId('block-notice')).toHaveCount(0);
	await messageAction(hurtful, 'Block on this device');
	await expect(collapsed).toBeVisible();
	await page.reload();
	await expect(page.getByTestId('blocked-message')).toBeVisible({ timeout: 20_000 });
	await expect(page.getByText('Words that keep hurting')).toHaveCount(0);
	// The others still see it: blocking is mine alone.
	await expect(mod.page.getByText('Words that keep hurting')).toBeVisible();

	// The People screen says so, and unblocks too.
	await page.goto(groupPath(page, group, 'people'));
	const row = page.getByTestId('member').filter({ hasText: 'Kai Moss' });
	await expect(row.getByTestId('blocked-badge')).toBeVisible();
	await row.getByRole('button', { name: 'Unblock' }).click();
	await expect(row.getByTestId('blocked-badge')).toHaveCount(0);
	await expect(row.getByRole('button', { name: 'Block on this device' })).toBeVisible();

	// Asking the moderators for help: the report form, with the request already written.
	await openChat(page, group);
	await messageAction(page.getByTestId('message').filter({ hasText: 'Words that keep hurting' }), 'Ask a moderator for help');
	await expect(page.getByRole('heading', { name: 'Ask the moderators for help' })).toBeVisible();
	await expect(page.getByLabel(/Note/)).toHaveValue('I would like a moderator to help with this.');
	await page.getByRole('button', { name: 'Send report' }).click();
	await expect(page.getByText('Your report was sent')).toBeVisible({ timeout: 20_000 });
	await mod.page.getByRole('link', { name: 'Reports', exact: true }).click();
	const report = mod.page.getByTestId('report');
	await expect(report).toContainText('I would like a moderator to help with this.', { timeout: 20_000 });
	await expect(report).toContainText('Words that keep hurting');

	// The moderator hides it from the message's menu, after a confirmation that can be declined.
	await openChat(mod.page, group);
	const atMod = mod.page.getByTestId('message').filter({ hasText: 'Words that keep hurting' });
	await messageAction(atMod, 'Hide for everyone');
	const dialog = mod.page.getByRole('dialog', { name: 'Hide this message for everyone?' });
	await expect(dialog).toBeVisible();
	await dialog.getByRole('button', { name: 'Cancel' }).click();
	await expect(dialog).toHaveCount(0);
	await expect(mod.page.getByText('Words that keep hurting')).toBeVisible();
	await messageAction(atMod, 'Hide for everyone');
	await mod.page.setViewportSize(PHONE);
	await noSeriousAxe(mod.page, 'the hide confirmation at phone size');
	await mod.page.screenshot({ path: 'test-results/screenshots/hide-confirm-phone.png' });
	await dialog.getByRole('button', { name: 'Hide for everyone' }).click();
	await expect(mod.page.getByText('A moderator hid this message.')).toBeVisible({ timeout: 20_000 });
	await expect(writer.page.getByText('A moderator hid this message.')).toBeVisible({ timeout: 20_000 });
	for (const p of [mod, bo, writer]) await p.context.close();
});

test('§13.3 a moderator mutes a member from the menu after choosing how long; the member can read, not write; Undo lifts it and they write again', async ({ browser }) => {
	test.setTimeout(150_000);
	const { host: mod, group, guest: member } = await groupOfTwo(browser, 'Lou Heron', 'Mute room', 'Max Fern');
	await openChat(mod.page, group);
	await send(member.page, 'Loud words');
	await expectMessage(mod.page, 'Loud words');
	await mod.page.setViewportSize(PHONE);
	const loud = mod.page.getByTestId('message').filter({ hasText: 'Loud words' });

	await messageAction(loud, 'Mute…');
	const dialog = mod.page.getByRole('dialog', { name: 'Mute Max Fern?' });
	await expect(dialog).toBeVisible();
	await expect(dialog.getByRole('radio', { name: '1 hour' })).toBeChecked();
	await dialog.getByRole('radio', { name: '1 day' }).check();
	await noSeriousAxe(mod.page, 'the mute dialog at phone size');
	await mod.page.screenshot({ path: 'test-results/screenshots/mute-dialog-phone.png' });
	await dialog.getByRole('button', { name: 'Mute', exact: true }).click();
	await expect(mod.page.getByTestId('mute-notice')).toContainText('Max Fern is muted until tomorrow at', { timeout: 20_000 });

	// The member reads on, but the message box is gone and says why, without naming who.
	await expect(member.page.getByTestId('muted-note')).toContainText('A moderator muted you until tomorrow at', { timeout: 20_000 });
	await expect(member.page.getByLabel('Write a message')).toHaveCount(0);
	await send(mod.page, 'Still readable while muted');
	await expectMessage(member.page, 'Still readable while muted');
	// No reactions from the menu either: reacting is writing.
	const fromMod = member.page.getByTestId('message').filter({ hasText: 'Still readable while muted' });
	await fromMod.getByTestId('message-actions').click();
	await expect(fromMod.getByRole('menuitem', { name: /React with/ })).toHaveCount(0);
	await expect(fromMod.getByRole('menuitem', { name: 'Reply' })).toHaveCount(0);
	await fromMod.getByTestId('message-actions').click();
	await member.page.setViewportSize(PHONE);
	await noSeriousAxe(member.page, 'the chat of a muted member at phone size');
	await member.page.screenshot({ path: 'test-results/screenshots/muted-member-phone.png' });

	// The moderator's menu now offers to lift it; Undo in the notice does the same.
	await loud.getByTestId('message-actions').click();
	await expect(loud.getByRole('menuitem', { name: 'Lift the mute' })).toBeVisible();
	await loud.getByTestId('message-actions').click();
	await mod.page.getByTestId('mute-notice').getByRole('button', { name: 'Undo' }).click();
	await expect(mod.page.getByTestId('mute-notice')).toContainText('Max Fern can write again.', { timeout: 20_000 });
	await expect(member.page.getByLabel('Write a message')).toBeVisible({ timeout: 20_000 });
	await send(member.page, 'Quieter words now');
	await expectMessage(mod.page, 'Quieter words now');
	await mod.context.close();
	await member.context.close();
});
