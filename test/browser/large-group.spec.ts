/**
 * A group of a few hundred (issue 15 item 5): a browser member of a 250-member group sees the
 * whole member list while the others join, opens one member's safety number (the same one that
 * member's device shows), and sends and receives messages.
 * The 249 others are headless clients (the real client code in Node) joining by the invite link,
 * one after another. Only the host and the browser member stay online: a member who joined goes
 * offline again, so the test does not run 249 clients at once on a small machine.
 */
import { expect, test } from '@playwright/test';
import { WebSocket as WsWebSocket } from 'ws';
import { createClient, type UnseenClient } from '../../src/lib/client/index.ts';
import { memoryKv } from '../../src/lib/storage/kv.ts';
import { BASE_URL, expectMessage, groupPath, joinByLink, newPerson, openChat, send } from './helpers.ts';

const RELAY_URL = `${BASE_URL.replace(/^http/, 'ws')}/relay`;
const MEMBERS = Number(process.env.LARGE_GROUP_MEMBERS ?? 250);

const clients: UnseenClient[] = [];
test.afterEach(async () => {
	for (const c of clients.splice(0)) await c.stop();
});

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

async function headless(): Promise<UnseenClient> {
	const client = createClient({ relayUrl: RELAY_URL, store: memoryKv(), origin: BASE_URL, WebSocket: WsWebSocket as unknown as typeof WebSocket, backoff: { initialMs: 50, maxMs: 400 } });
	clients.push(client);
	await client.start();
	await until(() => client.connection === 'online', 20_000, 'client online');
	return client;
}

test('a member of a 250-member group sees every member, opens a safety number and talks with the group', async ({ browser }) => {
	test.setTimeout(900_000);
	const host = await headless();
	const group = await host.createGroup({ name: 'Fellowship', description: 'a large meeting', pseudonym: 'Host', retention: 0, listeners: false, listenersMaySpeak: false, invite: 'admins' });
	const invite = await host.createInvite(group, { expiresInMs: 3_600_000, maxUses: MEMBERS, role: 'member' });

	// Bo joins early and watches the member list while the others join.
	// The page's long main-thread tasks are recorded (reported, not asserted: speed is for benchmarks).
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
	await expect(bo.page.getByTestId('member')).toHaveCount(2, { timeout: 30_000 });

	await bo.page.evaluate(() => ((window as unknown as { __longTasks: number[] }).__longTasks.length = 0));
	for (let i = 1; i <= MEMBERS - 2; i++) {
		const joiner = await headless();
		await joiner.joinWithInvite(invite.link, `Member ${String(i).padStart(3, '0')}`);
		await joiner.stop();
		clients.splice(clients.indexOf(joiner), 1);
		if (i % 50 === 0) console.log(`large group: ${i + 2} members`);
	}
	await until(() => host.members(group).length === MEMBERS, 120_000, 'the host sees every member');

	// The whole list, with names, in the browser.
	const rows = bo.page.getByTestId('member');
	await expect(rows).toHaveCount(MEMBERS, { timeout: 120_000 });
	await expect(rows.filter({ hasText: `Member ${String(MEMBERS - 2).padStart(3, '0')}` })).toHaveCount(1);
	await expect(rows.filter({ hasText: 'Someone new' })).toHaveCount(0, { timeout: 60_000 });
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
	// And one of those who joined while Bo watched.
	const late = rows.filter({ hasText: `Member ${String(Math.floor(MEMBERS * 0.8)).padStart(3, '0')}` });
	await late.getByRole('button', { name: 'Safety number' }).click();
	await expect(late.getByTestId('safety-digits')).toHaveText(/^\d{60}$/);
	await bo.page.screenshot({ path: 'test-results/screenshots/large-group-people.png' });
	const longest = await bo.page.evaluate(() => Math.max(0, ...(window as unknown as { __longTasks: number[] }).__longTasks));
	console.log(`large group: the longest main-thread task on the people page while ${MEMBERS - 2} joined: ${Math.round(longest)} ms`);

	// Bo and the host talk in the 250-member group.
	await openChat(bo.page, group);
	await send(bo.page, 'Hello everyone, glad to be here');
	await until(() => host.messages(group).some((m) => m.text === 'Hello everyone, glad to be here' && m.senderName === 'Bo Willow'), 60_000, 'the host has Bo’s message');
	await host.send(group, { text: 'Welcome, Bo, from all of us' });
	await expectMessage(bo.page, 'Welcome, Bo, from all of us', 60_000);
	await bo.page.screenshot({ path: 'test-results/screenshots/large-group-chat.png' });
	await bo.context.close();
});
