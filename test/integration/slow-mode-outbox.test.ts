/**
 * Slow mode in the outbox (§13.7) with real clients over the real relay: a message waiting for
 * its turn is kept in the outbox, not in a sleeping send, so "Lock now" (and a wipe, which locks
 * first) never waits out the window (P10); the message is still there after unlocking, keeps its
 * place, and goes as soon as slow mode allows.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defaults, startClient, startRelay, texts, until, type Relay, type TestClient, stopAll } from './harness.ts';
import { keys, listJson } from '../../src/lib/client/store.ts';
import type { OutboxItem } from '../../src/lib/client/outbox.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	clients.length = 0;
	relay = null;
});

async function pair() {
	relay ??= await startRelay();
	const [ash, bo] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
	clients.push(ash, bo);
	const id = await ash.client.createGroup({ ...defaults, name: 'Circle', pseudonym: 'Ash' });
	const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
	await bo.client.joinWithInvite(invite.link, 'Bo');
	await until(() => ash.client.members(id).length === 2);
	return { ash, bo, id };
}

const queued = async (c: TestClient, group: string) => (await listJson<OutboxItem>(c.store, keys.outboxAll(group))).map((r) => r.value);

describe('§13.7 slow mode and lock', () => {
	test('P10: "Lock now" during an hour of slow mode resolves at once; the waiting text stays queued, survives the unlock, and goes when slow mode ends', { timeout: 60_000 }, async () => {
		const { ash, bo, id } = await pair();
		await ash.client.setSafety(id, { slow: 3600, links: 'any' });
		await until(() => bo.client.groups()[0]?.settings.slow === 3600);
		await bo.client.send(id, { text: 'first' });
		await until(() => texts(ash, id).includes('first'));
		await bo.client.send(id, { text: 'second, after the window' });
		await bo.client.send(id, { text: 'third, after the second' });
		await until(() => bo.client.groups()[0]?.slowUntil !== undefined);

		// Before the fix this waited out the hour (the test's timeout) with the keys in memory.
		await bo.client.lock();
		expect(texts(ash, id)).not.toContain('second, after the window');
		expect((await queued(bo, id)).map((o) => (o.content as { text: string }).text)).toEqual(['second, after the window', 'third, after the second']);

		// Unlocked (a new client on the same store): still waiting, in order, nothing failed.
		const again = await startClient(relay!.url, bo.store);
		clients.push(again);
		await until(() => again.client.messages(id).some((m) => m.text === 'second, after the window'));
		expect(again.client.messages(id).filter((m) => m.self && m.text !== 'first').map((m) => m.status)).toEqual(['sending', 'sending']);

		// Slow mode off: the waiting texts go at once, in their order.
		await ash.client.setSafety(id, { slow: 0, links: 'any' });
		await until(() => texts(ash, id).includes('third, after the second'), 30_000);
		const order = texts(ash, id);
		expect(order.indexOf('second, after the window')).toBeLessThan(order.indexOf('third, after the second'));
		await until(() => again.client.messages(id).filter((m) => m.self).every((m) => m.status === 'sent'));
		await again.client.stop();
		expect(await queued(again, id)).toEqual([]);
	});

	test('stop() during a slow-mode wait resolves and leaves the text queued for the next start', { timeout: 60_000 }, async () => {
		const { ash, bo, id } = await pair();
		await ash.client.setSafety(id, { slow: 3600, links: 'any' });
		await until(() => bo.client.groups()[0]?.settings.slow === 3600);
		await bo.client.send(id, { text: 'first' });
		await until(() => texts(ash, id).includes('first'));
		await bo.client.send(id, { text: 'second' });
		await bo.client.stop();
		expect((await queued(bo, id)).map((o) => o.status)).toEqual(['sending']);
		expect(texts(ash, id)).not.toContain('second');
	});
});
