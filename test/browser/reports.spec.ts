import { expect, test } from '@playwright/test';
import { expectMessage, groupOfTwo, joinByLink, newPerson, openChat, send, messageAction } from './helpers.ts';
import { TEST_MODERATOR } from './moderator-keys.ts';
import { ready } from '../../src/lib/crypto/sodium.ts';
import { moderatorFingerprint } from '../../src/lib/client/moderator.ts';

test.describe('reports', () => {
	test('P8 verifiable reporting: a report of an edited message shows the original and the edit, each verified, and marks the edit as what people saw', async ({ browser }) => {
		test.setTimeout(90_000);
		const { host: mod, group, link, guest: writer } = await groupOfTwo(browser, 'Pia Lake', 'Edits room', 'Quin Ash');
		const reader = await newPerson(browser, 'Remy Oak');
		await joinByLink(reader, link);
		await openChat(mod.page, group);

		await send(writer.page, 'A kind first version');
		await expectMessage(reader.page, 'A kind first version');
		await messageAction(writer.page.getByTestId('message').filter({ hasText: 'A kind first version' }), 'Edit');
		await writer.page.getByLabel('Edit your message').fill('A cruel second version');
		await writer.page.getByRole('button', { name: 'Save' }).click();
		const edited = reader.page.getByTestId('message').filter({ hasText: 'A cruel second version' });
		await expect(edited).toContainText('(edited)', { timeout: 20_000 });

		await messageAction(edited, 'Report');
		await reader.page.getByRole('button', { name: 'Send report' }).click();
		await expect(reader.page.getByText('Your report was sent')).toBeVisible({ timeout: 20_000 });

		await mod.page.getByRole('link', { name: 'Reports', exact: true }).click();
		const item = mod.page.getByTestId('reported-message');
		await expect(item).toHaveCount(1, { timeout: 20_000 });
		await expect(item).toContainText('Quin Ash');
		await expect(item.locator('> .text')).toHaveText('A kind first version');
		await expect(item.locator('> .who').getByText('Verified', { exact: true })).toBeVisible();
		const edit = item.getByTestId('reported-edit');
		await expect(edit).toHaveCount(1);
		await expect(edit).toContainText('A cruel second version');
		await expect(edit.getByText('Verified', { exact: true })).toBeVisible();
		await expect(edit).toContainText('what people saw');
		await expect(item).toContainText('The last verified edit is what people saw.');
		for (const p of [mod, writer, reader]) await p.context.close();
	});

	test('the report form shows the service moderator fingerprint, the same one the service publishes', async ({ browser }) => {
		test.setTimeout(90_000);
		await ready();
		const expected = moderatorFingerprint(TEST_MODERATOR);
		const { host, group, guest: member } = await groupOfTwo(browser, 'Rue Linden', 'Service report room', 'Sam Yarrow');
		await openChat(host.page, group);
		await send(host.page, 'Something to report to the service');
		await expectMessage(member.page, 'Something to report to the service');

		await messageAction(member.page.getByTestId('message').filter({ hasText: 'Something to report to the service' }), 'Report');
		await expect(member.page.getByTestId('moderator-fingerprint')).toHaveText(expected, { timeout: 20_000 });
		await expect(member.page.getByTestId('no-service-moderator')).toHaveCount(0);
		await member.page.getByLabel("The service's moderators").check();
		await member.page.getByRole('button', { name: 'Send report' }).click();
		await expect(member.page.getByText('Your report was sent')).toBeVisible({ timeout: 20_000 });
		await host.context.close();
		await member.context.close();
	});

	test('P8 verifiable reporting: the report form names who will read it, and a report about the only admin never goes to them', async ({ browser }) => {
		test.setTimeout(120_000);
		const { host: admin, group, link, guest: writer } = await groupOfTwo(browser, 'Tara Reed', 'Readers room', 'Uma Fox');
		const reader = await newPerson(browser, 'Vic Hale');
		await joinByLink(reader, link);
		await openChat(admin.page, group);

		await send(writer.page, 'Ordinary words from Uma');
		await expectMessage(reader.page, 'Ordinary words from Uma');
		await messageAction(reader.page.getByTestId('message').filter({ hasText: 'Ordinary words from Uma' }), 'Report');
		await expect(reader.page.getByTestId('report-readers')).toHaveText('Read by Tara Reed.');
		await reader.page.getByRole('button', { name: 'Cancel' }).click();

		await send(admin.page, 'Do as I say or leave');
		await expectMessage(reader.page, 'Do as I say or leave');
		await messageAction(reader.page.getByTestId('message').filter({ hasText: 'Do as I say or leave' }), 'Report');
		await expect(reader.page.getByTestId('report-readers')).toHaveText(
			"Nobody else in this group can read this report. Tara Reed moderates this group but will not see it, because it is about them. Send it to the service's moderators instead."
		);
		await expect(reader.page.getByLabel("This group's moderators")).toBeDisabled();
		await expect(reader.page.getByLabel("The service's moderators")).toBeChecked();
		await reader.page.getByLabel('Note').fill('the admin threatens me');
		await reader.page.getByRole('button', { name: 'Send report' }).click();
		await expect(reader.page.getByText('Your report was sent')).toBeVisible({ timeout: 20_000 });

		await admin.page.getByRole('link', { name: 'Reports', exact: true }).click();
		await expect(admin.page.getByText('No reports.')).toBeVisible({ timeout: 20_000 });
		await expect(admin.page.getByText('the admin threatens me')).toHaveCount(0);
		for (const p of [admin, writer, reader]) await p.context.close();
	});

	test('P8 verifiable reporting: a message its sender deleted says it can still be reported, and the report verifies', async ({ browser }) => {
		test.setTimeout(120_000);
		const { host: mod, group, link, guest: writer } = await groupOfTwo(browser, 'Wren Moss', 'Deleted room', 'Xan Reid');
		const reader = await newPerson(browser, 'Yael Birch');
		await joinByLink(reader, link);
		await openChat(mod.page, group);

		await send(writer.page, 'Words I will take back');
		await expectMessage(reader.page, 'Words I will take back');
		await messageAction(writer.page.getByTestId('message').filter({ hasText: 'Words I will take back' }), 'Delete');
		const gone = reader.page.getByTestId('message').filter({ hasText: 'Deleted by the sender. You can still report it.' });
		await expect(gone).toHaveCount(1, { timeout: 20_000 });
		await expect(reader.page.getByText('Words I will take back')).toHaveCount(0);

		await messageAction(gone, 'Report');
		await reader.page.getByRole('button', { name: 'Send report' }).click();
		await expect(reader.page.getByText('Your report was sent')).toBeVisible({ timeout: 20_000 });

		await mod.page.getByRole('link', { name: 'Reports', exact: true }).click();
		const item = mod.page.getByTestId('reported-message');
		await expect(item).toHaveCount(1, { timeout: 20_000 });
		await expect(item.locator('> .text')).toHaveText('Words I will take back');
		await expect(item.locator('> .who').getByText('Verified', { exact: true })).toBeVisible();
		for (const p of [mod, writer, reader]) await p.context.close();
	});
});
