/**
 * P4 forward secrecy without false alarms (docs/PROTOCOL.md §4.4, review of issue 9 fixes,
 * finding A): after an epoch change every member publishes its receive key against the same
 * head; an honest relay keeps one and answers the rest RELAY_CONFLICT. Those lost races are not
 * failed attempts, so nobody is told their key is stuck.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { defaults, removeDir, startClient, startRelay, until, type Relay, type TestClient } from './harness.ts';
import { ready } from '../../src/lib/crypto/sodium.ts';

beforeAll(() => ready());
const clients: TestClient[] = [];
let relay: Relay;
afterAll(async () => {
	for (const c of clients) await c.client.stop();
	await relay?.server.close();
	if (relay) await removeDir(relay.dir);
});

/** No random pause before key ops: every member races for the same head, the worst case (§4.4). */
const noPause = { keyPause: () => Promise.resolve() };
const stalled = (id: string) => clients.map((c) => c.client.warnings(id).filter((w) => w.code === 'PROTOCOL_KEY_STALLED').length);

test('P4 forward secrecy: seven members on an honest relay publish their keys after joins and a removal, and nobody is told a key is stuck, even when all race for the same head at once', async () => {
	relay = await startRelay();
	const names = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];
	for (const _ of names) clients.push(await startClient(relay.url, undefined, noPause));
	const [admin, ...rest] = clients;
	const id = await admin!.client.createGroup({ ...defaults, rotate: 0, name: 'Circle', pseudonym: 'A' });
	const invite = await admin!.client.createInvite(id, { expiresInMs: 3_600_000, maxUses: 10, role: 'member' });
	for (let i = 0; i < rest.length; i++) await rest[i]!.client.joinWithInvite(invite.link, names[i + 1]!);
	let group = clients;
	const allKeysIn = () =>
		group.every((c) => {
			const s = c.client.state(id);
			return s && Object.keys(s.members).length === group.length && Object.values(s.members).every((m) => m.rkAt === s.epoch);
		});
	await until(allKeysIn, 90_000, 'keys in after the joins');
	// One more member: every other member publishes a key op at once.
	const late = await startClient(relay.url, undefined, noPause);
	clients.push(late);
	await late.client.joinWithInvite(invite.link, 'H');
	await until(allKeysIn, 90_000, 'keys in after the last join');
	// The admin removes the last member (a new epoch key, sealed to everyone else): the same race again.
	const epoch = admin!.client.state(id)!.epoch;
	await admin!.client.remove(id, late.client.members(id).find((m) => m.self)!.sign);
	group = clients.slice(0, -1);
	await until(() => allKeysIn() && group.every((c) => c.client.state(id)!.epoch > epoch), 90_000, 'keys in after the removal');
	expect(stalled(id)).toEqual(clients.map(() => 0));
}, 300_000);
