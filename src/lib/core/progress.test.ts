import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { addDays, addMonths, daysBetween, fromDayNumber, isDay, localDay, milestones, reached, span, streaks } from './progress.ts';
import { encodeContent, parseContent } from './content.ts';
import { fakeClock } from '../../../test/kit/clock.ts';

const HOUR = 3_600_000;

describe('a day is the local calendar day', () => {
	test('the same instant is a different day in Auckland, London and Los Angeles', () => {
		const t = Date.UTC(2026, 0, 15, 11, 30); // 11:30 UTC
		expect(localDay(t, 'Pacific/Auckland')).toBe('2026-01-16');
		expect(localDay(t, 'Europe/London')).toBe('2026-01-15');
		expect(localDay(t, 'America/Los_Angeles')).toBe('2026-01-15');
		expect(localDay(Date.UTC(2026, 0, 15, 7, 59), 'America/Los_Angeles')).toBe('2026-01-14');
	});

	test('across the spring-forward night (a 23 hour day) the count moves by exactly one', () => {
		// Europe/Berlin goes from 02:00 to 03:00 on 2026-03-29.
		const clock = fakeClock(Date.UTC(2026, 2, 28, 22, 30)); // 23:30 on the 28th in Berlin
		const start = localDay(clock.now(), 'Europe/Berlin');
		expect(start).toBe('2026-03-28');
		clock.advance(1 * HOUR); // 00:30 on the 29th
		expect(daysBetween(start, localDay(clock.now(), 'Europe/Berlin'))).toBe(1);
		clock.advance(23 * HOUR); // 00:30 on the 30th, although only 23 hours made up the 29th
		expect(localDay(clock.now(), 'Europe/Berlin')).toBe('2026-03-30');
		expect(daysBetween(start, localDay(clock.now(), 'Europe/Berlin'))).toBe(2);
	});

	test('across the fall-back night (a 25 hour day) no day is counted twice', () => {
		// America/New_York goes from 02:00 back to 01:00 on 2026-11-01.
		const clock = fakeClock(Date.UTC(2026, 10, 1, 4, 30)); // 00:30 on Nov 1 in New York
		expect(localDay(clock.now(), 'America/New_York')).toBe('2026-11-01');
		clock.advance(24 * HOUR); // 23:30 the same local day: 25 hours long
		expect(localDay(clock.now(), 'America/New_York')).toBe('2026-11-01');
		clock.advance(1 * HOUR);
		expect(localDay(clock.now(), 'America/New_York')).toBe('2026-11-02');
	});

	test('a person who flies east of the date line sees the count jump by the calendar, never backwards past start', () => {
		const t = Date.UTC(2026, 5, 1, 12);
		expect(daysBetween('2026-05-31', localDay(t, 'Pacific/Kiritimati'))).toBe(2);
		expect(daysBetween('2026-05-31', localDay(t, 'Pacific/Pago_Pago'))).toBe(1);
		expect(span('2026-06-05', '2026-06-01').days).toBe(0);
	});

	test('only real dates are days', () => {
		expect(isDay('2026-02-29')).toBe(false);
		expect(isDay('2028-02-29')).toBe(true);
		expect(isDay('2026-13-01')).toBe(false);
		expect(isDay('26-01-01')).toBe(false);
	});

	test('property: adding n days and counting back gives n, for any date and n', () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 60_000 }), fc.integer({ min: -5000, max: 5000 }), (base, n) => {
				const d = fromDayNumber(base);
				expect(daysBetween(d, addDays(d, n))).toBe(n);
			})
		);
	});
});

describe('days, weeks and months shown plainly', () => {
	test('a span breaks into calendar months, weeks and days', () => {
		expect(span('2026-01-31', '2026-02-28')).toEqual({ days: 28, months: 1, weeks: 0, restDays: 0 });
		expect(span('2026-01-01', '2026-03-17')).toEqual({ days: 75, months: 2, weeks: 2, restDays: 2 });
		expect(span('2026-01-01', '2026-01-01')).toEqual({ days: 0, months: 0, weeks: 0, restDays: 0 });
		expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
	});
});

describe('milestones', () => {
	test('1 day, 1 week, 30, 60, 90, 180 days, then every year; the next one is listed after those reached', () => {
		const list = milestones('2025-01-01', '2026-01-01');
		expect(list.map((m) => m.key)).toEqual(['d1', 'd7', 'd30', 'd60', 'd90', 'd180', 'y1', 'y2']);
		expect(list.at(-1)!.day).toBe('2027-01-01');
		expect(reached('2025-01-01', '2025-12-31').map((m) => m.key)).toEqual(['d1', 'd7', 'd30', 'd60', 'd90', 'd180']);
		expect(reached('2020-03-01', '2026-03-01').filter((m) => m.years).map((m) => m.years)).toEqual([1, 2, 3, 4, 5, 6]);
	});

	test('a custom milestone counts like the others, and nothing is reached on the first day', () => {
		expect(reached('2026-01-01', '2026-01-01')).toEqual([]);
		expect(reached('2026-01-01', '2026-01-15', [14]).map((m) => m.key)).toEqual(['d1', 'd7', 'd14']);
		expect(milestones('2026-01-01', '2026-01-15', [14]).at(-1)!.key).toBe('d30');
	});

	test('property: a milestone is reached exactly when its day has come', () => {
		fc.assert(
			fc.property(fc.integer({ min: 10_000, max: 30_000 }), fc.integer({ min: 0, max: 1500 }), (base, n) => {
				const start = fromDayNumber(base);
				const today = addDays(start, n);
				for (const m of reached(start, today)) expect(m.day <= today).toBe(true);
				for (const d of [1, 7, 30, 60, 90, 180]) expect(reached(start, today).some((m) => m.days === d)).toBe(n >= d);
			})
		);
	});
});

describe('streaks', () => {
	test('the current streak still counts while today has no check-in yet; a gap ends it', () => {
		const days = ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-05', '2026-01-06'];
		expect(streaks(days, '2026-01-06')).toEqual({ current: 2, longest: 3 });
		expect(streaks(days, '2026-01-07')).toEqual({ current: 2, longest: 3 });
		expect(streaks(days, '2026-01-08')).toEqual({ current: 0, longest: 3 });
		expect(streaks([], '2026-01-08')).toEqual({ current: 0, longest: 0 });
	});

	test('property: the longest streak is at least the current one and at most the number of days', () => {
		fc.assert(
			fc.property(fc.uniqueArray(fc.integer({ min: 20_000, max: 20_100 }), { maxLength: 60 }), fc.integer({ min: 20_000, max: 20_101 }), (ns, t) => {
				const s = streaks(ns.map(fromDayNumber), fromDayNumber(t));
				expect(s.longest).toBeGreaterThanOrEqual(s.current);
				expect(s.longest).toBeLessThanOrEqual(ns.length);
			})
		);
	});
});

describe('the progress content (§12)', () => {
	test('a milestone, a check-in, a counter and a stop round-trip', () => {
		for (const item of [
			{ k: 'milestone', days: 30 },
			{ k: 'milestone', years: 2 },
			{ k: 'checkin', day: '2026-01-02', mood: 4, craving: 2, tags: ['stress'], note: 'ok' },
			{ k: 'counter', id: 'abc', name: 'Alcohol', start: '2025-12-01', runs: [{ start: '2025-01-01', end: '2025-11-30' }] },
			{ k: 'stop' }
		] as const) {
			expect(parseContent(encodeContent({ t: 'progress', item } as never))).toEqual({ t: 'progress', item });
		}
	});

	test('bad items are refused: a milestone with both or neither count, a mood of 6, a date that does not exist, a long note', () => {
		for (const item of [
			{ k: 'milestone' },
			{ k: 'milestone', days: 30, years: 1 },
			{ k: 'checkin', day: '2026-01-02', mood: 6, craving: 2 },
			{ k: 'checkin', day: '2026-02-30', mood: 3, craving: 2 },
			{ k: 'checkin', day: '2026-01-02', mood: 3, craving: 2, note: 'x'.repeat(1001) },
			{ k: 'milestone', days: 30, start: '2026-01-01' }
		]) {
			expect(() => encodeContent({ t: 'progress', item } as never)).toThrow(/bad content/);
		}
	});
});
