/**
 * A member's backlog starts at its own epoch (§9.5, review H1); the relay reads a stored frame's
 * epoch from its structure (review R2-3), never from the first `"epoch"` in the text.
 */
import { describe, expect, test } from 'vitest';
import { recordEpoch } from '../../server/subscription.ts';

describe('the epoch of a stored entry (§9.5, review R2-3)', () => {
	test('a message entry: entry.msg.epoch, whatever else carries a key named epoch before it', () => {
		const frame = JSON.stringify({ t: 'entry', group: 'g', seq: 9, ts: 1, extra: { epoch: 99 }, entry: { msg: { sender: 's', epoch: 2, ctr: 0, ct: 'x' } } });
		expect(recordEpoch(frame)).toBe(2);
	});

	test('a tombstone: entry.erased.epoch', () => {
		const frame = JSON.stringify({ t: 'entry', group: 'g', seq: 9, ts: 1, entry: { erased: { sender: 's', epoch: 5, ctr: 0, by: 10, sig: 'y' } } });
		expect(recordEpoch(frame)).toBe(5);
	});

	test('a frame with no message epoch, or not JSON, has none (such a record is not served to a later member)', () => {
		expect(recordEpoch(JSON.stringify({ t: 'entry', group: 'g', seq: 9, ts: 1, note: { epoch: 1 }, entry: { op: { kind: 'hide' } } }))).toBeNull();
		expect(recordEpoch(JSON.stringify({ t: 'entry', entry: { msg: { epoch: '3' } } }))).toBeNull();
		expect(recordEpoch('{"epoch":3')).toBeNull();
	});
});
