/**
 * A group of a few hundred (issue 15 item 5): a browser member joins a group of 249 (building a
 * join sealed to all of them, in the page), sees the whole member list and one more member
 * joining while it is open, opens one member's safety number (the same one that member's device
 * shows), and sends and receives messages.
 * The 249 others are headless clients (the real client code in Node) joining by the invite link,
 * one after another. A member who joined goes offline again, so the test does not run 249
 * clients at once on a small machine, and the host is offline while they join: online members
 * publish a receive key after every join (§4.4), and those ops would race the next join.
 */
import { expect, test } from '@playwright/test';
import { memoryKv } from '../../src/lib/storage/kv.ts';
import { expectMessage, groupPath, joinByLink, newPerson, openChat, send } from './helpers.ts';
import { until, useHeadless } from './headless.ts';

const { start: headless, started: clients } = useHeadless(20_000);
const MEMBERS = Number(process.env.LARGE_GROUP_MEMBERS ?? 250);

test('a member of a 250-member group sees every member, opens a safety number and talks with the group', async ({ browser }) => {
	test.setTimeout(1_800_000);
	const hostStore = memoryKv();
	let host = await headless(hostStore);
	const group = await host.createGroup({ name: 'Fellowship', description: 'a large meeting', pseudonym: 'Host', retention: 0, listeners: false, listenersMaySpeak: false, invite: 'admins' });
	const invite = await host.createInvite(group, { expiresInMs: 3_600_000, maxUses: MEMBERS, role: 'member' });
	await host.stop();
	clients.splice(clients.indexOf(host), 1);

	const join = async (i: number) => {
		const joiner = await headless();
		await joiner.joinWithInvite(invite.link, `Member ${String(i).padStart(3, '0')}`);
		await joiner.stop();
		clients.splice(clients.indexOf(joiner), 1);
		if (i % 50 === 0) console.log(`large group: ${i + 1} members`);
	};
	for (let i = 1; i <= MEMBERS - 3; i++) await join(i);

	// Bo joins the group of MEMBERS - 1 in the browser and opens the member list. The page's long
	// main-thread tasks are recorded (printed, not asserted: speed is for benchmarks).
	const bo = await newPerson(browser, 'Bo Willow', {
		beforeFirstLoad: async (page) => {
			await page.addInitScript(() => {
				const tasks: number[] = [];
				(window as unknown as { __longTasks: number[] }).__longTasks = tasks;
				new PerformanceObserver((list) => list.getEntries().forEach((e) => tasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
			});
		}
	});
	await joinByLink(bo, invite.link);
	await bo.page.goto(groupPath(bo.page, group, 'people'));
	const rows = bo.page.getByTestId('member');
	await expect(rows).toHaveCount(MEMBERS - 1, { timeout: 120_000 });

	// The host comes back, and the last member joins while Bo has the list open.
	host = await headless(hostStore);
	await bo.page.evaluate(() => ((window as unknown as { __longTasks: number[] }).__longTasks.length = 0));
	await join(MEMBERS - 2);
	await expect(rows).toHaveCount(MEMBERS, { timeout: 120_000 });
	await until(() => host.members(group).length === MEMBERS, 120_000, 'the host sees every member');
	await expect(rows.filter({ hasText: `Member ${String(MEMBERS - 2).padStart(3, '0')}` })).toHaveCount(1);
	// Names travel in join bodies and hellos sealed under epoch keys: Bo knows the host (from the
	// invite) and who joined after him; those who joined before and have not spoken since are
	// "Someone new" to him, as to any newcomer (§4.4: no earlier epoch opens for him).
	await expect(rows.filter({ hasText: 'Someone new' })).toHaveCount(MEMBERS - 3, { timeout: 60_000 });
	// No safety number is on the page until one is opened.
	await expect(bo.page.getByTestId('safety-digits')).toHaveCount(0);

	// Bo opens the host's safety number: the same digits the host's device shows for Bo.
	const hostRow = rows.filter({ hasText: 'Host' });
	await hostRow.getByRole('button', { name: 'Safety number' }).click();
	const boOnHost = host.members(group).find((m) => m.name === 'Bo Willow')!;
	const digits = host.safetyNumber(group, boOnHost.sign)!.digits;
	expect(digits).toMatch(/^(\d{5} ){11}\d{5}$/);
	await expect(hostRow.getByTestId('safety-digits')).toHaveText(digits.replaceAll(' ', ''));
	await expect(bo.page.getByTestId('safety-digits')).toHaveCount(1);
	// And one of those who joined before Bo.
	const earlier = rows.filter({ hasText: 'Someone new' }).nth(Math.floor((MEMBERS - 3) * 0.8));
	await earlier.getByRole('button', { name: 'Safety number' }).click();
	await expect(earlier.getByTestId('safety-digits')).toHaveText(/^\d{60}$/);
	await bo.page.screenshot({ path: 'test-results/screenshots/large-group-people.png' });
	const longest = await bo.page.evaluate(() => Math.max(0, ...(window as unknown as { __longTasks: number[] }).__longTasks));
	console.log(`large group: the longest main-thread task on the people page while the last member joined and two safety numbers opened: ${Math.round(longest)} ms`);

	// Bo and the host talk in the 250-member group.
	await openChat(bo.page, group);
	await send(bo.page, 'Hello everyone, glad to be here');
	await until(() => host.messages(group).some((m) => m.text === 'Hello everyone, glad to be here' && m.senderName === 'Bo Willow'), 120_000, 'the host has Bo’s message');
	await host.send(group, { text: 'Welcome, Bo, from all of us' });
	await expectMessage(bo.page, 'Welcome, Bo, from all of us', 120_000);
	await bo.page.screenshot({ path: 'test-results/screenshots/large-group-chat.png' });
	await bo.context.close();
});
