import { expect, test, type Page } from '@playwright/test';
import { createGroup, createInvite, expectMessage, joinByLink, newPerson, openChat, send } from './helpers.ts';

/** Every byte this origin keeps in IndexedDB, as one Latin-1 string per record, and the record names of each store. */
async function indexedDbDump(page: Page): Promise<{ records: number; text: string; names: Record<string, string[]> }> {
	return page.evaluate(async () => {
		const parts: string[] = [];
		const names: Record<string, string[]> = {};
		let records = 0;
		for (const info of await indexedDB.databases()) {
			const db = await new Promise<IDBDatabase>((resolve, reject) => {
				const r = indexedDB.open(info.name!);
				r.onsuccess = () => resolve(r.result);
				r.onerror = () => reject(r.error);
			});
			for (const name of Array.from(db.objectStoreNames)) {
				const values = await new Promise<unknown[]>((resolve) => {
					const q = db.transaction(name).objectStore(name).getAll();
					q.onsuccess = () => resolve(q.result);
				});
				const keys = await new Promise<IDBValidKey[]>((resolve) => {
					const q = db.transaction(name).objectStore(name).getAllKeys();
					q.onsuccess = () => resolve(q.result);
				});
				records += values.length;
				names[`${info.name}/${name}`] = keys.map(String);
				parts.push(keys.map(String).join('\n'));
				for (const v of values) parts.push(v instanceof Uint8Array ? Array.from(v, (b) => String.fromCharCode(b)).join('') : JSON.stringify(v));
			}
			db.close();
		}
		return { records, text: parts.join('\n'), names };
	});
}

test('P10 data at rest: the browser database holds no message text, pseudonym or group name in the clear', async ({ browser }) => {
	test.setTimeout(90_000);
	const secrets = { group: 'Wisteria Harbour Circle', host: 'Ophelia Brambleton', guest: 'Cornelius Dewdrop', text: 'Tangerine lighthouse secret' };
	const host = await newPerson(browser, secrets.host);
	const group = await createGroup(host.page, secrets.group);
	const link = await createInvite(host.page, group);
	const guest = await newPerson(browser, secrets.guest);
	await joinByLink(guest, link);
	await openChat(host.page, group);
	await send(host.page, secrets.text);
	await expectMessage(guest.page, secrets.text);
	// Let the clients' debounced saves reach IndexedDB.
	await guest.page.reload();
	await expectMessage(guest.page, secrets.text);

	for (const person of [host, guest]) {
		const dump = await indexedDbDump(person.page);
		expect(dump.records, 'records were written').toBeGreaterThan(3);
		for (const needle of Object.values(secrets)) expect(dump.text.includes(needle), `IndexedDB holds "${needle}"`).toBe(false);
	}
	await host.context.close();
	await guest.context.close();
});

test('P10 data at rest: the database of a device at rest names no group, pseudonym, message id or invite key', async ({ browser }) => {
	test.setTimeout(90_000);
	// No passphrase, so the test can navigate freely: record names are the same whether locked or not.
	const host = await newPerson(browser, 'Resting Lorelei');
	const group = await createGroup(host.page, 'Hashed names circle');
	const link = await createInvite(host.page, group);
	// The relay's group id, as the invite link carries it (version byte, then 32 bytes of group id).
	const groupId = Buffer.from(link.slice(link.indexOf('#') + 1), 'base64url').subarray(1, 33).toString('base64url');
	const guest = await newPerson(browser, 'Guest Gideon');
	await joinByLink(guest, link);
	await openChat(host.page, group);
	await send(host.page, 'First of several');
	await expectMessage(guest.page, 'First of several');
	await send(guest.page, 'A reply from the guest');
	await expectMessage(host.page, 'A reply from the guest');
	await expect(host.page.getByTestId('message').filter({ hasText: 'First of several' })).toHaveAttribute('data-status', 'sent', { timeout: 20_000 });

	// What the app wrote, after a reload (debounced saves land first).
	await host.page.reload();
	await openChat(host.page, group);
	await expectMessage(host.page, 'A reply from the guest');
	const { names } = await indexedDbDump(host.page);
	const records = Object.entries(names).filter(([store]) => store.endsWith('/records')).flatMap(([, keys]) => keys);
	expect(records.length, 'records were written').toBeGreaterThan(5);
	// Every name is a keyed hash of its path (§8): no group id, pseudonym key, message id ("sender:epoch:ctr") or invite key.
	for (const name of records) expect(name).toMatch(/^~[A-Za-z0-9_-]{22}(\/[A-Za-z0-9_-]{22})*$/);
	const all = Object.values(names).flat().join('\n');
	expect(all).not.toContain(groupId);
	expect(all).not.toContain(':');
	expect(Object.entries(names).filter(([store]) => store.endsWith('/meta')).flatMap(([, keys]) => keys)).toEqual(['keyring']);
	await host.context.close();
	await guest.context.close();
});
