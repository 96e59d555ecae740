/**
 * Steps the session asks for on its own (client due.ts): when someone joins, every speaker
 * sends its hello at once, so the newcomer learns who is who before anyone writes.
 */
import { afterEach, expect, test } from 'vitest';
import { defaults, startClient, startRelay, until, type Relay, type TestClient, stopAll } from './harness.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
});

test('a newcomer learns the names of members who have not written yet, from the hellos they send when it joins', async () => {
	relay = await startRelay();
	const [ash, bo, cy] = await Promise.all([startClient(relay.url), startClient(relay.url), startClient(relay.url)]);
	clients.push(ash, bo, cy);
	const id = await ash.client.createGroup({ ...defaults, name: 'Circle', pseudonym: 'Ash' });
	for (const [c, name] of [[bo, 'Bo'], [cy, 'Cy']] as const) {
		const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
		await c.client.joinWithInvite(invite.link, name);
	}
	// Nobody sends a message: Bo's name reaches Cy only through Bo's hello, sent because Cy joined.
	await until(() => cy.client.members(id).some((m) => m.name === 'Bo'), 5_000, 'Bo named in Cy’s view');
	expect(cy.client.members(id).map((m) => m.name).sort()).toEqual(['Ash', 'Bo', 'Cy']);
	expect(cy.client.messages(id).filter((m) => m.kind === 'text')).toEqual([]);
	expect(cy.client.warnings(id)).toEqual([]);
});
