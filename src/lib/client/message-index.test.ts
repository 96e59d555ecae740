import { beforeAll, expect, test } from 'vitest';
import { memoryKv, type Kv, type KvOp } from '../storage/kv.ts';
import { sealedStore, type SealedStore } from '../storage/sealed-store.ts';
import { namingKey, newStorageKey, storedName } from '../crypto/vault.ts';
import { ready } from '../crypto/sodium.ts';
import { Transcript, READ_PAGE } from './transcript.ts';
import { CHUNK, MessageIndex } from './message-index.ts';
import { keys } from './store.ts';

beforeAll(ready);

const SENDER = 'A'.repeat(43);
const GROUP = 'g1';

/** A raw table that counts the stored values read through it (one by one, in one pass or by prefix). */
function countingKv(inner: Kv): Kv & { reads: number } {
	const counted: Kv & { reads: number } = {
		reads: 0,
		get: (key) => (counted.reads++, inner.get(key)),
		keys: (prefix) => inner.keys(prefix),
		count: (prefix) => inner.count!(prefix),
		async entries(prefix) {
			const all = await inner.entries!(prefix);
			counted.reads += all.length;
			return all;
		},
		getMany: (asked) => ((counted.reads += asked.length), inner.getMany!(asked)),
		batch: (ops) => inner.batch(ops)
	};
	return counted;
}

/** A device holding `n` messages of one group written as the client writes them (saves of 500). */
async function deviceWith(n: number) {
	const raw = new Map<string, Uint8Array>();
	const counted = countingKv(memoryKv(raw));
	const key = newStorageKey();
	const store = sealedStore(counted, key.slice());
	const t = new Transcript(GROUP);
	for (let i = 1; i <= n; i++) {
		t.history.apply({ address: { sender: SENDER, epoch: 1, ctr: i }, content: { t: 'text', text: `note ${i}` }, seq: i, ts: 1000 + i, self: false }, 'Ash');
		if (i % 500 === 0 || i === n) await save(store, t);
	}
	const lines: string[] = [];
	const reopen = async (): Promise<{ t: Transcript; store: SealedStore }> => {
		const again = sealedStore(counted, key.slice());
		counted.reads = 0;
		return { t: await Transcript.load(again, GROUP, (line) => lines.push(line)), store: again };
	};
	return { raw, counted, key, reopen, lines };
}

async function save(store: Kv, t: Transcript): Promise<void> {
	const ops: KvOp[] = [];
	t.stage(ops);
	await store.batch(ops);
}

const texts = (t: Transcript) => t.history.list().map((m) => m.text);
const notes = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `note ${from + i}`);

test('a group of 2,000 stored messages opens with its newest page read, without reading the others', async () => {
	const device = await deviceWith(2000);
	const { t } = await device.reopen();
	expect(texts(t)).toEqual(notes(2000 - READ_PAGE + 1, 2000));
	// The warnings record, the index head, its 8 chunks and the newest page: nothing else.
	expect(device.counted.reads).toBe(1 + 1 + Math.ceil(2000 / CHUNK) + READ_PAGE);
	expect(t.history.complete).toBe(false);
	expect(device.lines).toEqual([]);
});

test('scrolling back reads a page at a time, and every message comes once, in relay order', async () => {
	const device = await deviceWith(2000);
	const { t } = await device.reopen();
	device.counted.reads = 0;
	expect(await t.readEarlier()).toBe(READ_PAGE);
	expect(device.counted.reads).toBe(READ_PAGE);
	expect(texts(t)).toEqual(notes(2000 - 2 * READ_PAGE + 1, 2000));
	await t.readAll();
	expect(t.history.complete).toBe(true);
	expect(texts(t)).toEqual(notes(1, 2000));
	expect(device.counted.reads).toBe(2000 - READ_PAGE);
});

test('messages written after a reopen join the index: the next reopen shows them newest, and all once', async () => {
	const device = await deviceWith(300);
	const { t, store } = await device.reopen();
	for (let i = 301; i <= 320; i++) t.history.apply({ address: { sender: SENDER, epoch: 1, ctr: i }, content: { t: 'text', text: `note ${i}` }, seq: i, ts: 1000 + i, self: false }, 'Ash');
	// A reaction to a message not read yet waits (group.ts reads the rest first); a new one applies.
	expect(t.history.waitsFor({ t: 'react', to: { sender: SENDER, epoch: 1, ctr: 5 }, emoji: '👍' })).toBe(true);
	expect(t.history.waitsFor({ t: 'react', to: { sender: SENDER, epoch: 1, ctr: 310 }, emoji: '👍' })).toBe(false);
	await save(store, t);
	const again = (await device.reopen()).t;
	expect(texts(again).at(-1)).toBe('note 320');
	await again.readAll();
	expect(texts(again)).toEqual(notes(1, 320));
	expect(device.lines).toEqual([]);
});

test('a damaged index chunk loses no message: everything is read, a log line says so, and the next save rebuilds the index', async () => {
	const device = await deviceWith(1000);
	// Flip one byte of the sealed chunk 2: it no longer opens.
	const name = storedName(namingKey(device.key), keys.indexChunk(GROUP, 2));
	device.raw.set(name, Uint8Array.from(device.raw.get(name)!, (b, i) => (i === 30 ? b ^ 1 : b)));
	const { t, store } = await device.reopen();
	expect(device.lines).toHaveLength(1);
	expect(device.lines[0]).toMatch(/rebuilt \(the index does not open\); all 1000 stored messages were read/);
	expect(device.lines[0]).not.toContain(GROUP);
	expect(texts(t)).toEqual(notes(1, 1000));
	await save(store, t);
	device.lines.length = 0;
	const healed = (await device.reopen()).t;
	expect(device.lines).toEqual([]);
	expect(healed.history.complete).toBe(false);
	await healed.readAll();
	expect(texts(healed)).toEqual(notes(1, 1000));
});

test('a missing index chunk or head loses no message either', async () => {
	for (const gone of [keys.indexChunk(GROUP, 1), keys.index(GROUP)]) {
		const device = await deviceWith(600);
		const opened = sealedStore(memoryKv(device.raw), device.key.slice());
		await opened.batch([{ type: 'del', key: gone }]);
		const { t } = await device.reopen();
		expect(texts(t)).toEqual(notes(1, 600));
		expect(device.lines).toHaveLength(1);
		expect(device.lines[0]).toMatch(gone === keys.index(GROUP) ? /there is no index/ : /the index lists 344 messages and the store holds 600/);
	}
});

test('an index listing a message that is not stored loses the others and says so', async () => {
	const device = await deviceWith(400);
	const opened = sealedStore(memoryKv(device.raw), device.key.slice());
	// A stored message record removed behind the client's back (not by its batches), and one more
	// record under the messages' path so that the counts still agree.
	await opened.batch([
		{ type: 'del', key: keys.message(GROUP, `${SENDER}:1:399`) },
		{ type: 'put', key: keys.message(GROUP, 'stray'), value: new TextEncoder().encode(JSON.stringify({ id: `${SENDER}:9:9`, group: GROUP, sender: SENDER, senderName: null, self: false, kind: 'text', text: 'stray', reactions: {}, edited: false, deleted: false, hidden: false, ts: 5, seq: 0, status: 'sent' })) }
	]);
	const { t } = await device.reopen();
	expect(device.lines[0]).toMatch(/a message the index lists is missing/);
	expect(texts(t)).toEqual(['stray', ...notes(1, 398), 'note 400']);
});

test('a locked store refuses to read older pages; unlocked again, the group opens from its index', async () => {
	const device = await deviceWith(500);
	const { t, store } = await device.reopen();
	store.lock();
	await expect(t.readEarlier()).rejects.toMatchObject({ code: 'PROTOCOL_LOCKED' });
	const again = (await device.reopen()).t;
	await again.readAll();
	expect(texts(again)).toEqual(notes(1, 500));
});

test('the index keeps relay order when a message sorts earlier than the newest, and drops emptied chunks', () => {
	const index = new MessageIndex(GROUP);
	for (let i = 0; i < CHUNK * 2 + 10; i++) index.add({ id: `m${i}`, seq: i * 2, ts: i });
	index.add({ id: 'late', seq: 3, ts: 0 });
	index.add({ id: 'sending', ts: 99 });
	const order = index.entries().map((e) => e.id);
	expect(order.slice(0, 4)).toEqual(['m0', 'm1', 'late', 'm2']);
	expect(order.at(-1)).toBe('sending');
	for (let i = 0; i < CHUNK; i++) index.remove(`m${i}`);
	index.remove('late');
	const ops: KvOp[] = [];
	index.stage(ops);
	expect(ops.filter((op) => op.type === 'del').map((op) => op.key)).toEqual([keys.indexChunk(GROUP, 0)]);
	expect(index.size).toBe(CHUNK + 11);
});
