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
