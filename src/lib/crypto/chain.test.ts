import { beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { MAX_SKIPPED, MAX_SKIPPED_AGE_MS, SenderChain, kdf } from './chain.ts';
import { ready, sodium } from './sodium.ts';
import { LABEL } from '../core/labels.ts';
import { toB64 } from '../core/bytes.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';

beforeAll(async () => {
	await ready();
});

const seed = () => new Uint8Array(32).fill(7);
const hex = (b: Uint8Array) => toB64(b);

/** Sends `count` messages and returns their keys (copies) in counter order. */
function sendKeys(count: number): string[] {
	const chain = SenderChain.fromChainKey(seed());
	const keys: string[] = [];
	for (let i = 0; i < count; i++) {
		const { ctr, msgKey } = chain.nextSendKey();
		expect(ctr).toBe(i);
		keys.push(hex(msgKey));
	}
	return keys;
}

describe('SenderChain', () => {
	test('a receiver derives the same key as the sender for every counter, in order', () => {
		const sent = sendKeys(5);
		const rx = SenderChain.fromChainKey(seed());
		for (let i = 0; i < 5; i++) expect(rx.receive(i, 0, hex)).toBe(sent[i]);
		expect(rx.next).toBe(5);
	});

	test('message keys follow the KDF chain of PROTOCOL §4.3', () => {
		const ck0 = seed();
		const ck1 = kdf(ck0, LABEL.chainNext);
		const sent = sendKeys(2);
		expect(sent[0]).toBe(hex(kdf(ck0, LABEL.chainMsg)));
		expect(sent[1]).toBe(hex(kdf(ck1, LABEL.chainMsg)));
		expect(sent[0]).not.toBe(sent[1]);
	});

	test('a counter received twice is refused as a replay', () => {
		const rx = SenderChain.fromChainKey(seed());
		rx.receive(0, 0, () => null);
		expectCode(() => rx.receive(0, 0, () => null), 'PROTOCOL_REPLAY');
	});

	test('a late message after a gap still decrypts, once, and the gap is listed until then', () => {
		const sent = sendKeys(4);
		const rx = SenderChain.fromChainKey(seed());
		expect(rx.receive(3, 0, hex)).toBe(sent[3]);
		expect(rx.missing).toEqual([0, 1, 2]);
		expect(rx.receive(1, 0, hex)).toBe(sent[1]);
		expect(rx.missing).toEqual([0, 2]);
		expectCode(() => rx.receive(1, 0, hex), 'PROTOCOL_REPLAY');
	});

	test('a jump of more than 2,000 counters is refused and changes nothing', () => {
		const rx = SenderChain.fromChainKey(seed());
		expectCode(() => rx.receive(MAX_SKIPPED + 1, 0, hex), 'PROTOCOL_TOO_FAR_AHEAD');
		expect(rx.next).toBe(0);
		expect(rx.receive(MAX_SKIPPED, 0, () => 'ok')).toBe('ok');
		expect(rx.missing.length).toBe(MAX_SKIPPED);
	});

	test('a failed decryption (use throws) burns no key: the genuine message still opens', () => {
		const sent = sendKeys(10);
		const rx = SenderChain.fromChainKey(seed());
		expect(() =>
			rx.receive(9, 0, () => {
				throw new Error('forged');
			})
		).toThrow('forged');
		expect(rx.next).toBe(0);
		expect(rx.missing).toEqual([]);
		expect(rx.receive(9, 0, hex)).toBe(sent[9]);
		expect(() => rx.receive(4, 0, () => { throw new Error('forged'); })).toThrow('forged');
		expect(rx.receive(4, 0, hex)).toBe(sent[4]);
	});

	test('skipped keys older than seven days are wiped and their counters refused', () => {
		const rx = SenderChain.fromChainKey(seed());
		rx.receive(2, 1000, () => null);
		expect(rx.missing).toEqual([0, 1]);
		rx.prune(1000 + MAX_SKIPPED_AGE_MS + 1);
		expect(rx.missing).toEqual([]);
		expectCode(() => rx.receive(0, 1000 + MAX_SKIPPED_AGE_MS + 2, () => null), 'PROTOCOL_REPLAY');
	});

	test('only the skipped keys that are old enough expire; younger gaps stay open', () => {
		const rx = SenderChain.fromChainKey(seed());
		rx.receive(2, 1000, () => null);
		rx.receive(5, 1000 + MAX_SKIPPED_AGE_MS / 2, () => null);
		rx.prune(1000 + MAX_SKIPPED_AGE_MS / 4);
		expect(rx.missing).toEqual([0, 1, 3, 4]);
		rx.prune(1000 + MAX_SKIPPED_AGE_MS + 1);
		expect(rx.missing).toEqual([3, 4]);
		const restored = SenderChain.fromJSON(rx.toJSON());
		restored.prune(1000 + MAX_SKIPPED_AGE_MS * 2);
		expect(restored.missing).toEqual([]);
	});

	test('at most 2,000 skipped keys are held; the oldest go first', () => {
		const rx = SenderChain.fromChainKey(seed());
		rx.receive(MAX_SKIPPED, 0, () => null);
		rx.receive(MAX_SKIPPED + 11, 0, () => null);
		const missing = rx.missing;
		expect(missing.length).toBe(MAX_SKIPPED);
		expect(missing[0]).toBe(10);
		expectCode(() => rx.receive(3, 0, () => null), 'PROTOCOL_REPLAY');
	});

	test('a chain restored from its JSON state continues exactly where it stopped', () => {
		const sent = sendKeys(6);
		const rx = SenderChain.fromChainKey(seed());
		rx.receive(2, 0, hex);
		const restored = SenderChain.fromJSON(JSON.parse(JSON.stringify(rx.toJSON())));
		expect(restored.missing).toEqual([0, 1]);
		expect(restored.receive(5, 0, hex)).toBe(sent[5]);
		expect(restored.receive(0, 0, hex)).toBe(sent[0]);
		expectCode(() => restored.receive(2, 0, hex), 'PROTOCOL_REPLAY');
	});

	test.each([
		['not an object', 'state'],
		['a short chain key', { v: 1, ck: 'AAAA', next: 0, skipped: [] }],
		['a skipped key ahead of the chain', { v: 1, ck: toB64(new Uint8Array(32)), next: 1, skipped: [{ ctr: 4, key: toB64(new Uint8Array(32)), at: 0 }] }],
		['an unknown field', { v: 1, ck: toB64(new Uint8Array(32)), next: 0, skipped: [], extra: 1 }]
	])('restoring from %s throws PROTOCOL_BAD_FRAME', (_name, state) => {
		expectCode(() => SenderChain.fromJSON(state), 'PROTOCOL_BAD_FRAME');
	});

	test('a wiped chain zeroes its keys and refuses further use', () => {
		const rx = SenderChain.fromChainKey(seed());
		rx.receive(3, 0, () => null);
		rx.wipe();
		expectCode(() => rx.toJSON(), 'PROTOCOL_LOCKED');
		expectCode(() => rx.receive(0, 0, () => null), 'PROTOCOL_LOCKED');
	});

	test('P4 forward secrecy: stealing a chain\'s current state does not decrypt earlier messages', () => {
		const sender = SenderChain.fromChainKey(seed());
		const earlier: Uint8Array[] = [];
		for (let i = 0; i < 20; i++) earlier.push(sender.nextSendKey().msgKey);
		const stolen = sender.toJSON();
		// The thief ratchets forward from the stolen key as far as it likes: no earlier key appears.
		const thief = SenderChain.fromJSON(stolen);
		const reachable = new Set<string>();
		for (let i = 0; i < 200; i++) reachable.add(hex(thief.nextSendKey().msgKey));
		for (const k of earlier) expect(reachable.has(hex(k))).toBe(false);
		// And the stolen state holds no skipped key and no counter below `next`.
		expect(stolen.skipped).toEqual([]);
		expect(stolen.next).toBe(20);
		expectCode(() => SenderChain.fromJSON(stolen).receive(5, 0, () => null), 'PROTOCOL_REPLAY');
	});

	test('P4 forward secrecy: a receiver\'s state after reading a message no longer holds its key', () => {
		const sent = sendKeys(3);
		const rx = SenderChain.fromChainKey(seed());
		for (let i = 0; i < 3; i++) rx.receive(i, 0, () => null);
		const state = JSON.stringify(rx.toJSON());
		for (const k of sent) expect(state.includes(k)).toBe(false);
	});

	test('the message key handed to the receiver is wiped after use', () => {
		const rx = SenderChain.fromChainKey(seed());
		let seen: Uint8Array | undefined;
		rx.receive(0, 0, (k) => {
			seen = k;
		});
		expect(sodium().is_zero(seen!)).toBe(true);
	});

	test('property: messages delivered in any order within the skip window open exactly once each', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }))),
				fc.array(fc.nat(39), { maxLength: 10 }),
				([n, order], replays) => {
					const sent = sendKeys(n);
					const rx = SenderChain.fromChainKey(seed());
					const opened: number[] = [];
					for (const ctr of order) {
						expect(rx.receive(ctr, 0, hex)).toBe(sent[ctr]);
						opened.push(ctr);
						for (const r of replays) {
							if (opened.includes(r)) expectCode(() => rx.receive(r, 0, hex), 'PROTOCOL_REPLAY');
						}
					}
					expect(opened.sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
					expect(rx.missing).toEqual([]);
				}
			),
			{ numRuns: 60 }
		);
	});
});
