/**
 * Approval of new members (§13.8) with real clients on the real relay: an admin turns approval
 * on; a newcomer asks and waits (reading nothing); a moderator approves and the newcomer reads
 * and posts; another is declined and keeps nothing; a relay restart while a request waits.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defaults, startClient, startRelay, stopAll, texts, until, type Relay, type TestClient } from './harness.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
});

/** Ash (admin) with Mo (moderator), approval on, and a link for three. */
async function circle() {
	relay = await startRelay();
	const [ash, mo] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
	clients.push(ash, mo);
	const group = await ash.client.createGroup({ ...defaults, name: 'Thursday circle', pseudonym: 'Ash' });
	const first = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 1, role: 'member' });
	await mo.client.joinWithInvite(first.link, 'Mo');
	await until(() => ash.client.members(group).length === 2);
	const moSign = ash.client.members(group).find((m) => !m.self)!.sign;
	await ash.client.setRole(group, moSign, 'moderator');
	await ash.client.setSafety(group, { slow: 0, links: 'any', approve: true });
	await until(() => mo.client.summary(group)?.settings.approve === true && mo.client.summary(group)?.role === 'moderator');
	const invite = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 3, role: 'member' });
	return { ash, mo, group, link: invite.link };
}

describe('approval of new members with real clients (§13.8)', () => {
	test('a newcomer asks and waits, reading nothing; a moderator sees the note and approves; the newcomer then reads and posts', async () => {
		const { ash, mo, group, link } = await circle();
		await ash.client.send(group, { text: 'Before anyone new arrives.' });
		const nia = await startClient(relay!.url);
		clients.push(nia);
		expect(await nia.client.previewInvite(link)).toMatchObject({ name: 'Thursday circle', approve: true });
		await nia.client.joinWithInvite(link, 'Nia', 'A friend from the Tuesday meeting sent me.');
		expect(nia.client.summary(group)).toMatchObject({ waiting: 'pending', name: 'Thursday circle' });
		await until(() => mo.client.summary(group)?.joinRequests === 1);
		expect(ash.client.summary(group)?.joinRequests).toBe(1);
		const [request] = mo.client.joinRequests(group);
		expect(request).toMatchObject({ name: 'Nia', note: 'A friend from the Tuesday meeting sent me.', role: 'member', linkBy: 'Ash', linkMine: false });
		await ash.client.send(group, { text: 'Still before.' });
		// P5: nothing of what is said reaches a newcomer who is only waiting.
		expect(texts(nia, group)).toEqual([]);
		await mo.client.approveRequest(group, request!.sign);
		await until(() => nia.client.summary(group)?.waiting === undefined && nia.client.summary(group)?.role === 'member');
		expect(mo.client.summary(group)?.joinRequests).toBeUndefined();
		await ash.client.send(group, { text: 'Welcome, Nia.' });
		await until(() => texts(nia, group).includes('Welcome, Nia.'));
		expect(texts(nia, group)).toEqual(['Welcome, Nia.']);
		await nia.client.send(group, { text: 'Thank you for letting me in.' });
		await until(() => texts(ash, group).includes('Thank you for letting me in.') && texts(mo, group).includes('Thank you for letting me in.'));
		expect(ash.client.members(group).find((m) => m.name === 'Nia')).toBeDefined();
		// §7: the invite's author (Ash) spoke after the approve: Nia's copy is confirmed.
		await until(() => nia.client.summary(group)?.unconfirmed === false);
	});

	test('a declined newcomer keeps nothing: the group leaves its list, and it is told calmly', async () => {
		const { mo, group, link } = await circle();
		const ola = await startClient(relay!.url);
		clients.push(ola);
		await ola.client.joinWithInvite(link, 'Ola');
		await until(() => mo.client.joinRequests(group).length === 1);
		await mo.client.declineRequest(group, mo.client.joinRequests(group)[0]!.sign);
		await until(() => ola.client.groups().length === 0);
		expect(ola.events).toContainEqual({ type: 'request-ended', group, how: 'declined' });
		expect(mo.client.summary(group)?.joinRequests).toBeUndefined();
	});

	test('a newcomer withdraws its request; with a relay restart while another waits, the approve still lands', async () => {
		const { ash, mo, group, link } = await circle();
		const [pia, rae] = await Promise.all([startClient(relay!.url), startClient(relay!.url)]);
		clients.push(pia, rae);
		await pia.client.joinWithInvite(link, 'Pia');
		await pia.client.withdrawRequest(group);
		await until(() => pia.client.groups().length === 0);
		expect(pia.events).toContainEqual({ type: 'request-ended', group, how: 'withdrawn' });
		await rae.client.joinWithInvite(link, 'Rae', 'Hello.');
		await until(() => mo.client.joinRequests(group).length === 1);
		// The relay stops and starts again over the same files while Rae waits.
		const dir = relay!.dir;
		const port = relay!.port;
		await relay!.server.close();
		relay = await startRelay({ port }, dir);
		await until(() => [ash, mo, rae].every((c) => c.client.connection === 'online'), 20_000);
		await mo.client.approveRequest(group, mo.client.joinRequests(group)[0]!.sign);
		await until(() => rae.client.summary(group)?.role === 'member' && rae.client.summary(group)?.waiting === undefined, 20_000);
		await mo.client.send(group, { text: 'Welcome, Rae.' });
		await until(() => texts(rae, group).includes('Welcome, Rae.'), 20_000);
	});
});
