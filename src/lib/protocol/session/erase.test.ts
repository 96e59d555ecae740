/**
 * Tombstones in the backlog (docs/PROTOCOL.md §9.8a): a sender-signed erase counts its counter
 * as received; its `by` must be the sender's delete of it, else the sender is named.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { Envelope } from '../../core/schema.ts';
import { ready } from '../../crypto/sodium.ts';
import { signErase } from '../../crypto/erase.ts';
import { nextStep } from './send.ts';
import { texts, warns, world } from './world.fixture.ts';
import type { SessionEvent } from './types.ts';

beforeAll(() => ready());

const abouts = (events: SessionEvent[]) => events.flatMap((e) => (e.type === 'warning' ? [e.about] : []));

describe('erased messages in the backlog (§9.8a)', () => {
	/** Bo says three things while Ash is away; `erase(i, by)` turns Bo's i-th entry into Bo's signed tombstone naming `by`. */
	function setup() {
		const w = world(['ash', 'bo']);
		const [ash, bo] = w.sessions as [NonNullable<(typeof w.sessions)[0]>, NonNullable<(typeof w.sessions)[1]>];
		w.sync(ash);
		const said = ['one', 'two', 'three'].map((t) => w.say(bo, t));
		const erase = (i: number, by: number, sign = bo.id.signSk) => {
			const item = said[i]!;
			const msg = (item.entry as { msg: Envelope }).msg;
			const sig = signErase(sign, { group: w.group, seq: item.seq, epoch: msg.epoch, ctr: msg.ctr, by });
			item.entry = { erased: { sender: msg.sender, epoch: msg.epoch, ctr: msg.ctr, by, sig } };
			return msg;
		};
		return { w, ash, bo, said, erase };
	}

	test('P6 transcript integrity: a tombstone followed by the sender\'s delete of it raises no gap', () => {
		const { w, ash, bo, said, erase } = setup();
		const msg = erase(0, w.log.length + 1);
		w.sync(bo);
		const step = nextStep(bo, { t: 'delete', to: { sender: msg.sender, epoch: msg.epoch, ctr: msg.ctr } }, w.clock.now);
		w.put(bo, step);
		const events = w.sync(ash);
		expect(warns(events)).toEqual([]);
		expect(texts(events)).toEqual(['two', 'three']);
	});

	test('P6 transcript integrity: a sender who erases a message without deleting it is named (gap), and the chain reads on', () => {
		const { w, ash, said, erase } = setup();
		erase(0, said[1]!.seq);
		const events = w.sync(ash);
		expect(abouts(events)).toEqual(['erased-without-delete']);
		expect(texts(events)).toEqual(['two', 'three']);
	});

	test('P6 transcript integrity: a relay that drops the sender\'s delete and numbers the entries after it one lower is named, not the sender (review of issue 9, D)', () => {
		const { w, ash, said, erase } = setup();
		// "two" stands for Bo's delete of "one", which the relay drops; "three" takes its seq, so a
		// message of Bo's opens at the tombstone's `by`, after Bo's counter 2 was skipped.
		erase(0, said[1]!.seq);
		w.log.splice(w.log.indexOf(said[1]!), 1);
		said[2]!.seq = said[1]!.seq;
		const events = w.sync(ash);
		expect(abouts(events)).toEqual(['gap', 'erase-delete-missing']);
		expect(texts(events)).toEqual(['three']);
	});

	test('P6 transcript integrity: a tombstone not signed by the sender is the relay\'s: a warning, and the missing message is a gap', () => {
		const { w, ash, said, erase } = setup();
		erase(0, said[1]!.seq, ash.id.signSk);
		const events = w.sync(ash);
		expect(abouts(events)).toEqual(['bad-erase', 'gap']);
		expect(texts(events)).toEqual(['two', 'three']);
	});
});
