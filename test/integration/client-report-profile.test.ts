/**
 * Reporting a display name (P8): names travel in hellos, which are franked like messages, so
 * a member who joins under an abusive name can be reported and the moderator can verify that
 * this member really announced that name.
 */
import { afterEach, expect, test } from 'vitest';
import { defaults, startClient, startRelay, until, type Relay, type TestClient, stopAll } from './harness.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
});

test('P8 verifiable reporting: an abusive display name is reportable from the members list and verifies', async () => {
	relay = await startRelay();
	const [ash, bo, cy] = await Promise.all([startClient(relay.url), startClient(relay.url), startClient(relay.url)]);
	clients.push(ash, bo, cy);
	const id = await ash.client.createGroup({ ...defaults, name: 'Circle', pseudonym: 'Ash' });
	for (const [c, name] of [[bo, 'Bo'], [cy, 'you should all give up']] as const) {
		const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
		await c.client.joinWithInvite(invite.link, name);
	}
	await cy.client.send(id, { text: 'hello' });
	const cyView = () => bo.client.members(id).find((m) => m.name === 'you should all give up');
	await until(() => cyView()?.profileId !== undefined);

	await bo.client.report(id, [cyView()!.profileId!], 'look at this name', false);
	const [report] = await ash.client.reports(id);
	expect(report!.messages).toEqual([
		expect.objectContaining({ id: cyView()!.profileId, kind: 'profile', sender: cyView()!.sign, text: 'you should all give up', verified: true })
	]);
	// Nobody else's name is disclosed, and my own entry offers nothing to report.
	expect(bo.client.members(id).find((m) => m.self)!.profileId).toBeUndefined();
});
