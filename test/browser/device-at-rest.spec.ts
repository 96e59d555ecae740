import { expect, test, type Page } from '@playwright/test';
import { createGroup, createInvite, expectMessage, joinByLink, newPerson, openChat, send } from './helpers.ts';

/** Every byte this origin keeps in IndexedDB, as one Latin-1 string per record. */
async function indexedDbDump(page: Page): Promise<{ records: number; text: string }> {
	return page.evaluate(async () => {
		const parts: string[] = [];
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
				parts.push(keys.map(String).join('\n'));
				for (const v of values) parts.push(v instanceof Uint8Array ? Array.from(v, (b) => String.fromCharCode(b)).join('') : JSON.stringify(v));
			}
			db.close();
		}
		return { records, text: parts.join('\n') };
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
