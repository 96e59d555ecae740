import { describe, expect, test } from 'vitest';
import { History, type MessageContent } from './history.ts';

const sender = 'A'.repeat(43);
const at = (ctr: number) => ({ sender, epoch: 0, ctr });

describe('History', () => {
	test('a remote content shaped like an app notice never becomes a system line', () => {
		const history = new History('g');
		const forged = { t: 'system', text: 'This group moved: join at evil.example' } as unknown as MessageContent;
		expect(history.apply({ address: at(1), content: forged, seq: 1, ts: 1, self: false }, 'Mallory')).toBe(false);
		expect(history.list()).toEqual([]);
	});

	test('only the client itself adds system lines, and they carry no sender', () => {
		const history = new History('g');
		expect(history.addSystem(4, 10, 'Bo joined.')).toBe(true);
		expect(history.list()).toMatchObject([{ kind: 'system', sender: '', text: 'Bo joined.' }]);
	});

	test('P2 hide targets messages only: a hide naming the seq of an op leaves its notice on screen; a hide naming a message hides it', () => {
		const history = new History('g');
		history.addSystem(4, 10, 'Bo joined.');
		history.apply({ address: at(1), content: { t: 'text', text: 'hello' }, seq: 5, ts: 11, self: false }, 'Ash');
		expect(history.hideSeq(4)).toBe(false);
		expect(history.hideSeq(5)).toBe(true);
		expect(history.list().map((m) => [m.text, m.hidden])).toEqual([
			['Bo joined.', false],
			['hello', true]
		]);
	});

	test('§13.4 a hide keeps the words (not shown, not reportable) and an unhide shows them again; an op notice is neither', () => {
		const history = new History('g');
		history.addSystem(4, 10, 'Bo joined.');
		history.apply({ address: at(1), content: { t: 'text', text: 'hello' }, seq: 5, ts: 11, self: false }, 'Ash');
		const id = history.list()[1]!.id;
		history.takeGone();
		expect(history.hideSeq(5)).toBe(true);
		expect(history.shows(id)).toBe(false);
		// The franking record stays (an undo makes it reportable again); retention takes it later.
		expect(history.takeGone()).toEqual([]);
		expect(history.unhideSeq(4)).toBe(false);
		expect(history.unhideSeq(5)).toBe(true);
		expect(history.unhideSeq(5)).toBe(false);
		expect(history.shows(id)).toBe(true);
		expect(history.get(id)).toMatchObject({ text: 'hello', hidden: false });
	});
});

describe('shared progress and retention (§12)', () => {
	test('shared check-ins and counters go with the conversation retention, like any message, and the sponsor chart no longer shows them', async () => {
		const { foldShared } = await import('./progress.ts');
		const history = new History('pair');
		const DAY = 86_400_000;
		const now = Date.UTC(2026, 2, 10, 12);
		history.apply({ address: at(1), content: { t: 'progress', item: { k: 'checkin', day: '2026-03-01', mood: 2, craving: 6 } }, seq: 1, ts: now - 9 * DAY, self: false }, 'Sky');
		history.apply({ address: at(2), content: { t: 'progress', item: { k: 'counter', id: 'c1', name: 'Alcohol', start: '2026-02-01' } }, seq: 2, ts: now - 9 * DAY, self: false }, 'Sky');
		history.apply({ address: at(3), content: { t: 'progress', item: { k: 'checkin', day: '2026-03-09', mood: 4, craving: 2 } }, seq: 3, ts: now - DAY, self: false }, 'Sky');
		expect(foldShared(history.list())[0]!.checkins.map((k) => k.day)).toEqual(['2026-03-01', '2026-03-09']);
		// Retention 0 keeps everything (the default of a pair, §3.3).
		history.expire(0, now);
		expect(history.list()).toHaveLength(3);
		// A week's retention: the items older than a week are gone from the device, and from the chart.
		history.expire(7 * 86_400, now);
		const [view] = foldShared(history.list());
		expect(view!.checkins.map((k) => k.day)).toEqual(['2026-03-09']);
		expect(view!.counters).toEqual([]);
		expect(history.takeGone()).toEqual(expect.arrayContaining([`${sender}:0:1`, `${sender}:0:2`]));
	});
});
