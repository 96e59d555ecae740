import { describe, expect, test } from 'vitest';
import { ProgressBook } from './progress.ts';
import { ProgressError } from '../core/progress.ts';
import { memoryBackend, memoryKv } from '../storage/kv.ts';
import { Device } from '../storage/device.ts';
import { fakeClock } from '../../../test/kit/clock.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

async function code(p: Promise<unknown>): Promise<string> {
	try {
		await p;
	} catch (e) {
		if (e instanceof ProgressError) return e.code;
		throw e;
	}
	return 'ok';
}

describe('progress book (on the device)', () => {
	test('a counter cannot start in the future, nor before its last reset; nothing changes on a refusal', async () => {
		const clock = fakeClock(Date.UTC(2026, 4, 10, 9));
		const book = new ProgressBook(memoryKv(), clock.now, 'UTC');
		expect(await code(book.addCounter('Alcohol', '2026-05-11'))).toBe('future');
		expect(await code(book.addCounter('   ', '2026-05-01'))).toBe('name');
		expect(await book.counters()).toEqual([]);
		const c = await book.addCounter('Alcohol', '2026-04-01');
		clock.advance(3 * DAY);
		const reset = await book.reset(c.id);
		expect(reset.runs).toEqual([{ start: '2026-04-01', end: '2026-05-13' }]);
		expect(reset.start).toBe('2026-05-13');
		expect(await code(book.setStart(c.id, '2026-05-01'))).toBe('before-reset');
		expect((await book.counter(c.id)).start).toBe('2026-05-13');
	});

	test('a reset keeps earlier runs as achievements and restarts celebrations; milestones already behind a new counter are not news', async () => {
		const clock = fakeClock(Date.UTC(2026, 4, 10, 9));
		const book = new ProgressBook(memoryKv(), clock.now, 'UTC');
		const c = await book.addCounter('Alcohol', '2026-04-01');
		expect(await book.uncelebrated(c.id)).toEqual([]);
		clock.advance(DAY * 2);
		await book.reset(c.id);
		clock.advance(DAY * 7);
		expect((await book.uncelebrated(c.id)).map((m) => m.key)).toEqual(['d1', 'd7']);
		await book.markCelebrated(c.id, 'd7');
		await book.markCelebrated(c.id, 'd1');
		expect(await book.uncelebrated(c.id)).toEqual([]);
		await book.addMilestone(c.id, 10);
		clock.advance(DAY * 3);
		expect((await book.uncelebrated(c.id)).map((m) => m.key)).toEqual(['d10']);
		expect(await code(book.addMilestone(c.id, 0))).toBe('milestone');
	});

	test('one check-in per local day, editable that day; after midnight it is refused with nothing lost', async () => {
		const clock = fakeClock(Date.UTC(2026, 2, 28, 22, 50)); // 23:50 in Berlin, the night the clocks go forward
		const book = new ProgressBook(memoryKv(), clock.now, 'Europe/Berlin');
		const day = book.today();
		expect(day).toBe('2026-03-28');
		await book.checkIn(day, { mood: 3, craving: 4, tags: ['stress'], note: 'first' });
		const edited = await book.checkIn(day, { mood: 4, craving: 3, tags: ['stress', 'stress', ' sleep '], note: ' changed ' });
		expect(edited).toMatchObject({ day, mood: 4, craving: 3, tags: ['stress', 'sleep'], note: 'changed' });
		expect(await book.checkIns()).toHaveLength(1);
		clock.advance(20 * 60_000); // 00:10 on the 29th
		expect(await code(book.checkIn(day, { mood: 1, craving: 9, tags: [], note: 'late edit' }))).toBe('past-day');
		expect((await book.checkInOf(day))!.note).toBe('changed');
		expect(await code(book.checkIn('2026-03-30', { mood: 1, craving: 9, tags: [], note: '' }))).toBe('future');
		expect(await code(book.checkIn(book.today(), { mood: 3, craving: 1, tags: [], note: 'x'.repeat(1001) }))).toBe('note-long');
		expect(await book.checkInOf('2026-03-29')).toBeUndefined();
	});

	test('the reminder shows from its hour on, only while today has no check-in', async () => {
		const clock = fakeClock(Date.UTC(2026, 0, 5, 18)); // 19:00 in Berlin
		const book = new ProgressBook(memoryKv(), clock.now, 'Europe/Berlin');
		expect(await book.reminderDue()).toBe(false);
		await book.setReminder(true, 20);
		expect(await book.reminderDue()).toBe(false);
		clock.advance(HOUR);
		expect(await book.reminderDue()).toBe(true);
		await book.checkIn(book.today(), { mood: 3, craving: 2, tags: [], note: '' });
		expect(await book.reminderDue()).toBe(false);
	});

	test('export as CSV and JSON holds everything; a cell a spreadsheet would run is defused; delete removes it all', async () => {
		const store = memoryKv();
		const book = new ProgressBook(store, fakeClock(Date.UTC(2026, 0, 5, 12)).now, 'UTC');
		await book.addCounter('Alcohol', '2026-01-01');
		await book.checkIn(book.today(), { mood: 2, craving: 5, tags: ['stress'], note: '=HYPERLINK("x"), "quoted"\nsecond line' });
		const csv = await book.exportCsv();
		expect(csv.split('\r\n')[0]).toBe('kind,name,start,end,day,mood,craving,tags,note');
		expect(csv).toContain(`check-in,,,,2026-01-05,2,5,stress,"'=HYPERLINK(""x""), ""quoted""\nsecond line"`);
		const json = JSON.parse(await book.exportJson());
		expect(json.counters[0].name).toBe('Alcohol');
		expect(json.checkins[0].tags).toEqual(['stress']);
		await book.deleteAll();
		expect(await store.keys('progress/')).toEqual([]);
		expect(JSON.parse(await book.exportJson())).toMatchObject({ counters: [], checkins: [] });
	});

	test('P10 data at rest: progress is sealed under hashed names, locks with the device and travels in the backup', async () => {
		const cheap = { ops: 1, mem: 8192 };
		const backend = memoryBackend();
		const device = new Device(backend, cheap);
		const store = await device.create('correct horse battery');
		const clock = fakeClock(Date.UTC(2026, 0, 5, 12));
		const book = new ProgressBook(store, clock.now, 'UTC');
		await book.addCounter('Gambling', '2026-01-01');
		await book.checkIn(book.today(), { mood: 4, craving: 1, tags: ['saltmarsh'], note: 'a calm evening by the pier' });
		for (const [name, value] of backend.raw) {
			for (const secret of ['progress', 'Gambling', 'saltmarsh', 'calm evening', '2026-01-05']) {
				expect(name.includes(secret) || Buffer.from(value).includes(Buffer.from(secret))).toBe(false);
			}
		}
		const file = await device.exportBackup(store, 'backup passphrase');
		store.lock();
		await expect(book.checkIns()).rejects.toMatchObject({ code: 'PROTOCOL_LOCKED' });
		const fresh = new Device(memoryBackend(), cheap);
		const restored = new ProgressBook(await fresh.restoreBackup(file, 'backup passphrase', null), clock.now, 'UTC');
		expect((await restored.counters()).map((c) => c.name)).toEqual(['Gambling']);
		expect((await restored.checkIns())[0]).toMatchObject({ note: 'a calm evening by the pier', tags: ['saltmarsh'] });
	});
});
