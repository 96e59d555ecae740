/**
 * P11: the invite fetch is paged (§9.6), so its answer does not grow with the log; the real
 * client follows the pages and joins a group whose log spans several of them.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defaults, startClient, startRelay, stopAll, texts, until, type Relay, type TestClient } from './harness.ts';

let relay: Relay | null = null;
let clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
	clients = [];
});

describe('P11 relay robustness: paged invite fetch', () => {
	test('P11 a newcomer fetches a log longer than one page, page by page, and joins', async () => {
		relay = await startRelay({ pageSize: 2 });
		const [ash, bo] = (clients = await Promise.all([startClient(relay.url), startClient(relay.url)]));
		const group = await ash!.client.createGroup({ ...defaults, name: 'Long circle', pseudonym: 'Ash' });
		for (let i = 0; i < 4; i++) await ash!.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 1, role: 'member' });
		const invite = await ash!.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 5, role: 'member' });
		expect(await bo!.client.previewInvite(invite.link)).toMatchObject({ group, name: 'Long circle', inviterName: 'Ash' });
		await bo!.client.joinWithInvite(invite.link, 'Bo');
		await ash!.client.send(group, { text: 'welcome' });
		await until(() => texts(bo!, group).includes('welcome'));
	});
});
