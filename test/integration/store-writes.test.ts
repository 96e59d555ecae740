/**
 * What one sent text costs on the device (issue 8 item 3). The sender's store is the real sealed
 * store (storage/sealed-store.ts) over a raw table that counts what reaches it: each `batch` is
 * one atomic write (one IndexedDB transaction in the browser), each put in it one sealed record.
 * Before the one-store change a steady-state text cost 16 separate writes (14 sealed records).
 */
import { afterEach, expect, test } from 'vitest';
import { defaults, startClient, startRelay, stopAll, texts, until, untilKeysSettled, type Relay, type TestClient } from './harness.ts';
import { memoryKv, type Kv } from '../../src/lib/storage/kv.ts';
import { sealedStore } from '../../src/lib/storage/sealed-store.ts';
import { newStorageKey } from '../../src/lib/crypto/vault.ts';
import { ready } from '../../src/lib/crypto/sodium.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(() => stopAll(clients, relay));

/** A raw table that counts batches and the sealed records they carry. */
function countingKv(inner: Kv): Kv & { batches: number; records: number; last: number } {
	const counted = {
		batches: 0,
		records: 0,
		last: 0,
		get: (key: string) => inner.get(key),
		keys: (prefix: string) => inner.keys(prefix),
		async batch(ops: Parameters<Kv['batch']>[0]) {
			counted.batches++;
			counted.records += ops.filter((op) => op.type === 'put').length;
			counted.last = Date.now();
			await inner.batch(ops);
		}
	};
	return counted;
}

/** Waits until nothing has been written for `ms`. */
async function quiet(raw: { last: number }, ms = 300): Promise<void> {
	await until(() => Date.now() - raw.last >= ms, 10_000, 'a quiet store');
}

test('a text sent in a steady state costs at most 4 atomic batches on the sender', async () => {
	relay = await startRelay();
	await ready();
	const raw = countingKv(memoryKv());
	const ash = await startClient(relay.url, sealedStore(raw, newStorageKey()));
	const bo = await startClient(relay.url);
	clients.push(ash, bo);
	const group = await ash.client.createGroup({ name: 'Counting', pseudonym: 'Ash', ...defaults });
	const invite = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 5, role: 'member' });
	await bo.client.joinWithInvite(invite.link, 'Bo');
	// Both publish a receive key after Bo's join (§4.4, after a random pause): not the text's cost.
	await untilKeysSettled([ash, bo], group);
	// The first text of the epoch also carries my hello: the steady state starts after it.
	await ash.client.send(group, { text: 'first, with my hello' });
	await until(() => texts(bo, group).includes('first, with my hello'));
	await until(() => ash.client.messages(group).every((m) => m.status === 'sent'));
	await quiet(raw);

	raw.batches = 0;
	raw.records = 0;
	await ash.client.send(group, { text: 'a steady text' });
	await until(() => texts(bo, group).includes('a steady text'));
	await until(() => ash.client.messages(group).some((m) => m.text === 'a steady text' && m.status === 'sent'));
	await quiet(raw);
	console.log(`one steady text: ${raw.batches} atomic batches, ${raw.records} sealed records`);
	expect(raw.batches).toBeGreaterThan(0);
	expect(raw.batches).toBeLessThanOrEqual(4);
});
