/**
 * Progress over time (issue 11): day counting, milestones, streaks, and the `progress` content
 * shared in a conversation (docs/PROTOCOL.md §12). Pure: a day is the user's LOCAL calendar day,
 * written `YYYY-MM-DD`; the time zone is a parameter, so tests pin it and DST changes (a 23 or
 * 25 hour day) never move a count. Counting works on calendar dates, never on elapsed hours.
 */
import * as v from 'valibot';

/** A local calendar day, `YYYY-MM-DD`. */
export type Day = string;

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Local problems with what a person typed; each has its own sentence (words/progress.ts). */
export type ProgressCode =
	| 'future'
	| 'before-reset'
	| 'past-day'
	| 'note-long'
	| 'name'
	| 'bad-day'
	| 'unknown-counter'
	| 'milestone'
	| 'tag';

export class ProgressError extends Error {
	readonly code: ProgressCode;
	constructor(code: ProgressCode, message: string) {
		super(message);
		this.name = 'ProgressError';
		this.code = code;
	}
}

export const MAX_NOTE = 1000;
export const MAX_COUNTER_NAME = 40;
export const MAX_TAG = 24;
export const MAX_TAGS = 8;
/** Largest custom milestone: 100 years. */
export const MAX_MILESTONE_DAYS = 36_500;

/** True for a real calendar date written `YYYY-MM-DD` (no 2025-02-30). */
export function isDay(value: string): boolean {
	const m = DAY_RE.exec(value);
	if (!m) return false;
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	if (y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1) return false;
	return d <= daysInMonth(y, mo);
}

function daysInMonth(year: number, month: number): number {
	return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parts(day: Day): [number, number, number] {
	if (!isDay(day)) throw new ProgressError('bad-day', `not a date: ${day}`);
	const m = DAY_RE.exec(day)!;
	return [Number(m[1]), Number(m[2]), Number(m[3])];
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function fromUtc(date: Date): Day {
	return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** Day number since 1970-01-01 of a calendar date (no time zone is involved). */
export function dayNumber(day: Day): number {
	const [y, m, d] = parts(day);
	return Math.round(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

export function fromDayNumber(n: number): Day {
	return fromUtc(new Date(n * MS_PER_DAY));
}

export function addDays(day: Day, n: number): Day {
	return fromDayNumber(dayNumber(day) + n);
}

/** Calendar days from `a` to `b` (negative when `b` is earlier). */
export function daysBetween(a: Day, b: Day): number {
	return dayNumber(b) - dayNumber(a);
}

/** `day` plus `n` calendar months; a day missing in the target month becomes its last day (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(day: Day, n: number): Day {
	const [y, m, d] = parts(day);
	const total = y * 12 + (m - 1) + n;
	const year = Math.floor(total / 12);
	const month = (total % 12) + 1;
	return `${pad(year, 4)}-${pad(month)}-${pad(Math.min(d, daysInMonth(year, month)))}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The local day at instant `ms` in time zone `timeZone` (an IANA name; undefined: this
 * device's). Midnight belongs to the new day.
 */
export function localDay(ms: number, timeZone?: string): Day {
	const key = timeZone ?? '';
	let f = formatters.get(key);
	if (!f) {
		f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hourCycle: 'h23' });
		formatters.set(key, f);
	}
	const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
	return `${p.year}-${p.month}-${p.day}`;
}

/** A plain breakdown of a count of days since `start` up to `today`: whole months, then weeks and days. */
export interface Span {
	days: number;
	months: number;
	weeks: number;
	restDays: number;
}

export function span(start: Day, today: Day): Span {
	const days = Math.max(0, daysBetween(start, today));
	let months = 0;
	while (months < 12 * 200 && addMonths(start, months + 1) <= today) months++;
	const after = days - daysBetween(start, addMonths(start, months));
	return { days, months, weeks: Math.floor(after / 7), restDays: after % 7 };
}

/** The milestones every counter has: days, then years (counted in calendar years). */
export const STANDARD_DAYS = [1, 7, 30, 60, 90, 180] as const;

export interface Milestone {
	/** `d<n>` for a count of days, `y<n>` for calendar years. */
	key: string;
	days?: number;
	years?: number;
	custom: boolean;
	/** The local day it is reached. */
	day: Day;
}

/**
 * The milestones of a run that starts on `start`, in order, up to `until` (inclusive) plus the
 * next one after it: the standard ones, every year, and `custom` day counts.
 */
export function milestones(start: Day, until: Day, custom: readonly number[] = []): Milestone[] {
	const all: Milestone[] = [];
	const seen = new Set<string>();
	const add = (m: Milestone) => {
		if (seen.has(m.key)) return;
		seen.add(m.key);
		all.push(m);
	};
	for (const d of STANDARD_DAYS) add({ key: `d${d}`, days: d, custom: false, day: addDays(start, d) });
	for (const d of custom) add({ key: `d${d}`, days: d, custom: true, day: addDays(start, d) });
	const yearsSoFar = Math.max(0, Math.floor(daysBetween(start, until) / 365) + 1);
	for (let y = 1; y <= yearsSoFar + 1; y++) add({ key: `y${y}`, years: y, custom: false, day: addMonths(start, 12 * y) });
	all.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : (a.days ?? a.years! * 365) - (b.days ?? b.years! * 365)));
	const reached = all.filter((m) => m.day <= until);
	const next = all.find((m) => m.day > until);
	return next ? [...reached, next] : reached;
}

/** The milestones reached on or before `today`. */
export function reached(start: Day, today: Day, custom: readonly number[] = []): Milestone[] {
	return milestones(start, today, custom).filter((m) => m.day <= today);
}

/** Streaks of consecutive days in a set of days (check-ins). */
export interface Streaks {
	/** Days in a row up to today, or up to yesterday while today has no check-in yet. */
	current: number;
	longest: number;
}

export function streaks(days: Iterable<Day>, today: Day): Streaks {
	const numbers = [...new Set([...days].filter(isDay).map(dayNumber))].sort((a, b) => a - b);
	let longest = 0;
	let run = 0;
	let prev = Number.NaN;
	for (const n of numbers) {
		run = n === prev + 1 ? run + 1 : 1;
		longest = Math.max(longest, run);
		prev = n;
	}
	const set = new Set(numbers);
	const t = dayNumber(today);
	let end = set.has(t) ? t : t - 1;
	let current = 0;
	while (set.has(end)) {
		current++;
		end--;
	}
	return { current, longest };
}

/** The check-in's words for a mood, 1 (lowest) to 5; the UI shows them (words/progress.ts). */
export const MOODS = [1, 2, 3, 4, 5] as const;
export type Mood = (typeof MOODS)[number];

/** Suggested tags; a person may add their own (at most MAX_TAG characters). */
export const SUGGESTED_TAGS = ['slept well', 'poor sleep', 'stress', 'meeting attended', 'exercise', 'talked to someone', 'lonely', 'work'] as const;

// ---- The `progress` content (docs/PROTOCOL.md §12) ----

const day = v.pipe(v.string(), v.check(isDay, 'a date YYYY-MM-DD'));
const count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_MILESTONE_DAYS));
const tag = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_TAG));
const counterId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,22}$/));
const counterName = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_COUNTER_NAME));

/** One shared item; `k` tells what it is. */
export const progressItemSchema = v.variant('k', [
	/** A daily check-in (a later one for the same day replaces it). */
	v.strictObject({
		k: v.literal('checkin'),
		day,
		mood: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5)),
		craving: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10)),
		tags: v.optional(v.pipe(v.array(tag), v.maxLength(MAX_TAGS))),
		note: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_NOTE)))
	}),
	/** A counter as it stands (a later one with the same id replaces it); `runs` are earlier, reset runs. */
	v.strictObject({
		k: v.literal('counter'),
		id: counterId,
		name: counterName,
		start: day,
		runs: v.optional(v.pipe(v.array(v.strictObject({ start: day, end: day })), v.maxLength(100)))
	}),
	/** A reached milestone: in a group, only the count, never a date. */
	v.pipe(
		v.strictObject({
			k: v.literal('milestone'),
			days: v.optional(v.pipe(count, v.minValue(1))),
			years: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100))),
			name: v.optional(counterName)
		}),
		v.check((m) => (m.days === undefined) !== (m.years === undefined), 'a milestone is a count of days or of years')
	),
	/** The sender stopped sharing with this conversation. */
	v.strictObject({ k: v.literal('stop') })
]);
export type ProgressItem = v.InferOutput<typeof progressItemSchema>;

export const progressContentSchema = v.strictObject({ t: v.literal('progress'), item: progressItemSchema });
