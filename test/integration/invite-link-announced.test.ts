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
