/**
 * Shared steps for the browser tests: each "person" is a fresh browser context (its own
 * IndexedDB), driving the real app served by the real relay (playwright.config.ts webServer).
 */
import { expect, type Browser, type BrowserContext, type Locator, type Page, type Request } from '@playwright/test';

export const BASE_URL = `http://localhost:${process.env.E2E_PORT ?? 4321}`;

/**
 * Group pages live at `/g/<alias>`, where the alias is this device's keyed hash of the group id
 * (PROTOCOL §8 "Page addresses"): each person (browser context) has its own. Tests name a group by
 * the handle `createGroup` returns (the creator's alias) or by its id (as an invite link carries
 * it); this keeps, per context, each name's alias as the person first reached the group.
 */
const aliases = new WeakMap<BrowserContext, Map<string, string>>();
/** Group id → the handle `createGroup` returned for it (learned from the invite links it made). */
const handles = new Map<string, string>();

/** The group id an invite link carries (the fragment's bytes 1..33, §7). */
export function groupIdOfLink(link: string): string {
	return Buffer.from(link.slice(link.indexOf('#') + 1), 'base64url').subarray(1, 33).toString('base64url');
}

/** The alias in the page's current `/g/<alias>/…` address. */
export function aliasInUrl(page: Page): string {
	const [, g, alias] = new URL(page.url()).pathname.split('/');
	if (g !== 'g' || !alias) throw new Error(`not on a group page: ${page.url()}`);
	return alias;
}

/** Remembers that, for this person, `names` (a handle, a group id) are the group now open. */
export function rememberGroup(page: Page, ...names: string[]): void {
	const known = aliases.get(page.context()) ?? new Map<string, string>();
	aliases.set(page.context(), known);
	for (const name of names) known.set(name, aliasInUrl(page));
}

/** This person's address of group `group` (a handle or an id), with an optional section. */
export function groupPath(page: Page, group: string, section?: 'people' | 'invite' | 'reports' | 'sponsors' | 'progress' | 'settings'): string {
	const alias = aliases.get(page.context())?.get(group);
	if (alias === undefined) throw new Error(`this person has not reached group ${group} through the helpers (rememberGroup)`);
	return `/g/${alias}${section ? `/${section}` : ''}`;
}

export interface Person {
	context: BrowserContext;
	page: Page;
	name: string;
}

/**
 * A new person in a new context, onboarded; `onRequest` sees every request from the first page
 * load on, and `beforeFirstLoad` can prepare the page (e.g. an init script) before it opens.
 */
export async function newPerson(
	browser: Browser,
	name: string,
	options: { passphrase?: string; onRequest?: (request: Request) => void; beforeFirstLoad?: (page: Page) => Promise<void>; baseURL?: string } = {}
): Promise<Person> {
	const context = await browser.newContext({ baseURL: options.baseURL ?? BASE_URL });
	if (options.onRequest) context.on('request', options.onRequest);
	const page = await context.newPage();
	await options.beforeFirstLoad?.(page);
	await onboard(page, name, options.passphrase);
	return { context, page, name };
}

export async function onboard(page: Page, name: string, passphrase?: string): Promise<void> {
	await page.goto('/');
	await expect(page).toHaveURL(/\/welcome$/, { timeout: 20_000 });
	await page.getByRole('button', { name: 'Continue' }).click();
	await page.getByLabel('Your name in groups').fill(name);
	if (passphrase) {
		await page.getByLabel('Lock Unseen on this device with a passphrase').check();
		await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
		await page.getByLabel('Type it again').fill(passphrase);
	}
	await page.getByRole('button', { name: 'Start' }).click();
	await expect(page.getByRole('heading', { name: 'Your groups' })).toBeVisible({ timeout: 20_000 });
}

export async function createGroup(page: Page, name: string, options: { description?: string; listeners?: boolean; listenersMaySpeak?: boolean } = {}): Promise<string> {
	await page.goto('/new');
	await page.getByLabel('Group name').fill(name);
	if (options.description) await page.getByLabel(/Description/).fill(options.description);
	const listeners = page.getByLabel(/Allow listeners/);
	if (options.listeners === false) await listeners.uncheck();
	if (options.listenersMaySpeak === false) await page.getByLabel('Listeners may start speaking by themselves').uncheck();
	await page.getByRole('button', { name: 'Create group' }).click();
	await expect(page).toHaveURL(/\/g\/[^/]+\/invite$/, { timeout: 20_000 });
	const handle = aliasInUrl(page);
	rememberGroup(page, handle);
	return handle;
}

export async function createInvite(page: Page, group: string, role: 'member' | 'listener' = 'member'): Promise<string> {
	await page.goto(groupPath(page, group, 'invite'));
	if (role === 'listener') await page.getByLabel('Joins as').selectOption('listener');
	await page.getByRole('button', { name: 'Create invite link' }).click();
	// The new invite is the one whose QR code the page opens at once. Counting the rows instead
	// raced the page's own loading: the earlier links could appear after the count was taken
	// and pass for the new one (two links made back to back got the same one).
	const fresh = page.getByTestId('invite').filter({ has: page.getByRole('img', { name: 'QR code of the invite link' }) });
	await expect(fresh).toHaveCount(1, { timeout: 20_000 });
	await expect(fresh).toContainText(`Invite link · ${role}`);
	const link = await fresh.getByTestId('invite-link').inputValue();
	expect(link, 'the new invite shows its link').toMatch(/#./);
	const id = groupIdOfLink(link);
	handles.set(id, group);
	rememberGroup(page, id);
	return link;
}

export async function joinByLink(person: Person, link: string): Promise<string> {
	await person.page.goto(link);
	await expect(person.page.getByRole('button', { name: 'Join group' })).toBeVisible({ timeout: 20_000 });
	await person.page.getByLabel('Your name in this group').fill(person.name);
	await person.page.getByRole('button', { name: 'Join group' }).click();
	await expect(person.page).toHaveURL(/\/g\/[^/]+$/, { timeout: 20_000 });
	const id = groupIdOfLink(link);
	const handle = handles.get(id) ?? id;
	rememberGroup(person.page, id, handle);
	return handle;
}

/** The usual start of a two-person test: a host creates a group and invites a guest, who joins by the link. */
export async function groupOfTwo(browser: Browser, hostName: string, groupName: string, guestName: string): Promise<{ host: Person; group: string; link: string; guest: Person }> {
	const host = await newPerson(browser, hostName);
	const group = await createGroup(host.page, groupName);
	const link = await createInvite(host.page, group);
	const guest = await newPerson(browser, guestName);
	await joinByLink(guest, link);
	return { host, group, link, guest };
}

export async function openChat(page: Page, group: string): Promise<void> {
	const path = groupPath(page, group);
	if (new URL(page.url()).pathname !== path) await page.goto(path);
	await expect(page.getByTestId('group-title')).toBeVisible({ timeout: 20_000 });
}

export async function send(page: Page, text: string): Promise<void> {
	await page.getByLabel('Write a message').fill(text);
	await page.getByRole('button', { name: 'Send' }).click();
}

export function messageText(page: Page, text: string) {
	return page.getByTestId('message-text').filter({ hasText: text });
}

export async function expectMessage(page: Page, text: string, timeout = 20_000): Promise<void> {
	await expect(messageText(page, text)).toBeVisible({ timeout });
}

/** Opens a message's actions menu ("..." button) and chooses one item by its exact name. */
export async function messageAction(message: Locator, name: string): Promise<void> {
	await message.getByTestId('message-actions').click();
	await message.getByRole('menuitem', { name, exact: true }).click();
}

/** Offers to sponsor in `group` (§11) with an intro, a number of places and optional quiet hours. */
export async function offerToSponsor(page: Page, group: string, intro: string, places: number, quiet?: { from: string; to: string }): Promise<void> {
	await page.goto(groupPath(page, group, 'sponsors'));
	await page.getByLabel('A few words about you').fill(intro);
	await page.getByLabel('How many people you can sponsor').fill(String(places));
	if (quiet) {
		await page.getByLabel('Quiet hours from').fill(quiet.from);
		await page.getByLabel('until').fill(quiet.to);
	} else {
		await page.getByRole('checkbox', { name: /Quiet hours/ }).uncheck();
	}
	await page.getByRole('button', { name: 'Offer to sponsor' }).click();
	await expect(page.getByTestId('my-offer')).toContainText(intro, { timeout: 20_000 });
}

/** Asks `sponsor` in `group` with a short note; waits until the request is shown as waiting. */
export async function askSponsor(page: Page, group: string, sponsor: string, note: string): Promise<void> {
	if (!page.url().endsWith(groupPath(page, group, 'sponsors'))) await page.goto(groupPath(page, group, 'sponsors'));
	await page.getByRole('button', { name: `Ask ${sponsor}` }).click({ timeout: 20_000 });
	await page.getByLabel('A short note (optional)').fill(note);
	await page.getByRole('button', { name: 'Send request' }).click();
	await expect(page.getByTestId('my-request').filter({ hasText: `Waiting for ${sponsor}` })).toBeVisible({ timeout: 20_000 });
}

/**
 * Every message of the open chat as [id, text], in the order shown, read through the windowed
 * list (issue 15 item 2): from the oldest (Home) down to the newest, a page at a time. A message
 * is listed once however many windows it was in.
 */
export async function everyMessage(page: Page): Promise<[string, string][]> {
	const scroller = page.getByTestId('message-list');
	const list = scroller.locator('ol');
	await page.getByTestId('message').first().focus();
	await page.keyboard.press('Home');
	// Home reads every stored message first (they are read newest first, §8 "Message index").
	await expect(list).not.toHaveAttribute('data-older', 'true');
	await expect(list).toHaveAttribute('data-lo', '0');
	const seen = new Map<string, string>();
	for (let step = 0; step < 10_000; step++) {
		const rows = await page.getByTestId('message').evaluateAll((els) => els.map((el) => [el.getAttribute('data-nav') ?? '', el.querySelector('[data-testid="message-text"]')?.textContent ?? '']));
		for (const [id, text] of rows) if (!seen.has(id!)) seen.set(id!, text!);
		const hi = await list.getAttribute('data-hi');
		if (hi === (await list.getAttribute('data-total'))) break;
		await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
		await expect(list).not.toHaveAttribute('data-hi', hi!);
	}
	return [...seen.entries()];
}
