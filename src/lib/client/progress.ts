/**
 * Progress over time (issue 11), kept on this device only: counters, daily check-ins and the
 * sharing choices, as JSON records in the one sealed Kv (record names hashed, sealed at rest,
 * locked with the device, carried by the backup because it copies every record). Key layout:
 *   progress/n/<id>      a counter
 *   progress/c/<day>     the check-in of one local day
 *   progress/s           settings: the reminder and, per conversation, what is shared
 * Sharing (§12) sends `progress` contents through the ordinary message path; nothing is shared
 * until the person turns it on for a conversation.
 */
import type { UnseenClientApi } from './api.ts';
import { getJson, listJson, prefixDeletes, putJson } from './store.ts';
import { del, type Kv } from '../storage/kv.ts';
import {
	addDays,
	isDay,
	localDay,
	MAX_COUNTER_NAME,
	MAX_MILESTONE_DAYS,
	MAX_NOTE,
	MAX_TAG,
	MAX_TAGS,
	ProgressError,
	reached,
	type Day,
	type Milestone,
	type ProgressItem
} from '../core/progress.ts';

export interface Run {
	start: Day;
	end: Day;
}

export interface Counter {
	id: string;
	name: string;
	/** First day of the current run. */
	start: Day;
	/** Earlier runs, oldest first: kept as achievements after a reset. */
	runs: Run[];
	/** Custom milestones, in days. */
	custom: number[];
	/** Keys of the milestones of the current run already celebrated on this device. */
	celebrated: string[];
	created: number;
}

export interface CheckIn {
	day: Day;
	mood: number;
	craving: number;
	tags: string[];
	note: string;
	at: number;
	edited?: number;
}

export interface ShareChoice {
	checkins: boolean;
	/** The check-ins' notes too (off unless chosen). */
	notes: boolean;
	counters: boolean;
	since: number;
}

export interface ProgressSettings {
	/** A gentle reminder while the app is open, from this local hour on, when today has no check-in. */
	reminder: { on: boolean; hour: number };
	/** Per conversation (group id): what is shared there. Absent: nothing. */
	shares: Record<string, ShareChoice>;
}

const PREFIX = 'progress/';
const counterKey = (id: string) => `progress/n/${id}`;
const checkInKey = (day: Day) => `progress/c/${day}`;
const SETTINGS = 'progress/s';
/** Check-ins sent when sharing starts: the last 30 days. */
export const SHARE_BACKLOG_DAYS = 30;

export type CheckInInput = Pick<CheckIn, 'mood' | 'craving' | 'tags' | 'note'>;

function randomId(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(12));
	return btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export class ProgressBook {
	readonly #store: Kv;
	readonly #now: () => number;
	readonly #timeZone: string | undefined;

	constructor(store: Kv, now: () => number = Date.now, timeZone?: string) {
		this.#store = store;
		this.#now = now;
		this.#timeZone = timeZone;
	}

	/** Today, as the person's local calendar day. */
	today(): Day {
		return localDay(this.#now(), this.#timeZone);
	}

	now(): number {
		return this.#now();
	}

	async counters(): Promise<Counter[]> {
		return (await listJson<Counter>(this.#store, 'progress/n/')).map((r) => r.value).sort((a, b) => a.created - b.created);
	}

	async counter(id: string): Promise<Counter> {
		const c = await getJson<Counter>(this.#store, counterKey(id));
		if (!c) throw new ProgressError('unknown-counter', 'no such counter');
		return c;
	}

	#checkStart(start: Day, previous?: Run): void {
		if (!isDay(start)) throw new ProgressError('bad-day', 'not a date');
		if (start > this.today()) throw new ProgressError('future', 'the start date is in the future');
		if (previous && start < previous.end) throw new ProgressError('before-reset', 'the start date is before the last reset');
	}

	#checkName(name: string): string {
		const trimmed = name.trim();
		if (trimmed.length === 0 || trimmed.length > MAX_COUNTER_NAME) throw new ProgressError('name', 'a counter needs a name of 1 to 40 characters');
		return trimmed;
	}

	async addCounter(name: string, start: Day): Promise<Counter> {
		const clean = this.#checkName(name);
		this.#checkStart(start);
		const counter: Counter = { id: randomId(), name: clean, start, runs: [], custom: [], celebrated: [], created: this.#now() };
		// Milestones already behind a counter started in the past are not celebrated as news.
		counter.celebrated = reached(start, this.today()).map((m) => m.key);
		await putJson(this.#store, counterKey(counter.id), counter);
		return counter;
	}

	async rename(id: string, name: string): Promise<Counter> {
		const c = { ...(await this.counter(id)), name: this.#checkName(name) };
		await putJson(this.#store, counterKey(id), c);
		return c;
	}

	/** Corrects the current run's start date (not in the future, not before the last reset). */
	async setStart(id: string, start: Day): Promise<Counter> {
		const c = await this.counter(id);
		this.#checkStart(start, c.runs.at(-1));
		const next = { ...c, start, celebrated: reached(start, this.today(), c.custom).map((m) => m.key) };
		await putJson(this.#store, counterKey(id), next);
		return next;
	}

	/** A gentle reset: the run so far is kept as an achievement and a new one starts today. */
	async reset(id: string): Promise<Counter> {
		const c = await this.counter(id);
		const today = this.today();
		const runs = c.start < today ? [...c.runs, { start: c.start, end: today }] : c.runs;
		const next = { ...c, start: today, runs, celebrated: [] };
		await putJson(this.#store, counterKey(id), next);
		return next;
	}

	async addMilestone(id: string, days: number): Promise<Counter> {
		if (!Number.isInteger(days) || days < 1 || days > MAX_MILESTONE_DAYS) throw new ProgressError('milestone', 'a milestone is a whole number of days');
		const c = await this.counter(id);
		if (c.custom.includes(days)) return c;
		const custom = [...c.custom, days].sort((a, b) => a - b);
		const already = addDays(c.start, days) <= this.today();
		const next = { ...c, custom, celebrated: already ? [...c.celebrated, `d${days}`] : c.celebrated };
		await putJson(this.#store, counterKey(id), next);
		return next;
	}

	async removeMilestone(id: string, days: number): Promise<Counter> {
		const c = await this.counter(id);
		const next = { ...c, custom: c.custom.filter((d) => d !== days) };
		await putJson(this.#store, counterKey(id), next);
		return next;
	}

	/** Milestones reached in the current run and not yet celebrated here. */
	async uncelebrated(id: string): Promise<Milestone[]> {
		const c = await this.counter(id);
		return reached(c.start, this.today(), c.custom).filter((m) => !c.celebrated.includes(m.key));
	}

	async markCelebrated(id: string, key: string): Promise<void> {
		const c = await this.counter(id);
		if (!c.celebrated.includes(key)) await putJson(this.#store, counterKey(id), { ...c, celebrated: [...c.celebrated, key] });
	}

	async removeCounter(id: string): Promise<void> {
		await this.#store.batch([del(counterKey(id))]);
	}

	async checkIns(): Promise<CheckIn[]> {
		return (await listJson<CheckIn>(this.#store, 'progress/c/')).map((r) => r.value).sort((a, b) => (a.day < b.day ? -1 : 1));
	}

	async checkInOf(day: Day): Promise<CheckIn | undefined> {
		return getJson<CheckIn>(this.#store, checkInKey(day));
	}

	/**
	 * Saves today's check-in, or changes it. `day` is the day the form was opened for: when the
	 * date has changed since (past midnight), nothing is written and 'past-day' says so, so the
	 * screen keeps what was typed and can offer to save it for today.
	 */
	async checkIn(day: Day, input: CheckInInput): Promise<CheckIn> {
		const today = this.today();
		if (day !== today) throw new ProgressError(day > today ? 'future' : 'past-day', 'a check-in is for today only');
		const clean = validateCheckIn(input);
		const old = await this.checkInOf(day);
		const record: CheckIn = old ? { ...old, ...clean, edited: this.#now() } : { day, ...clean, at: this.#now() };
		await putJson(this.#store, checkInKey(day), record);
		return record;
	}

	async settings(): Promise<ProgressSettings> {
		return (await getJson<ProgressSettings>(this.#store, SETTINGS)) ?? { reminder: { on: false, hour: 20 }, shares: {} };
	}

	async setReminder(on: boolean, hour: number): Promise<void> {
		const s = await this.settings();
		await putJson(this.#store, SETTINGS, { ...s, reminder: { on, hour: Math.min(23, Math.max(0, Math.trunc(hour))) } });
	}

	/** True while the optional reminder should show: it is on, it is past its hour, and today has no check-in. */
	async reminderDue(): Promise<boolean> {
		const { reminder } = await this.settings();
		if (!reminder.on) return false;
		const hour = Number(new Intl.DateTimeFormat('en-US', { timeZone: this.#timeZone, hour: 'numeric', hourCycle: 'h23' }).format(new Date(this.#now())));
		return hour >= reminder.hour && !(await this.checkInOf(this.today()));
	}

	/** Everything, for the person's own download. */
	async exportJson(): Promise<string> {
		const data = { kind: 'progress', exported: this.today(), counters: await this.counters(), checkins: await this.checkIns() };
		return JSON.stringify(data, null, 2);
	}

	async exportCsv(): Promise<string> {
		const rows: string[][] = [['kind', 'name', 'start', 'end', 'day', 'mood', 'craving', 'tags', 'note']];
		for (const c of await this.counters()) {
			for (const r of c.runs) rows.push(['earlier run', c.name, r.start, r.end, '', '', '', '', '']);
			rows.push(['counter', c.name, c.start, '', '', '', '', '', '']);
		}
		for (const k of await this.checkIns()) rows.push(['check-in', '', '', '', k.day, String(k.mood), String(k.craving), k.tags.join('; '), k.note]);
		return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
	}

	/** Deletes every counter, check-in and setting of progress on this device, in one step. */
	async deleteAll(): Promise<void> {
		await this.#store.batch(await prefixDeletes(this.#store, PREFIX));
	}

	// ---- Sharing (§12) ----

	async #setShare(group: string, choice: ShareChoice | null): Promise<void> {
		const s = await this.settings();
		const shares = { ...s.shares };
		if (choice) shares[group] = choice;
		else delete shares[group];
		await putJson(this.#store, SETTINGS, { ...s, shares });
	}

	/** The items sharing would send for `choice` now: counters, then the last 30 days of check-ins. */
	async shareItems(choice: Pick<ShareChoice, 'checkins' | 'notes' | 'counters'>): Promise<ProgressItem[]> {
		const items: ProgressItem[] = [];
		if (choice.counters) for (const c of await this.counters()) items.push(counterItem(c));
		if (choice.checkins) {
			const from = addDays(this.today(), -(SHARE_BACKLOG_DAYS - 1));
			for (const k of await this.checkIns()) if (k.day >= from) items.push(checkInItem(k, choice.notes));
		}
		return items;
	}

	/** Starts (or changes) sharing with conversation `group`, sending what the choice covers. */
	async startSharing(client: Pick<UnseenClientApi, 'shareProgress'>, group: string, choice: Pick<ShareChoice, 'checkins' | 'notes' | 'counters'>): Promise<void> {
		const full: ShareChoice = { checkins: choice.checkins, notes: choice.checkins && choice.notes, counters: choice.counters, since: this.#now() };
		if (!full.checkins && !full.counters) return this.stopSharing(client, group);
		await this.#setShare(group, full);
		for (const item of await this.shareItems(full)) await client.shareProgress(group, item);
	}

	/** Stops sharing: nothing more is sent, and the other side is told sharing stopped. */
	async stopSharing(client: Pick<UnseenClientApi, 'shareProgress'>, group: string): Promise<void> {
		const had = (await this.settings()).shares[group];
		await this.#setShare(group, null);
		if (had) await client.shareProgress(group, { k: 'stop' });
	}

	/** After a check-in or a counter change: sends it to every conversation that shares it. Returns the groups it went to. */
	async shareChange(client: Pick<UnseenClientApi, 'shareProgress'>, change: { checkin?: CheckIn; counter?: Counter }, isOpen: (group: string) => boolean = () => true): Promise<string[]> {
		const sent: string[] = [];
		for (const [group, choice] of Object.entries((await this.settings()).shares)) {
			if (!isOpen(group)) continue;
			if (change.checkin && choice.checkins) await client.shareProgress(group, checkInItem(change.checkin, choice.notes));
			else if (change.counter && choice.counters) await client.shareProgress(group, counterItem(change.counter));
			else continue;
			sent.push(group);
		}
		return sent;
	}
}

export function counterItem(c: Counter): ProgressItem {
	return { k: 'counter', id: c.id, name: c.name, start: c.start, ...(c.runs.length ? { runs: c.runs.slice(-100) } : {}) };
}

export function checkInItem(k: CheckIn, notes: boolean): ProgressItem {
	return {
		k: 'checkin',
		day: k.day,
		mood: k.mood,
		craving: k.craving,
		...(k.tags.length ? { tags: k.tags } : {}),
		...(notes && k.note ? { note: k.note } : {})
	};
}

/** The celebration card for a group: the milestone only (never a date). */
export function milestoneItem(m: Milestone): ProgressItem {
	return m.years !== undefined ? { k: 'milestone', years: m.years } : { k: 'milestone', days: m.days! };
}

export function validateCheckIn(input: CheckInInput): CheckInInput {
	if (!Number.isInteger(input.mood) || input.mood < 1 || input.mood > 5) throw new ProgressError('bad-day', 'choose a mood');
	if (!Number.isInteger(input.craving) || input.craving < 0 || input.craving > 10) throw new ProgressError('bad-day', 'craving is 0 to 10');
	const note = input.note.trim();
	if (note.length > MAX_NOTE) throw new ProgressError('note-long', 'the note is too long');
	const tags = [...new Set(input.tags.map((t) => t.trim()).filter(Boolean))];
	if (tags.length > MAX_TAGS || tags.some((t) => t.length > MAX_TAG)) throw new ProgressError('tag', 'too many or too long tags');
	return { mood: input.mood, craving: input.craving, tags, note };
}

/** A CSV cell: quoted when needed; a leading = + - @ is defused so a spreadsheet shows it as text. */
function csvCell(value: string): string {
	const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
	return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Folded view of one sender's shared items in a conversation (what the sponsor's chart shows). */
export interface SharedView {
	sender: string;
	senderName: string | null;
	counters: { id: string; name: string; start: Day; runs: Run[] }[];
	checkins: { day: Day; mood: number; craving: number; tags: string[]; note: string }[];
	milestones: { days?: number; years?: number; ts: number }[];
	/** Sharing was stopped (the last item is a stop). */
	stopped: boolean;
	last: number;
}

/**
 * Folds the `progress` messages of a conversation per sender, in relay order: a later check-in
 * for the same day, or a later counter with the same id, replaces the earlier one.
 */
export function foldShared(messages: readonly { kind: string; sender: string; senderName: string | null; progress?: ProgressItem; ts: number; deleted?: boolean; hidden?: boolean }[]): SharedView[] {
	const by = new Map<string, { view: SharedView; counters: Map<string, SharedView['counters'][number]>; checkins: Map<Day, SharedView['checkins'][number]> }>();
	for (const m of messages) {
		if (m.kind !== 'progress' || !m.progress || m.deleted || m.hidden) continue;
		let entry = by.get(m.sender);
		if (!entry) {
			entry = { view: { sender: m.sender, senderName: m.senderName, counters: [], checkins: [], milestones: [], stopped: false, last: 0 }, counters: new Map(), checkins: new Map() };
			by.set(m.sender, entry);
		}
		const item = m.progress;
		entry.view.senderName = m.senderName ?? entry.view.senderName;
		entry.view.last = m.ts;
		entry.view.stopped = item.k === 'stop';
		if (item.k === 'checkin') entry.checkins.set(item.day, { day: item.day, mood: item.mood, craving: item.craving, tags: item.tags ?? [], note: item.note ?? '' });
		if (item.k === 'counter') entry.counters.set(item.id, { id: item.id, name: item.name, start: item.start, runs: item.runs ?? [] });
		if (item.k === 'milestone') entry.view.milestones.push({ ...(item.days !== undefined ? { days: item.days } : { years: item.years! }), ts: m.ts });
	}
	return [...by.values()].map(({ view, counters, checkins }) => ({
		...view,
		counters: [...counters.values()],
		checkins: [...checkins.values()].sort((a, b) => (a.day < b.day ? -1 : 1))
	}));
}
