import { beforeAll, describe, expect, test } from 'vitest';
import { ready } from './sodium.ts';
import { decryptMessage, encryptMessage, messageLink, newEpochSigningKey, openMessage, type Decrypted } from './message.ts';
import { verifyLinked, type LinkedItem } from './history.ts';
import { toB64 } from '../core/bytes.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';

const group = toB64(new Uint8Array(32).fill(0x47));
const sender = toB64(new Uint8Array(32).fill(0x41));
const key = (ctr: number) => new Uint8Array(32).fill(ctr + 1);

beforeAll(async () => {
	await ready();
});

/** A sender's messages 1..n (no hello needed here), each linked to the previous when `link`. */
function sendLinked(n: number, esk = newEpochSigningKey(), link = true): { opened: Decrypted[]; eskPk: Uint8Array } {
	const opened: Decrypted[] = [];
	let prev: Uint8Array | undefined;
	for (let ctr = 1; ctr <= n; ctr++) {
		const { envelope } = encryptMessage({ group, epoch: 1, sender, ctr, state: group, content: { t: 'text', text: `m${ctr}` }, msgKey: key(ctr), eskSk: esk.eskSk, prev: ctr > 1 && link ? prev : undefined });
		const o = decryptMessage(envelope, key(ctr));
		opened.push(o);
		prev = messageLink(o.header, o.prev);
	}
	return { opened, eskPk: esk.eskPk };
}

const items = (opened: Decrypted[]): LinkedItem[] => opened.map((o) => ({ header: o.header, sig: o.sig, prev: o.prev }));
const garbage = new Uint8Array(64);

describe('linked verification of a backlog', () => {
	test('a linked message opens and verifies on its own, and its link is part of the signature', () => {
		const { opened, eskPk } = sendLinked(3);
		expect(opened[2]!.prev).toEqual(messageLink(opened[1]!.header, opened[1]!.prev));
		const lone = verifyLinked([{ ...items(opened)[2]!, prev: new Uint8Array(32) }], eskPk);
		expect(lone).toEqual([false]);
	});

	test('one valid signature on the newest message vouches for the whole chain before it', () => {
		const { opened, eskPk } = sendLinked(20);
		// Every signature but the newest is blanked: the links alone carry authenticity.
		const blanked = items(opened).map((it, i) => (i === 19 ? it : { ...it, sig: garbage }));
		expect(verifyLinked(blanked, eskPk)).toEqual(Array(20).fill(true));
		expect(verifyLinked([...blanked].reverse(), eskPk)).toEqual(Array(20).fill(true));
	});

	test('a gap breaks the chain: the message before it needs its own signature', () => {
		const { opened, eskPk } = sendLinked(10);
		const withGap = items(opened).filter((_, i) => i !== 6);
		expect(verifyLinked(withGap, eskPk)).toEqual(Array(9).fill(true));
		const blanked = withGap.map((it) => (it.header.ctr === 6 ? { ...it, sig: garbage } : it));
		expect(verifyLinked(blanked, eskPk)[5]).toBe(false);
	});

	test('a member who rewrites an earlier message\'s link cannot get a forged predecessor vouched for', () => {
		const { opened, eskPk } = sendLinked(5);
		const list = items(opened);
		// The forger keeps message 3's header (so the commitment still matches) but swaps its `prev`.
		const forgedHeader = { ...list[1]!.header, c: toB64(new Uint8Array(32).fill(9)) };
		const forged = [list[0]!, { header: forgedHeader, sig: garbage }, { ...list[2]!, prev: messageLink(forgedHeader), sig: garbage }, list[3]!, list[4]!];
		expect(verifyLinked(forged, eskPk)).toEqual([true, false, false, true, true]);
	});

	test('unlinked messages are each verified on their own signature', () => {
		const { opened, eskPk } = sendLinked(4, newEpochSigningKey(), false);
		expect(opened.every((o) => o.prev === undefined)).toBe(true);
		expect(verifyLinked(items(opened), eskPk)).toEqual([true, true, true, true]);
		expect(verifyLinked(items(opened).map((it) => ({ ...it, sig: garbage })), eskPk)).toEqual([false, false, false, false]);
	});

	test('messages from another sender or signed with another key are not verified', () => {
		const { opened, eskPk } = sendLinked(3);
		expect(verifyLinked(items(opened), newEpochSigningKey().eskPk)).toEqual([false, false, false]);
		const mixed = items(opened).map((it, i) => (i === 0 ? { ...it, header: { ...it.header, sender: group } } : it));
		expect(verifyLinked(mixed, eskPk)[0]).toBe(false);
	});

	test('a changed link inside a sealed envelope fails the signature when opened one by one', () => {
		const esk = newEpochSigningKey();
		const { opened } = sendLinked(2, esk);
		const { envelope } = encryptMessage({ group, epoch: 1, sender, ctr: 3, state: group, content: { t: 'text', text: 'x' }, msgKey: key(3), eskSk: esk.eskSk, prev: messageLink(opened[1]!.header, opened[1]!.prev) });
		expect(openMessage(envelope, key(3), esk.eskPk).prev).toBeDefined();
		expectCode(() => encryptMessage({ group, epoch: 1, sender, ctr: 0, state: group, content: { t: 'text', text: 'x' }, msgKey: key(0), eskSk: esk.eskSk, prev: new Uint8Array(32) }), 'PROTOCOL_BAD_FRAME');
	});
});
