/**
 * A long history (issue 15 item 2): a member away while 600 messages arrive catches up in time
 * slices, and a relay that drops one of them is still caught (P6). Reopened, the group shows its
 * newest page read from the store without reading the rest (§8 "Message index"); reading back
 * gives every message once, in relay order.
 */
import { afterEach, beforeAll, expect, test } from 'vitest';
import { Tamperer, makeGroup, selfKey, startWorld, type World } from './setup.ts';
import { startClient, texts, until, warningKinds, type TestClient } from '../integration/harness.ts';
import { ready } from '../../src/lib/crypto/sodium.ts';
import { getManyOf, type Kv } from '../../src/lib/storage/kv.ts';
import { keys } from '../../src/lib/client/store.ts';
import { READ_PAGE } from '../../src/lib/client/transcript.ts';

beforeAll(() => ready());

let world: World | null = null;
afterEach(async () => {
	await world?.close();
	world = null;
});

// More than two relay pages (256) and many slices, and six store pages to read back; kept small for the suite's time.
const COUNT = 600;
const DROPPED = 345;
const note = (i: number) => `note ${i}`;

/** The store, counting the message records read through it. */
function countingReads(inner: Kv, prefix: string): Kv & { messageReads: number } {
	const counted: Kv & { messageReads: number } = {
		messageReads: 0,
		async get(key) {
			if (key.startsWith(prefix)) counted.messageReads++;
			return inner.get(key);
		},
		keys: (p) => inner.keys(p),
		count: inner.count ? (p) => inner.count!(p) : undefined,
		async entries(p) {
			const all = await inner.entries!(p);
			counted.messageReads += all.filter(([k]) => k.startsWith(prefix)).length;
			return all;
		},
		async getMany(asked) {
			counted.messageReads += asked.filter((k) => k.startsWith(prefix)).length;
			return getManyOf(inner, asked);
		},
		batch: (ops) => inner.batch(ops)
	};
	return counted;
}

test('P6 a member away for 600 messages catches up in slices and still catches a dropped one; reopened, the newest page is read first and reading back gives every message once, in order', async () => {
	world = await startWorld(['ash', 'cy']);
	const group = await makeGroup(world, 'ash', ['cy']);
	const { ash, cy } = world.clients as Record<'ash' | 'cy', TestClient>;
	const ashKey = selfKey(ash, group);
	await ash.client.send(group, { text: 'before' });
	await until(() => texts(cy, group).includes('before'));
	await cy.client.stop();

	for (let i = 1; i <= COUNT; i++) void ash.client.send(group, { text: note(i) });
	await until(() => ash.client.messages(group).filter((m) => m.kind === 'text' && m.status === 'sent').length === COUNT + 1, 240_000, 'all sent');

	// Cy comes back through a relay that drops one of the 600 (and renumbers to hide it).
	const tamper = new Tamperer();
	let dropped = false;
	tamper.rule = (f) => {
		if (f.entry.msg?.sender !== ashKey || f.entry.msg.ctr !== DROPPED + 1) return undefined;
		dropped = true;
		return [];
	};
	world.proxy.onDown('cy', tamper.hook);
	const back = await startClient(world.proxy.url('cy'), cy.store);
	world.clients.cy = back;
	await until(() => texts(back, group).includes(note(COUNT)) && back.client.summary(group)?.sync === undefined, 120_000, 'cy caught up');
	expect(dropped).toBe(true);
	// Ash's counter 1 carried "before": counter DROPPED + 1 is note DROPPED.
	const caught = texts(back, group);
	expect(caught).toEqual(['before', ...Array.from({ length: COUNT }, (_, i) => note(i + 1)).filter((t) => t !== note(DROPPED))]);
	expect(warningKinds(back, group)).toContain('gap');
	await back.client.stop();

	// Reopened: the newest page only is read from the store.
	const counted = countingReads(cy.store, keys.messages(group));
	const reopened = await startClient(world.proxy.url('cy'), counted);
	world.clients.cy = reopened;
	expect(counted.messageReads).toBe(READ_PAGE);
	expect(texts(reopened, group)).toEqual(caught.slice(-READ_PAGE));
	expect(reopened.client.olderMessages(group)).toBe(true);
	// Reading back, a page at a time, as the reader scrolls.
	while (reopened.client.olderMessages(group)) {
		const before = reopened.client.messages(group).length;
		await reopened.client.readOlder(group);
		const added = reopened.client.messages(group).length - before;
		expect(added === READ_PAGE || (added > 0 && !reopened.client.olderMessages(group))).toBe(true);
	}
	const all = reopened.client.messages(group);
	expect(all.filter((m) => m.kind === 'text').map((m) => m.text)).toEqual(caught);
	expect(new Set(all.map((m) => m.id)).size).toBe(all.length);
	// Each stored message was read once.
	expect(counted.messageReads).toBe(all.length);
}, 400_000);
