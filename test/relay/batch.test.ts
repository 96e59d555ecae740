/**
 * §9.5 "Backlog in batches": a `sub` with `batch: true` gets its backlog as `entries` frames,
 * each item exactly the entry frame it replaces, bounded in items and bytes; live entries stay
 * single frames; a `sub` without it is unchanged.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createGroup, sendMessage } from './fixtures/group.ts';
import { TestClient, type AnyFrame } from './fixtures/relay.ts';
import { startRelay, type TestRelay } from '../kit/relay.ts';
import { batches } from '../../server/subscription.ts';
import { BATCH_BYTES, MAX_BATCH_ITEMS, parseRelayFrame } from '../../src/lib/protocol/wire.ts';

let relay: TestRelay;
beforeAll(async () => (relay = await startRelay({ pageSize: 16, connectionRate: { perSecond: 100_000, burst: 100_000 }, keyRate: { perSecond: 100_000, burst: 100_000 } })));
afterAll(() => relay.stop());

describe('backlog in batches', () => {
	test('a batched backlog carries the very entry frames of an unbatched one, in order, a page at most per frame; live entries come one by one', async () => {
		const writer = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(writer);
		for (let i = 0; i < 100; i++) await sendMessage(writer, g, g.admin, i);
		const single = await TestClient.connect(relay.wsUrl);
		const batched = await TestClient.connect(relay.wsUrl);
		for (const c of [single, batched]) await c.auth(g.admin);
		await single.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 10 });
		expect(await batched.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 10, batch: true })).toMatchObject({ t: 'ok', head: 101 });
		await single.waitFor((f) => f.t === 'live');
		const live = await batched.waitFor((f) => f.t === 'live');
		const before = batched.frames.slice(0, batched.frames.indexOf(live));
		const batches = before.filter((f) => f.t === 'entries');
		// Only batches carry the backlog, none larger than a storage page (16 here), each well formed.
		expect(before.filter((f) => f.t === 'entry')).toEqual([]);
		expect(batches.length).toBeGreaterThanOrEqual(Math.ceil(91 / 16));
		for (const b of batches) {
			expect(b.group).toBe(g.group);
			expect(b.items.length).toBeGreaterThanOrEqual(1);
			expect(b.items.length).toBeLessThanOrEqual(16);
			expect(parseRelayFrame(JSON.stringify(b)).ok).toBe(true);
		}
		expect(batches.flatMap((b: AnyFrame) => b.items)).toEqual(single.entries(g.group));
		expect(single.entries(g.group).map((e) => e.seq)).toEqual(Array.from({ length: 91 }, (_, i) => 11 + i));
		// After live: a single entry frame, as for everyone.
		await sendMessage(writer, g, g.admin, 100);
		const next = await batched.next((f) => f.t === 'entry' || f.t === 'entries');
		expect(next).toMatchObject({ t: 'entry', seq: 102 });
		for (const c of [writer, single, batched]) c.close();
	});

	test('a batch closes before 128 KiB, a larger entry travels alone, and no batch has more than 256 items', () => {
		const group = 'G'.repeat(43);
		const frame = (seq: number, size: number) => JSON.stringify({ t: 'entry', group, seq, ts: 1, entry: { msg: { pad: 'x'.repeat(size) } } });
		const frames = [frame(1, 100), frame(2, 70_000), frame(3, 70_000), frame(4, 200_000), frame(5, 10), ...Array.from({ length: 600 }, (_, i) => frame(6 + i, 10))];
		const out = batches(group, frames);
		const parsed = out.map((text) => JSON.parse(text) as { t: string; group: string; items: { seq: number }[] });
		expect(parsed.flatMap((b) => b.items.map((i) => i.seq))).toEqual(frames.map((_, i) => i + 1));
		for (const [i, text] of out.entries()) {
			expect(parsed[i]!.t).toBe('entries');
			expect(parsed[i]!.group).toBe(group);
			expect(parsed[i]!.items.length).toBeLessThanOrEqual(MAX_BATCH_ITEMS);
			// Over the bound only as a batch of one.
			if (Buffer.byteLength(text) > BATCH_BYTES) expect(parsed[i]!.items.length).toBe(1);
		}
		// 1, 2 together (70 KB); 3 would pass 128 KiB with them; 4 alone; then 5 and the 600 small ones in 256s.
		expect(parsed.map((b) => b.items.length)).toEqual([2, 1, 1, 256, 256, 89]);
		expect(batches(group, [])).toEqual([]);
	});
});

describe('a backlog whose last entries are gone', () => {
	test('ends with live at liveFrom instead of reading the same page again, batched or not (P11)', async () => {
		const { Subscription } = await import('../../server/subscription.ts');
		for (const batch of [false, true]) {
			const sent: string[] = [];
			const conn = { closed: false, send: (text: string, done?: () => void) => (sent.push(text), done?.(), true), sendWire: () => true, close: () => undefined, unsubscribed: () => undefined };
			let reads = 0;
			// Entries 96..100 went (retention); 101 was appended after the subscription began.
			const store = { range: async () => (reads++, [{ seq: 101, ts: 1, kind: 'msg' as const, frame: '{"t":"entry"}' }]) };
			const sub = new Subscription(conn as never, 'G'.repeat(43), 'A'.repeat(43), 95, 1 << 22, { unsubscribe: () => undefined }, { pending: false, since: 0 });
			await sub.run(store as never, 100, 256, batch);
			expect(reads).toBe(1);
			expect(sent).toEqual([JSON.stringify({ t: 'live', group: 'G'.repeat(43), seq: 100 })]);
			sub.close();
		}
	});
});
