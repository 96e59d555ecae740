/**
 * A new invite is announced (the `members` event) only with its link: the invite screen redraws
 * on that event, and a row with an empty link would be copied, shown as a QR code and handed on
 * as it is (the browser helper `createInvite` once read such a row).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defaults, startClient, startRelay, stopAll, type Relay, type TestClient } from './harness.ts';

let relay: Relay | null = null;
let clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
	clients = [];
});

describe('invite links', () => {
	test('every invite the client announces after creating one has its link, also for two links made back to back', async () => {
		relay = await startRelay();
		const [ash] = (clients = [await startClient(relay.url)]);
		const group = await ash!.client.createGroup({ ...defaults, name: 'Link circle', pseudonym: 'Ash' });
		const seen: { key: string; link: string }[][] = [];
		ash!.client.on((event) => {
			if (event.type === 'members' && event.group === group) seen.push(ash!.client.invites(group).map(({ key, link }) => ({ key, link })));
		});
		const first = await ash!.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 5, role: 'member' });
		const second = await ash!.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 5, role: 'listener' });
		expect(seen.some((invites) => invites.some((i) => i.key === second.key))).toBe(true);
		for (const invites of seen) for (const invite of invites) expect(invite.link, `invite ${invite.key} as announced`).toMatch(/#./);
		expect(new Set([first.link, second.link]).size).toBe(2);
		expect(ash!.client.invites(group).map((i) => i.role)).toEqual(['member', 'listener']);
	});
});

describe('acting while the connection is on its way', () => {
	test('an invite created as the app opens, before its connection is online, waits for it and is made (not "not connected")', async () => {
		relay = await startRelay();
		const first = await startClient(relay.url);
		const group = await first.client.createGroup({ ...defaults, name: 'Early circle', pseudonym: 'Ash' });
		await first.client.stop();
		// The same device opens again and acts at once, while its group's connection is connecting.
		const { createClient } = await import('../../src/lib/client/index.ts');
		const again = createClient({ relayUrl: relay.url, store: first.store, origin: 'https://unseen.test', backoff: { initialMs: 50, maxMs: 400 } });
		clients = [{ client: again, store: first.store, events: [] }];
		await again.start();
		expect(again.connection).not.toBe('online');
		const invite = await again.createInvite(group, { expiresInMs: 3_600_000, maxUses: 2, role: 'member' });
		expect(invite.link).toMatch(/#./);
		expect(again.invites(group).map((i) => i.key)).toContain(invite.key);
	});
});
