/**
 * A group's page address is this device's alias of it (PROTOCOL §8 "Page addresses"): browser
 * history, which a locked device still shows, never holds a group id, and two devices in one group
 * use unrelated addresses. An address this device does not know says so calmly.
 */
import { expect, test, type Page } from '@playwright/test';
import { aliasInUrl, expectMessage, groupIdOfLink, joinByLink, newPerson, send } from './helpers.ts';

/** Every address the page was at: full loads and in-app (history API) navigations. */
async function recordAddresses(page: Page, seen: string[]): Promise<void> {
	page.on('framenavigated', (frame) => frame === page.mainFrame() && seen.push(frame.url()));
	await page.exposeFunction('__recordAddress', (url: string) => void seen.push(url));
	await page.addInitScript(() => {
		const record = (window as unknown as { __recordAddress: (u: string) => void }).__recordAddress;
		for (const method of ['pushState', 'replaceState'] as const) {
			const original = history[method].bind(history);
			history[method] = (data: unknown, unused: string, url?: string | URL | null) => {
				original(data, unused, url);
				void record(location.href);
			};
		}
	});
}

/** What a person holding the locked device can read without a passphrase, as one string. */
async function visibleWhileLocked(page: Page): Promise<string> {
	const inPage = await page.evaluate(async () => {
		const storage = (s: Storage) => Object.keys(s).map((k) => `${k}=${s.getItem(k)}`);
		const databases = (await indexedDB.databases()).map((d) => d.name ?? '');
		const caches = 'caches' in window ? await Promise.all((await window.caches.keys()).map(async (name) => [name, ...(await (await window.caches.open(name)).keys()).map((r) => r.url)])) : [];
		return JSON.stringify({ href: location.href, title: document.title, state: history.state, length: history.length, local: storage(localStorage), session: storage(sessionStorage), databases, caches });
	});
	return inPage + (await page.content());
}

test('P10: page addresses carry this device\'s alias of a group: history, addresses and the locked page hold no group id, and two devices in one group have different ones', async ({ browser }) => {
	test.setTimeout(120_000);
	const seen: string[] = [];
	const host = await newPerson(browser, 'Nia Fern', { passphrase: 'lanterns over the harbour', beforeFirstLoad: (page) => recordAddresses(page, seen) });
	// In-app links only: a full load of a passphrase-protected device asks to unlock first.
	await host.page.getByRole('link', { name: 'New group' }).click();
	await host.page.getByLabel('Group name').fill('Harbour circle');
	await host.page.getByRole('button', { name: 'Create group' }).click();
	await expect(host.page).toHaveURL(/\/g\/[^/]+\/invite$/, { timeout: 20_000 });
	await host.page.getByRole('button', { name: 'Create invite link' }).click();
	await expect(host.page.getByTestId('invite-link')).toHaveCount(1, { timeout: 20_000 });
	await expect(host.page.getByTestId('invite-link')).toHaveValue(/#/, { timeout: 20_000 });
	const link = await host.page.getByTestId('invite-link').inputValue();
	const groupId = groupIdOfLink(link);
	const hostAlias = aliasInUrl(host.page);

	const guest = await newPerson(browser, 'Oli Reed');
	await joinByLink(guest, link);
	const guestAlias = aliasInUrl(guest.page);
	expect(hostAlias).toMatch(/^[A-Za-z0-9_-]{22}$/);
	expect(guestAlias).toMatch(/^[A-Za-z0-9_-]{22}$/);
	expect(hostAlias).not.toBe(guestAlias);
	expect(guest.page.url()).not.toContain(groupId);

	// The host uses every screen of the group, through its links.
	await host.page.getByRole('link', { name: 'Chat', exact: true }).click();
	await send(host.page, 'Tide is out tonight');
	await expectMessage(guest.page, 'Tide is out tonight');
	await host.page.getByRole('link', { name: 'People', exact: true }).click();
	await expect(host.page).toHaveURL(new RegExp(`/g/${hostAlias}/people$`));
	await host.page.getByRole('link', { name: 'Invite', exact: true }).click();
	await host.page.getByRole('link', { name: 'Chat', exact: true }).click();
	await expect(host.page).toHaveURL(new RegExp(`/g/${hostAlias}$`));
	// Stable on this device: the group list links to the same address.
	await host.page.getByRole('link', { name: 'Unseen, your groups' }).click();
	await expect(host.page.getByRole('link', { name: /Harbour circle/ })).toHaveAttribute('href', `/g/${hostAlias}`);
	await host.page.getByRole('link', { name: /Harbour circle/ }).click();
	await expectMessage(host.page, 'Tide is out tonight');

	await host.page.getByRole('link', { name: 'Settings and privacy' }).click();
	await host.page.getByRole('button', { name: 'Lock now' }).click();
	await expect(host.page.getByRole('heading', { name: 'Unseen is locked' })).toBeVisible();
	// In-app navigation replaces the history entry (app.html), so the address a locked tab shows
	// is the last one used: the group's, when it was locked there (a full load asks to unlock).
	await host.page.goto(`/g/${hostAlias}`);
	await expect(host.page.getByRole('heading', { name: 'Unseen is locked' })).toBeVisible();
	const locked = await visibleWhileLocked(host.page);
	expect(locked).not.toContain(groupId);
	expect(locked).not.toContain('Harbour circle');
	expect(seen.length).toBeGreaterThan(4);
	expect(seen.some((url) => url.includes(hostAlias))).toBe(true);
	expect(seen.filter((url) => url.includes(groupId))).toEqual([]);

	// An address this device does not know (an old link by group id, another device's alias) says so calmly.
	await host.page.getByLabel('Passphrase').fill('lanterns over the harbour');
	await host.page.getByRole('button', { name: 'Unlock' }).click();
	for (const path of [`/g/${guestAlias}`, `/g/${groupId}/people`]) {
		await host.page.goto(path);
		await host.page.getByLabel('Passphrase').fill('lanterns over the harbour');
		await host.page.getByRole('button', { name: 'Unlock' }).click();
		await expect(host.page.getByRole('heading', { name: 'This group is not on this device.' })).toBeVisible({ timeout: 20_000 });
		await expect(host.page.getByTestId('group-title')).toHaveCount(0);
	}
	await host.page.screenshot({ path: 'test-results/screenshots/group-not-here.png' });
	await host.page.getByRole('link', { name: 'Back to your groups' }).click();
	await expect(host.page.getByRole('link', { name: /Harbour circle/ })).toBeVisible();
	await host.context.close();
	await guest.context.close();
});
