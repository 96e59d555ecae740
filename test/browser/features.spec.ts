import { expect, test } from '@playwright/test';
import { createGroup, createInvite, expectMessage, groupOfTwo, groupPath, joinByLink, messageAction, newPerson, openChat, send } from './helpers.ts';

test.describe('chat features between two people', () => {
	test('replies, reactions, edits and deletions of own messages reach the other person', async ({ browser }) => {
		test.setTimeout(90_000);
		const { host: ana, group, guest: bo } = await groupOfTwo(browser, 'Ana Pine', 'Features room', 'Bo Reed');
		await openChat(ana.page, group);
		await send(ana.page, 'First draft of a thought');
		await expectMessage(bo.page, 'First draft of a thought');

		const mine = ana.page.getByTestId('message').filter({ hasText: 'First draft of a thought' });
		await messageAction(mine, 'Edit');
		await ana.page.getByLabel('Edit your message').fill('Second draft of a thought');
		await ana.page.getByRole('button', { name: 'Save' }).click();
		const edited = bo.page.getByTestId('message').filter({ hasText: 'Second draft of a thought' });
		await expect(edited).toContainText('(edited)', { timeout: 20_000 });

		await messageAction(edited, 'Reply');
		await expect(bo.page.getByText('Replying to')).toBeVisible();
		await send(bo.page, 'That resonates with me');
		const reply = ana.page.getByTestId('message').filter({ hasText: 'That resonates with me' });
		await expect(reply.locator('blockquote')).toContainText('Second draft of a thought', { timeout: 20_000 });

		await messageAction(reply, 'React with 🙏');
		await expect(bo.page.getByTestId('message').filter({ hasText: 'That resonates with me' }).getByRole('list', { name: 'Reactions' })).toContainText('🙏 1', { timeout: 20_000 });

		await messageAction(ana.page.getByTestId('message').filter({ hasText: 'Second draft of a thought' }).first(), 'Delete');
		// A receiver keeps it reportable until retention (P8, §6.3); the sender's own device lets it go.
		await expect(bo.page.getByText('Deleted by the sender. You can still report it.')).toBeVisible({ timeout: 20_000 });
		await expect(ana.page.getByText('This message was deleted.')).toBeVisible();
		await expect(bo.page.getByTestId('message-text').filter({ hasText: /^Second draft of a thought$/ })).toHaveCount(0);
		await ana.context.close();
		await bo.context.close();
	});

	test('P8 verifiable reporting: a member reports a message with one more, the facilitator sees both verified and hides it for everyone', async ({ browser }) => {
		test.setTimeout(120_000);
		const { host: mod, group, link, guest: member } = await groupOfTwo(browser, 'Cy Owl', 'Report room', 'Di Moth');
		// The writer is not the facilitator: a report about a moderator never reaches them (§6.3).
		const writer = await newPerson(browser, 'Eli Fern');
		await joinByLink(writer, link);
		await openChat(mod.page, group);
		await send(writer.page, 'An ordinary message');
		await send(writer.page, 'A message someone finds hurtful');
		await expectMessage(member.page, 'A message someone finds hurtful');

		await messageAction(member.page.getByTestId('message').filter({ hasText: 'A message someone finds hurtful' }), 'Report');
		await expect(member.page.getByRole('heading', { name: 'Report messages' })).toBeVisible();
		await member.page.getByTestId('message').filter({ hasText: 'An ordinary message' }).getByRole('checkbox').check();
		await expect(member.page.getByText('(2 chosen)')).toBeVisible();
		await member.page.getByLabel(/Note/).fill('This felt targeted.');
		await member.page.getByRole('button', { name: 'Send report' }).click();
		await expect(member.page.getByText('Your report was sent')).toBeVisible({ timeout: 20_000 });
		await expect(member.page.getByLabel('Write a message')).toBeVisible();

		await mod.page.getByRole('link', { name: 'Reports', exact: true }).click();
		const report = mod.page.getByTestId('report');
		await expect(report).toHaveCount(1, { timeout: 20_000 });
		await expect(report).toContainText('This felt targeted.');
		await expect(report.getByText('Verified', { exact: true })).toHaveCount(2);
		await expect(report).toContainText('A message someone finds hurtful');
		await report.locator('li').filter({ hasText: 'A message someone finds hurtful' }).getByRole('button', { name: 'Hide for everyone' }).click();
		await expect(mod.page.getByText('The message is now hidden for everyone.')).toBeVisible({ timeout: 20_000 });
		await expect(member.page.getByText('A moderator hid this message.')).toBeVisible({ timeout: 20_000 });
		await expect(member.page.getByTestId('message-text').filter({ hasText: 'A message someone finds hurtful' })).toHaveCount(0);
		for (const p of [mod, member, writer]) await p.context.close();
	});

	test('someone in two groups sees an unread count on the group they are not looking at', async ({ browser }) => {
		test.setTimeout(90_000);
		const host = await newPerson(browser, 'Ed Fern');
		const first = await createGroup(host.page, 'Monday group');
		const firstLink = await createInvite(host.page, first);
		const second = await createGroup(host.page, 'Friday group');
		const secondLink = await createInvite(host.page, second);
		const guest = await newPerson(browser, 'Flo Lark');
		await joinByLink(guest, firstLink);
		await joinByLink(guest, secondLink);
		await openChat(guest.page, first);

		await openChat(host.page, second);
		await send(host.page, 'See you on Friday');
		await send(host.page, 'Bring a friend if you like');
		await guest.page.setViewportSize({ width: 1280, height: 800 });
		const friday = guest.page.getByRole('complementary', { name: 'Groups' }).getByRole('link', { name: /Friday group/ });
		await expect(friday.getByTestId('unread')).toContainText('2', { timeout: 20_000 });
		await friday.click();
		await expectMessage(guest.page, 'Bring a friend if you like');
		await guest.page.goto('/');
		await expect(guest.page.getByRole('link', { name: /Friday group/ }).getByTestId('unread')).toHaveCount(0);
		await host.context.close();
		await guest.context.close();
	});

	test('a withdrawn invite link no longer lets anyone in', async ({ browser }) => {
		test.setTimeout(90_000);
		const host = await newPerson(browser, 'Gil Wren');
		const group = await createGroup(host.page, 'Withdrawn room');
		const link = await createInvite(host.page, group);
		await host.page.getByRole('button', { name: 'Withdraw' }).click();
		await expect(host.page.getByTestId('invite')).toHaveCount(0, { timeout: 20_000 });
		const late = await newPerson(browser, 'Hal Dove');
		await late.page.goto(link);
		await expect(late.page.getByRole('alert')).toContainText('has expired, was used by as many people as it allowed, or was withdrawn', { timeout: 20_000 });
		await expect(late.page.getByRole('button', { name: 'Join group' })).toHaveCount(0);
		await host.context.close();
		await late.context.close();
	});

	test('two members compare safety numbers and one marks the other as verified', async ({ browser }) => {
		test.setTimeout(90_000);
		const { host: a, group, guest: b } = await groupOfTwo(browser, 'Ivy Swan', 'Verify room', 'Jay Crane');
		await a.page.goto(groupPath(a.page, group, 'people'));
		await b.page.goto(groupPath(b.page, group, 'people'));
		await a.page.getByTestId('member').filter({ hasText: 'Jay Crane' }).getByRole('button', { name: 'Safety number' }).click();
		await b.page.getByTestId('member').filter({ hasText: 'Ivy Swan' }).getByRole('button', { name: 'Safety number' }).click();
		const digitsA = await a.page.getByTestId('safety-digits').innerText();
		const digitsB = await b.page.getByTestId('safety-digits').innerText();
		expect(digitsA.replace(/\s/g, '')).toMatch(/^\d{60}$/);
		expect(digitsA.replace(/\s/g, '')).toBe(digitsB.replace(/\s/g, ''));
		await a.page.getByLabel('I compared it and it matches').check();
		await expect(a.page.getByTestId('member').filter({ hasText: 'Jay Crane' }).getByText('Verified', { exact: true })).toBeVisible({ timeout: 20_000 });
		await a.page.reload();
		await expect(a.page.getByTestId('member').filter({ hasText: 'Jay Crane' }).getByText('Verified', { exact: true })).toBeVisible({ timeout: 20_000 });
		await a.context.close();
		await b.context.close();
	});

	test('a facilitator makes a member a moderator, who then sees the reports, and can make them a member again', async ({ browser }) => {
		test.setTimeout(90_000);
		const { host: admin, group, link, guest: helper } = await groupOfTwo(browser, 'Kim Aspen', 'Roles room', 'Lia Birch');
		await expect(helper.page.getByRole('link', { name: 'Reports', exact: true })).toHaveCount(0);

		await admin.page.goto(groupPath(admin.page, group, 'people'));
		const row = admin.page.getByTestId('member').filter({ hasText: 'Lia Birch' });
		await row.getByRole('button', { name: 'Make moderator' }).click();
		await expect(row).toContainText('Moderator', { timeout: 20_000 });
		await expect(helper.page.getByRole('link', { name: 'Reports', exact: true })).toBeVisible({ timeout: 20_000 });

		await row.getByRole('button', { name: 'Make member' }).click();
		await expect(row.getByRole('button', { name: 'Make moderator' })).toBeVisible({ timeout: 20_000 });
		await expect(helper.page.getByRole('link', { name: 'Reports', exact: true })).toHaveCount(0, { timeout: 20_000 });
		await admin.context.close();
		await helper.context.close();
	});
});
