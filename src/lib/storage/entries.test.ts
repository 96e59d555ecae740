import { beforeAll, expect, test } from 'vitest';
import { entriesOf, memoryKv, type Kv } from './kv.ts';
import { sealedStore } from './sealed-store.ts';
import { newStorageKey } from '../crypto/vault.ts';
import { ready } from '../crypto/sodium.ts';
import { Transcript } from '../client/transcript.ts';
import { jsonPut, keys } from '../client/store.ts';
import type { ChatMessage } from '../client/api.ts';

beforeAll(ready);

/** A raw table that counts the reads reaching it. */
function countingKv(inner: Kv, withEntries = true): Kv & { gets: number; passes: number } {
	const counted: Kv & { gets: number; passes: number } = {
		gets: 0,
		passes: 0,
		get: (key) => (counted.gets++, inner.get(key)),
		keys: (prefix) => inner.keys(prefix),
		batch: (ops) => inner.batch(ops)
	};
	if (withEntries) counted.entries = (prefix) => (counted.passes++, inner.entries!(prefix));
	return counted;
}

const message = (i: number): ChatMessage => ({ id: `${'A'.repeat(43)}:1:${i}`, group: 'g1', sender: 'A'.repeat(43), senderName: 'Ash', self: false, kind: 'text', text: `note ${i}`, reactions: {}, edited: false, deleted: false, hidden: false, ts: 1000 + i, seq: i, status: 'sent' });

test('a prefix of the sealed store is read in one pass: the same records as key by key, each opened once, none of another prefix', async () => {
	const raw = countingKv(memoryKv());
	const store = sealedStore(raw, newStorageKey());
	await store.batch([...Array.from({ length: 300 }, (_, i) => jsonPut(keys.message('g1', message(i).id), message(i))), jsonPut(keys.message('g2', 'x'), { other: true }), jsonPut(keys.warnings('g1'), [])]);
	raw.gets = 0;
	const entries = await store.entries!(keys.messages('g1'));
	expect(raw.gets, 'no record is read on its own').toBe(0);
	expect(raw.passes).toBe(1);
	expect(entries).toHaveLength(300);
	const names = await store.keys(keys.messages('g1'));
	expect(entries.map(([k]) => k)).toEqual(names);
	for (const [k, v] of entries.slice(0, 5)) expect(v).toEqual(await store.get(k));
	// The same answer from a Kv without one-pass reads.
	const slow = sealedStore(countingKv(memoryKv(), false), newStorageKey());
	await slow.batch([jsonPut('a/1', 1), jsonPut('a/2', 2), jsonPut('b/1', 3)]);
	expect((await entriesOf(slow, 'a/')).map(([k]) => k)).toEqual(['a/1', 'a/2']);
});

test('a transcript written before the message index loads every stored message, in relay order, from one pass over the store', async () => {
	const raw = countingKv(memoryKv());
	const key = newStorageKey();
	const store = sealedStore(raw, key.slice());
	const records = Array.from({ length: 500 }, (_, i) => message(i));
	await store.batch(records.map((m) => jsonPut(keys.message('g1', m.id), m)));
	const reopened = sealedStore(raw, key.slice());
	raw.gets = 0;
	const transcript = await Transcript.load(reopened, 'g1');
	expect(transcript.history.list().map((m) => m.seq)).toEqual(records.map((m) => m.seq));
	// One pass for the messages; the warnings record and the (absent) index head are a read each.
	expect(raw.passes).toBe(1);
	expect(raw.gets).toBeLessThanOrEqual(2);
});

test('a sealed record under another name does not open in a one-pass read', async () => {
	const map = new Map<string, Uint8Array>();
	const key = newStorageKey();
	const store = sealedStore(memoryKv(map), key.slice());
	await store.batch([jsonPut('g/x/m/a', 1), jsonPut('g/x/m/b', 2)]);
	const [first, second] = [...map.keys()];
	const swapped = map.get(first!)!;
	map.set(first!, map.get(second!)!);
	map.set(second!, swapped);
	await expect(sealedStore(memoryKv(map), key.slice()).entries!('g/x/m/')).rejects.toMatchObject({ code: 'PROTOCOL_DECRYPT_FAILED' });
});
