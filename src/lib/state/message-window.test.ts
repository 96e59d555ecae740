import { describe, expect, test } from 'vitest';
import { NEWEST, WINDOW_MAX, WINDOW_PAGE, WINDOW_SIZE, anchorOf, around, earlier, indexOf, later, oldest, rangeOf, windowOf, type MessageWindow } from './message-window.ts';

interface M {
	id: string;
	seq?: number;
	ts: number;
}
const transcript = (n: number, from = 1): M[] => Array.from({ length: n }, (_, i) => ({ id: `m${from + i}`, seq: from + i, ts: 1000 * (from + i) }));
const ids = (list: M[], win: MessageWindow) => {
	const r = rangeOf(list, win);
	return list.slice(r.lo, r.hi).map((m) => m.id);
};

describe('the message window', () => {
	test('a group opens at its newest messages, a bounded window of them', () => {
		const list = transcript(600);
		expect(rangeOf(list, NEWEST)).toEqual({ lo: 600 - WINDOW_SIZE, hi: 600 });
		expect(rangeOf(transcript(30), NEWEST)).toEqual({ lo: 0, hi: 30 });
		expect(rangeOf([], NEWEST)).toEqual({ lo: 0, hi: 0 });
	});

	test('scrolling back reaches every message once, in order, never holding more than the maximum', () => {
		const list = transcript(1234);
		let win: MessageWindow = NEWEST;
		const seen = new Set<string>(ids(list, win));
		for (let step = 0; step < 100 && rangeOf(list, win).lo > 0; step++) {
			const before = rangeOf(list, win);
			win = earlier(list, before);
			const r = rangeOf(list, win);
			expect(r.lo).toBe(Math.max(0, before.lo - WINDOW_PAGE));
			expect(r.hi - r.lo).toBeLessThanOrEqual(WINDOW_MAX);
			// The window stays one run of consecutive messages that overlaps the one before.
			expect(r.hi).toBeGreaterThan(before.lo);
			for (const id of ids(list, win)) seen.add(id);
		}
		expect(rangeOf(list, win).lo).toBe(0);
		expect(seen.size).toBe(1234);
		// And forward again to the newest, which then follows new messages.
		for (let step = 0; step < 100 && win.bottom !== null; step++) win = later(list, rangeOf(list, win));
		expect(win.bottom).toBeNull();
		const grown = [...list, ...transcript(3, 1235)];
		expect(rangeOf(grown, win).hi).toBe(1237);
	});

	test('a window read back in the history keeps its messages when new ones arrive or old ones expire', () => {
		const list = transcript(500);
		const win = windowOf(list, 200, 300);
		expect(ids(list, win)[0]).toBe('m201');
		const arrived = [...list, ...transcript(10, 501)];
		expect(ids(arrived, win)).toEqual(ids(list, win));
		const expired = list.slice(150);
		expect(ids(expired, win)).toEqual(ids(list, win));
	});

	test('an anchor whose message went stands where it stood in relay order', () => {
		const list = transcript(300);
		const win = windowOf(list, 100, 200);
		const without = list.filter((m) => m.id !== 'm101' && m.id !== 'm200');
		expect(ids(without, win)).toEqual(ids(list, win).filter((id) => id !== 'm101' && id !== 'm200'));
		const gone = list.filter((m) => m.id !== 'm150');
		expect(indexOf(gone, anchorOf(list[149]!))).toBe(gone.findIndex((m) => m.id === 'm151'));
		// Every message between the anchors went: the window is not empty.
		const gap = list.filter((m) => (m.seq ?? 0) <= 100 || (m.seq ?? 0) > 200);
		const r = rangeOf(gap, win);
		expect(r.hi - r.lo).toBeGreaterThan(0);
	});

	test('a message still sending (no relay seq) comes after every sent one', () => {
		const list: M[] = [...transcript(120), { id: 'local', ts: 5 }];
		expect(indexOf(list, anchorOf({ id: 'other-local', ts: 7 }))).toBe(121);
		expect(ids(list, NEWEST).at(-1)).toBe('local');
	});

	test('Home reaches the oldest, End the newest, and a far message can be shown', () => {
		const list = transcript(900);
		expect(ids(list, oldest(list))[0]).toBe('m1');
		expect(ids(list, oldest(list))).toHaveLength(WINDOW_SIZE);
		expect(ids(list, around(list, 450))).toContain('m451');
		expect(ids(list, around(list, 899)).at(-1)).toBe('m900');
		expect(ids(list, around(list, 0))[0]).toBe('m1');
	});
});
