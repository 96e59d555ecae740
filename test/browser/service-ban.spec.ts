/**
 * Service moderation from the operator's side (issue 12 item 6, PROTOCOL §9.8b): a member
 * reports abuse to the service; the operator reads the verified report with `npm run moderator
 * -- reports`, bans the sender's key with `ban`, and both members see it in the app; `bans` lists
 * it and `unban` lifts it. The tool talks to the same relay process the browsers use.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { BASE_URL, expectMessage, groupOfTwo, messageAction, openChat, send } from './helpers.ts';
import { TEST_MODERATOR } from './moderator-keys.ts';
import { ready, sodium } from '../../src/lib/crypto/sodium.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';
import { SERVICE_REMOVED_ME } from '../../src/lib/words/service-bans.ts';
import { moderatorTool } from '../kit/moderator-tool.ts';

const RELAY = `${BASE_URL.replace(/^http/, 'ws')}/relay`;

/** The key file `keygen` would have written for the test deployment (seeds 7×32 and 9×32, see moderator-keys.ts). */
function moderatorKeyFile(dir: string): string {
	const s = sodium();
	const sign = s.crypto_sign_seed_keypair(new Uint8Array(32).fill(7));
	const box = s.crypto_box_seed_keypair(new Uint8Array(32).fill(9));
	const file = { v: 1, kind: 'unseen-deployment-moderator', sign: toB64(sign.publicKey), box: toB64(box.publicKey), signSecret: toB64(sign.privateKey), boxSecret: toB64(box.privateKey) };
	expect({ sign: file.sign, box: file.box }).toEqual(TEST_MODERATOR);
	const path = join(dir, 'moderator.json');
	writeFileSync(path, JSON.stringify(file));
	chmodSync(path, 0o600);
	return path;
}

const tool = moderatorTool;

test('the operator reads a service report, bans the sender with npm run moderator, both members see it in the app, and unban lifts it', async ({ browser }) => {
	test.setTimeout(150_000);
	await ready();
	const dir = mkdtempSync(join(tmpdir(), 'unseen-e2e-ban-'));
	try {
		const keyFile = moderatorKeyFile(dir);
		const { host, group, guest: abuser } = await groupOfTwo(browser, 'Wren Hollis', 'Thursday evenings', 'Vic Stone');
		await openChat(host.page, group);
		const words = 'You will never get better, give up';
		await send(abuser.page, words);
		await expectMessage(host.page, words);

		// Wren reports it to the service.
		await messageAction(host.page.getByTestId('message').filter({ hasText: words }), 'Report');
		await host.page.getByLabel("The service's moderators").check();
		await host.page.getByRole('button', { name: 'Send report' }).click();
		await expect(host.page.getByText('Your report was sent')).toBeVisible({ timeout: 20_000 });

		// The operator reads it: one verified message, with the key to ban.
		const read = await tool('reports', '--keys', keyFile, '--relay', RELAY, '--json');
		expect(read.code, read.stderr).toBe(0);
		const report = read.stdout
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as { type: string; opened?: boolean; messages?: { sender: string; text: string; verified: boolean }[] })
			.find((item) => item.type === 'report' && item.opened && item.messages?.some((m) => m.text === words));
		expect(report, read.stdout).toBeDefined();
		const reported = report!.messages!.find((m) => m.text === words)!;
		expect(reported.verified).toBe(true);

		const banned = await tool('ban', reported.sender, '--keys', keyFile, '--relay', RELAY);
		expect(banned.code, banned.stderr).toBe(0);
		const list = await tool('bans', '--keys', keyFile, '--relay', RELAY);
		expect(list.stdout).toContain(reported.sender);

		// The banned member reads, calmly, that the service removed them, and can no longer write.
		await expect(abuser.page.getByTestId('service-removed-me')).toContainText(SERVICE_REMOVED_ME.title, { timeout: 30_000 });
		await expect(abuser.page.getByLabel('Write a message')).toHaveCount(0);
		await abuser.page.screenshot({ path: 'test-results/screenshots/service-ban-removed-me.png' });
		// The admin sees who was removed; what the group says next never reaches the banned key.
		await expect(host.page.getByTestId('service-removed')).toContainText('Vic Stone was removed by the service', { timeout: 30_000 });
		// Once Wren's app has taken Vic out (a remove op and new keys), the notice says so.
		await expect(host.page.getByTestId('service-removed')).toContainText('They can no longer read or send anything in this group.', { timeout: 30_000 });
		await host.page.screenshot({ path: 'test-results/screenshots/service-ban-admin.png' });
		await send(host.page, 'Still here for each other');
		await abuser.page.waitForTimeout(3_000);
		await expect(abuser.page.getByText('Still here for each other')).toHaveCount(0);

		const lifted = await tool('unban', reported.sender, '--keys', keyFile, '--relay', RELAY);
		expect(lifted.code, lifted.stderr).toBe(0);
		expect((await tool('bans', '--keys', keyFile, '--relay', RELAY)).stdout).not.toContain(reported.sender);
		await host.context.close();
		await abuser.context.close();
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});
