/**
 * Progress shared with a sponsor (§12), over the real relay: nothing is shared by default, the
 * mentee turns sharing on, the sponsor's side folds the items into the same chart data per
 * sender, edits of today's check-in replace the earlier one, stopping sends a stop and nothing
 * more; the relay's files never hold a note or a tag word in the clear.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startClient, startRelay, stopAll, until, type Relay, type TestClient } from './harness.ts';
import { foldShared, milestoneItem, ProgressBook } from '../../src/lib/client/progress.ts';
import { reached } from '../../src/lib/core/progress.ts';
import { memoryKv } from '../../src/lib/storage/kv.ts';
import { fakeClock } from '../kit/clock.ts';
import { expectCode } from '../kit/expect-code.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
});

const DAY = 86_400_000;
const NOTE = 'walked by the river after the meeting';
const TAG = 'quietharbourtag';

function filesContain(dir: string, needle: string): boolean {
	const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
	return walk(dir).some((f) => readFileSync(f).includes(needle));
}

async function paired() {
	relay = await startRelay();
	const [sponsor, mentee] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
	clients.push(sponsor, mentee);
	const code = await mentee.client.offerPair();
	const id = await sponsor.client.createPair(code, 'Rowan');
	await mentee.client.acceptPair(id, code, 'Sky');
	return { sponsor, mentee, id };
}

describe('sharing progress with a sponsor (§12)', () => {
	test('nothing is shared by default; once on, the sponsor sees counters and check-ins per sender; an edit replaces; stop stops', async () => {
		const { sponsor, mentee, id } = await paired();
		const clock = fakeClock(Date.UTC(2026, 2, 1, 12));
		const book = new ProgressBook(memoryKv(), clock.now, 'Europe/Berlin');
		const counter = await book.addCounter('Alcohol', '2026-02-01');
		for (let i = 0; i < 3; i++) {
			await book.checkIn(book.today(), { mood: 2 + i, craving: 7 - i, tags: [TAG], note: `${NOTE} ${i}` });
			// A check-in while nothing is shared goes nowhere.
			expect(await book.shareChange(mentee.client, { checkin: (await book.checkInOf(book.today()))! })).toEqual([]);
			clock.advance(DAY);
		}
		await mentee.client.send(id, { text: 'hello' });
		await until(() => sponsor.client.messages(id).some((m) => m.text === 'hello'), 10_000, 'hello');
		expect(foldShared(sponsor.client.messages(id))).toEqual([]);

		await book.startSharing(mentee.client, id, { checkins: true, notes: false, counters: true });
		await until(() => foldShared(sponsor.client.messages(id))[0]?.checkins.length === 3, 10_000, 'shared check-ins');
		let [view] = foldShared(sponsor.client.messages(id));
		expect(view).toMatchObject({ senderName: 'Sky', stopped: false, counters: [{ name: 'Alcohol', start: '2026-02-01' }] });
		expect(view!.checkins.map((k) => [k.day, k.mood, k.craving, k.tags, k.note])).toEqual([
			['2026-03-01', 2, 7, [TAG], ''],
			['2026-03-02', 3, 6, [TAG], ''],
			['2026-03-03', 4, 5, [TAG], '']
		]);
		// The mentee's own screen folds the same items: the same chart on both sides.
		await until(() => foldShared(mentee.client.messages(id))[0]?.checkins.length === 3, 10_000, 'own copy');

		// Today's check-in changed the same day: the sponsor's chart shows the new one only.
		const edited = await book.checkIn(book.today(), { mood: 5, craving: 1, tags: [], note: '' });
		expect(await book.shareChange(mentee.client, { checkin: edited })).toEqual([id]);
		await until(() => foldShared(sponsor.client.messages(id))[0]!.checkins.some((k) => k.day === '2026-03-04' && k.mood === 5), 10_000, 'edit');
		const again = await book.checkIn(book.today(), { mood: 4, craving: 2, tags: [], note: '' });
		await book.shareChange(mentee.client, { checkin: again });
		await until(() => foldShared(sponsor.client.messages(id))[0]!.checkins.some((k) => k.day === '2026-03-04' && k.mood === 4), 10_000, 'second edit');
		expect(foldShared(sponsor.client.messages(id))[0]!.checkins.filter((k) => k.day === '2026-03-04')).toHaveLength(1);

		// A reset reaches the sponsor with the earlier run kept.
		const reset = await book.reset(counter.id);
		await book.shareChange(mentee.client, { counter: reset });
		await until(() => foldShared(sponsor.client.messages(id))[0]!.counters[0]!.runs.length === 1, 10_000, 'reset');

		await book.stopSharing(mentee.client, id);
		await until(() => foldShared(sponsor.client.messages(id))[0]!.stopped, 10_000, 'stopped');
		clock.advance(DAY);
		const after = await book.checkIn(book.today(), { mood: 1, craving: 9, tags: [], note: 'not for anyone' });
		expect(await book.shareChange(mentee.client, { checkin: after })).toEqual([]);
		view = foldShared(sponsor.client.messages(id))[0];
		expect(view!.checkins.map((k) => k.day)).not.toContain('2026-03-05');

		// The relay holds ciphertext only: no note, no tag word.
		for (const needle of [NOTE, TAG, 'Alcohol', '2026-03-0']) expect(filesContain(relay!.dir, needle)).toBe(false);
		// Positive control: these are the files where the relay stored this very pair.
		expect(filesContain(relay!.dir, id)).toBe(true);
	});

	test('notes are shared only when chosen', async () => {
		const { sponsor, mentee, id } = await paired();
		const book = new ProgressBook(memoryKv(), fakeClock(Date.UTC(2026, 2, 1, 12)).now, 'UTC');
		await book.checkIn(book.today(), { mood: 3, craving: 4, tags: [], note: NOTE });
		await book.startSharing(mentee.client, id, { checkins: true, notes: true, counters: false });
		await until(() => foldShared(sponsor.client.messages(id))[0]?.checkins[0]?.note === NOTE, 10_000, 'note');
		expect(foldShared(sponsor.client.messages(id))[0]!.counters).toEqual([]);
	});

	test('a milestone card in a group carries the count only, never the start date', async () => {
		const { sponsor, mentee, id } = await paired();
		const book = new ProgressBook(memoryKv(), fakeClock(Date.UTC(2026, 2, 1, 12)).now, 'UTC');
		const c = await book.addCounter('Gambling', '2026-01-30');
		const m = reached(c.start, book.today()).at(-1)!;
		expect(milestoneItem(m)).toEqual({ k: 'milestone', days: 30 });
		await mentee.client.shareProgress(id, milestoneItem(m));
		await until(() => sponsor.client.messages(id).some((x) => x.kind === 'progress'), 10_000, 'card');
		const card = sponsor.client.messages(id).find((x) => x.kind === 'progress')!;
		expect(card.progress).toEqual({ k: 'milestone', days: 30 });
		expect(JSON.stringify(card)).not.toContain('2026-01-30');
	});

	test('a malformed progress item is refused before anything is kept', async () => {
		const { mentee, id } = await paired();
		await expectCode(mentee.client.shareProgress(id, { k: 'checkin', day: '2026-02-30', mood: 3, craving: 1 }), 'PROTOCOL_BAD_FRAME');
		expect(mentee.client.messages(id).filter((m) => m.kind === 'progress')).toEqual([]);
	});
});
