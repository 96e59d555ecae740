import { expect, test } from '@playwright/test';
import { createGroup, createInvite, expectMessage, groupIdOfLink, joinByLink, newPerson, openChat, send } from './helpers.ts';
import { filesUnder, scannedBytes } from './screen-check.ts';

test('P1 confidentiality: the relay data folder holds none of the message texts, pseudonyms or group names used', async ({ browser }) => {
	test.setTimeout(120_000);
	const secrets = {
		group: 'Zephyrine Lantern Circle',
		description: 'Quillfeather description text',
		alice: 'Marigold Quixote',
		bob: 'Thaddeus Vellum',
		messages: ['Saffron umbrella confession', 'Obsidian teacup reply', 'Periwinkle hush whisper']
	};
	const alice = await newPerson(browser, secrets.alice);
	const group = await createGroup(alice.page, secrets.group, { description: secrets.description });
	const link = await createInvite(alice.page, group);
	const bob = await newPerson(browser, secrets.bob);
	await joinByLink(bob, link);
	await openChat(alice.page, group);
	await send(alice.page, secrets.messages[0]!);
	await expectMessage(bob.page, secrets.messages[0]!);
	await send(bob.page, secrets.messages[1]!);
	await expectMessage(alice.page, secrets.messages[1]!);
	await send(alice.page, secrets.messages[2]!);
	await expectMessage(bob.page, secrets.messages[2]!);
	await alice.context.close();
	await bob.context.close();

	const dataDir = process.env.E2E_DATA_DIR!;
	const files = await filesUnder(dataDir);
	expect(files.length).toBeGreaterThan(0);
	const needles = [secrets.group, secrets.description, secrets.alice, secrets.bob, ...secrets.messages];
	let scanned = 0;
	let groupIdSeen = false;
	for (const file of files) {
		const bytes = await scannedBytes(file);
		scanned += bytes.length;
		groupIdSeen ||= bytes.includes(Buffer.from(groupIdOfLink(link)));
		for (const needle of needles) {
			for (const encoding of ['utf8', 'utf16le'] as const) {
				expect(bytes.includes(Buffer.from(needle, encoding)), `${file} contains "${needle}" (${encoding})`).toBe(false);
			}
			// Also no base64 of it, in case a field was merely encoded instead of encrypted.
			const b64 = Buffer.from(needle).toString('base64url').slice(0, 16);
			expect(bytes.includes(Buffer.from(b64)), `${file} contains base64 of "${needle}"`).toBe(false);
		}
	}
	expect(scanned).toBeGreaterThan(0);
	// Positive control: this is the folder where the relay stored this very group.
	expect(groupIdSeen, 'the group id is in the scanned files').toBe(true);
});
