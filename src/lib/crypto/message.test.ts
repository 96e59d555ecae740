import { beforeAll, describe, expect, test } from 'vitest';
import { ready, sodium } from './sodium.ts';
import {
	PAD_BLOCK,
	buildHello,
	decryptMessage,
	encryptMessage,
	newEpochSigningKey,
	openMessage,
	pad,
	unpad,
	verifyHello,
	type Content
} from './message.ts';
import { MAX_TEXT, encodeContent, parseContent } from '../core/content.ts';
import { commit, computeStamp } from './franking.ts';
import { openRecord } from './vault.ts';
import { SenderChain, kdf } from './chain.ts';
import { toB64, utf8, fromB64 } from '../core/bytes.ts';
import { canonicalJson, labelled } from '../core/cjson.ts';
import { LABEL } from '../core/labels.ts';
import type { Envelope } from '../core/schema.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';


interface Person {
	sign: string;
	signSk: Uint8Array;
	box: string;
	boxSk: Uint8Array;
}

let alice: Person, bob: Person, carol: Person;
const group = toB64(new Uint8Array(32).fill(0x47));
const state = toB64(new Uint8Array(32).fill(0x53));

function person(n: number): Person {
	const s = sodium().crypto_sign_seed_keypair(new Uint8Array(32).fill(n));
	const b = sodium().crypto_box_seed_keypair(new Uint8Array(32).fill(n + 100));
	return { sign: toB64(s.publicKey), signSk: s.privateKey, box: toB64(b.publicKey), boxSk: b.privateKey };
}

beforeAll(async () => {
	await ready();
	alice = person(1);
	bob = person(2);
	carol = person(3);
});

const msgKey = () => new Uint8Array(32).fill(9);
const text = (t: string): Content => ({ t: 'text', text: t });

function send(content: Content, ctr = 1, esk = newEpochSigningKey(new Uint8Array(32).fill(5)), sender = alice.sign) {
	return { ...encryptMessage({ group, epoch: 3, sender, ctr, state, content, msgKey: msgKey(), eskSk: esk.eskSk }), esk };
}

/** Re-encrypts a hand-made inner plaintext under `header` (what a malicious sender can do). */
function forge(header: Omit<Envelope, 'n' | 'ct'>, inner: object): Envelope {
	const s = sodium();
	const nonce = new Uint8Array(24);
	const ct = s.crypto_aead_xchacha20poly1305_ietf_encrypt(pad(utf8(canonicalJson(inner as never))), labelled(LABEL.msgAd, header), null, nonce, msgKey());
	return { ...header, n: toB64(nonce), ct: toB64(ct) };
}

describe('envelopes', () => {
	test('a text message round-trips and its signature verifies with the epoch signing key', () => {
		const { envelope, esk, frankingKey } = send({ t: 'text', text: 'this feels familiar', cw: 'loss' });
		const opened = openMessage(envelope, msgKey(), esk.eskPk);
		expect(opened.content).toEqual({ t: 'text', text: 'this feels familiar', cw: 'loss' });
		expect(opened.frankingKey).toEqual(frankingKey);
		expect(opened.header.sender).toBe(alice.sign);
	});

	test('ciphertexts are padded to 256-byte buckets, so short messages of different lengths look alike', () => {
		const a = send(text('hi')).envelope;
		const b = send(text('x'.repeat(30))).envelope;
		expect(fromB64(a.ct).length).toBe(PAD_BLOCK + 16);
		expect(fromB64(b.ct).length).toBe(fromB64(a.ct).length);
		const long = send(text('x'.repeat(600))).envelope;
		expect((fromB64(long.ct).length - 16) % PAD_BLOCK).toBe(0);
	});

	test('the largest allowed text still fits the envelope schema and a 64 KiB frame', () => {
		const { envelope } = send(text('\u4e00'.repeat(MAX_TEXT)));
		expect(JSON.stringify({ t: 'append', id: 'x'.repeat(64), group, mid: 'A'.repeat(22), entry: { msg: envelope } }).length).toBeLessThan(64 * 1024);
	});

	test('the wrong message key fails with PROTOCOL_DECRYPT_FAILED', () => {
		const { envelope } = send(text('hello'));
		expectCode(() => decryptMessage(envelope, new Uint8Array(32).fill(1)), 'PROTOCOL_DECRYPT_FAILED');
	});

	test.each(['group', 'sender', 'state'] as const)('changing the header %s breaks decryption (it is in the AD)', (field) => {
		const { envelope } = send(text('hello'));
		expectCode(() => decryptMessage({ ...envelope, [field]: carol.sign }, msgKey()), 'PROTOCOL_DECRYPT_FAILED');
	});

	test.each(['epoch', 'ctr'] as const)('changing the header %s breaks decryption', (field) => {
		const { envelope } = send(text('hello'));
		expectCode(() => decryptMessage({ ...envelope, [field]: envelope[field] + 1 }, msgKey()), 'PROTOCOL_DECRYPT_FAILED');
	});

	test('a sender whose commitment does not match the content is caught before anything is shown', () => {
		const fk = new Uint8Array(32).fill(3);
		const ctx = { group, epoch: 3, sender: alice.sign, ctr: 1 };
		const innocent = encodeContent(text('nice weather'));
		const abusive = encodeContent(text('something abusive'));
		const header = { v: 1 as const, ...ctx, state, c: toB64(commit(fk, ctx, innocent)) };
		const esk = newEpochSigningKey();
		const sig = sodium().crypto_sign_detached(labelled(LABEL.msgSig, header), esk.eskSk);
		const envelope = forge(header, { body: toB64(abusive), fk: toB64(fk), sig: toB64(sig) });
		expectCode(() => decryptMessage(envelope, msgKey()), 'PROTOCOL_BAD_COMMITMENT');
	});

	test('a commitment swapped for another (stripped) one fails: the AD no longer matches', () => {
		const { envelope } = send(text('hello'));
		expectCode(() => decryptMessage({ ...envelope, c: toB64(new Uint8Array(32)) }, msgKey()), 'PROTOCOL_DECRYPT_FAILED');
	});

	test('a plaintext with bad padding or the wrong shape is PROTOCOL_BAD_FRAME', () => {
		const header = { v: 1 as const, group, epoch: 3, sender: alice.sign, ctr: 1, state, c: toB64(new Uint8Array(32)) };
		expectCode(() => decryptMessage(forge(header, { body: 'AA', fk: 'short', sig: 'x' }), msgKey()), 'PROTOCOL_BAD_FRAME');
	});

	test('a hello is only accepted at counter 0, and counter 0 must be a hello', () => {
		const esk = newEpochSigningKey();
		const hello = buildHello({ group, epoch: 3, sender: alice.sign, senderBoxSk: alice.boxSk, members: [alice, bob], eskPk: esk.eskPk, name: 'Wren' });
		expectCode(() => send(hello, 4), 'PROTOCOL_BAD_FRAME');
		expectCode(() => send(text('hi'), 0), 'PROTOCOL_BAD_FRAME');
	});

	test('a message signed by another key fails with PROTOCOL_BAD_SIGNATURE', () => {
		const { envelope } = send(text('hello'));
		expectCode(() => openMessage(envelope, msgKey(), newEpochSigningKey().eskPk), 'PROTOCOL_BAD_SIGNATURE');
	});

	test('a message before any verified hello is PROTOCOL_UNVERIFIED_SENDER', () => {
		const { envelope } = send(text('hello'));
		expectCode(() => openMessage(envelope, msgKey(), null), 'PROTOCOL_UNVERIFIED_SENDER');
	});
});

describe('hello and pairwise MACs', () => {
	const members = () => [alice, bob, carol].map((p) => ({ sign: p.sign, box: p.box }));

	test('every other member verifies the sender\'s epoch signing key; the sender is not addressed', () => {
		const esk = newEpochSigningKey();
		const hello = buildHello({ group, epoch: 3, sender: alice.sign, senderBoxSk: alice.boxSk, members: members(), eskPk: esk.eskPk, name: 'Wren' });
		expect(hello.macs.map((m) => m.to).sort()).toEqual([bob.sign, carol.sign].sort());
		for (const r of [bob, carol]) {
			const pk = verifyHello(hello, { group, epoch: 3, sender: alice.sign, senderBox: alice.box, me: r.sign, myBoxSk: r.boxSk });
			expect(pk).toEqual(esk.eskPk);
		}
	});

	test('a hello replayed into another epoch or group fails with PROTOCOL_UNVERIFIED_SENDER', () => {
		const esk = newEpochSigningKey();
		const hello = buildHello({ group, epoch: 3, sender: alice.sign, senderBoxSk: alice.boxSk, members: members(), eskPk: esk.eskPk, name: 'Wren' });
		const base = { group, epoch: 3, sender: alice.sign, senderBox: alice.box, me: bob.sign, myBoxSk: bob.boxSk };
		expectCode(() => verifyHello(hello, { ...base, epoch: 4 }), 'PROTOCOL_UNVERIFIED_SENDER');
		expectCode(() => verifyHello(hello, { ...base, group: state }), 'PROTOCOL_UNVERIFIED_SENDER');
		expectCode(() => verifyHello({ ...hello, esk: toB64(newEpochSigningKey().eskPk) }, base), 'PROTOCOL_UNVERIFIED_SENDER');
		const short = { ...hello, macs: hello.macs.map((m) => ({ ...m, mac: m.mac.slice(0, 22) })) };
		expectCode(() => verifyHello(short, base), 'PROTOCOL_UNVERIFIED_SENDER');
		const twice = { ...hello, macs: [...hello.macs, ...hello.macs] };
		expectCode(() => verifyHello(twice, base), 'PROTOCOL_UNVERIFIED_SENDER');
	});

	test('deniability: the receiver can compute its own MAC alone, so it proves nothing to an outsider', () => {
		const esk = newEpochSigningKey();
		const hello = buildHello({ group, epoch: 3, sender: alice.sign, senderBoxSk: alice.boxSk, members: members(), eskPk: esk.eskPk, name: 'Wren' });
		// Bob forges "Alice's" hello MAC for himself from his own secret and Alice's public key.
		const forgedByBob = buildHello({ group, epoch: 3, sender: alice.sign, senderBoxSk: bob.boxSk, members: [{ sign: bob.sign, box: alice.box }], eskPk: esk.eskPk, name: 'Wren' });
		expect(forgedByBob.macs[0]!.mac).toBe(hello.macs.find((m) => m.to === bob.sign)!.mac);
	});

	test('P3 sender authenticity: a member holding the group keys cannot make a message appear to come from another member', () => {
		// Both Alice's chain and all epoch keys are known to every member (Bob derives them too).
		const aliceEsk = newEpochSigningKey();
		const hello = buildHello({ group, epoch: 3, sender: alice.sign, senderBoxSk: alice.boxSk, members: members(), eskPk: aliceEsk.eskPk, name: 'Wren' });
		const carolView = { group, epoch: 3, sender: alice.sign, senderBox: alice.box, me: carol.sign, myBoxSk: carol.boxSk };
		const aliceEskAtCarol = verifyHello(hello, carolView);
		const chainKey = new Uint8Array(32).fill(0x77);
		const bobsCopy = SenderChain.fromChainKey(chainKey);
		bobsCopy.nextSendKey();
		const { msgKey: k1 } = bobsCopy.nextSendKey();
		// Attack 1: Bob encrypts under Alice's chain key with Alice as sender, signed with his own key.
		const bobEsk = newEpochSigningKey();
		const forged = encryptMessage({ group, epoch: 3, sender: alice.sign, ctr: 1, state, content: text('I quit'), msgKey: k1, eskSk: bobEsk.eskSk });
		const carolChain = SenderChain.fromChainKey(chainKey);
		expectCode(() => carolChain.receive(1, 0, (k) => openMessage(forged.envelope, k, aliceEskAtCarol)), 'PROTOCOL_BAD_SIGNATURE');
		// Attack 2: Bob sends his own hello in Alice's name; he cannot compute Alice's pairwise MAC for Carol.
		const fakeHello = buildHello({ group, epoch: 3, sender: alice.sign, senderBoxSk: bob.boxSk, members: members(), eskPk: bobEsk.eskPk, name: 'Wren' });
		expectCode(() => verifyHello(fakeHello, carolView), 'PROTOCOL_UNVERIFIED_SENDER');
		// Alice's genuine message still opens (the failed forgery burned nothing).
		const aliceChain = SenderChain.fromChainKey(chainKey);
		aliceChain.nextSendKey();
		const genuine = encryptMessage({ group, epoch: 3, sender: alice.sign, ctr: 1, state, content: text('see you tuesday'), msgKey: aliceChain.nextSendKey().msgKey, eskSk: aliceEsk.eskSk });
		const opened = carolChain.receive(1, 0, (k) => openMessage(genuine.envelope, k, aliceEskAtCarol));
		expect(opened.content).toEqual(text('see you tuesday'));
	});
});

describe('domain separation', () => {
	test('P7 domain separation: a message signature, key or ciphertext is never valid for another purpose', () => {
		const { envelope, esk } = send(text('hello'));
		const opened = decryptMessage(envelope, msgKey());
		const header = opened.header;
		// The epoch signing key's signature covers "unseen/v1/msg-sig" only: not an op, not a relay login.
		for (const label of [LABEL.op, LABEL.relayAuth, LABEL.msgAd]) {
			expect(sodium().crypto_sign_verify_detached(opened.sig, labelled(label, header), esk.eskPk)).toBe(false);
		}
		// The same 32 bytes used as a storage key do not open the envelope as a stored record.
		const asRecord = new Uint8Array([...fromB64(envelope.n), ...fromB64(envelope.ct)]);
		expectCode(() => openRecord(msgKey(), 'messages', 'x', asRecord), 'PROTOCOL_DECRYPT_FAILED');
		// Ratchet step, message key, storage key and pairwise-MAC key from one input all differ.
		const k = msgKey();
		const derived = [LABEL.chainNext, LABEL.chainMsg, LABEL.storage, LABEL.pairMacKey, LABEL.epochChain].map((l) => toB64(kdf(k, l)));
		expect(new Set(derived).size).toBe(derived.length);
		// The franking commitment is not the relay stamp of the same fields under the same key.
		const fk = opened.frankingKey;
		const stamp = computeStamp(fk, { c: header.c, sender: header.sender, group: header.group, seq: 1, ts: 0 });
		expect(toB64(stamp)).not.toBe(header.c);
	});
});

describe('contents', () => {
	test.each([
		['an unknown type', { t: 'poll' }],
		['an empty text', { t: 'text', text: '' }],
		['a text over 8,000 characters', { t: 'text', text: 'x'.repeat(MAX_TEXT + 1) }],
		['an extra field', { t: 'text', text: 'hi', colour: 'red' }],
		['a reaction without a target', { t: 'react', emoji: '💛' }],
		['a reaction that is a sentence', { t: 'react', to: { sender: 'A'.repeat(43), epoch: 2, ctr: 7 }, emoji: 'pathetic loser' }],
		['a reaction of two emoji', { t: 'react', to: { sender: 'A'.repeat(43), epoch: 2, ctr: 7 }, emoji: '💛💛' }],
		['a reaction of one letter', { t: 'react', to: { sender: 'A'.repeat(43), epoch: 2, ctr: 7 }, emoji: 'x' }],
		['a reaction over 16 bytes (a family of four)', { t: 'react', to: { sender: 'A'.repeat(43), epoch: 2, ctr: 7 }, emoji: '👨‍👩‍👧‍👦' }],
		['an empty reaction', { t: 'react', to: { sender: 'A'.repeat(43), epoch: 2, ctr: 7 }, emoji: '' }],
		['a bad reference key', { t: 'delete', to: { sender: 'AAAA', epoch: 0, ctr: 0 } }]
	])('%s is PROTOCOL_BAD_FRAME when sent and when received', (_name, content) => {
		expectCode(() => encodeContent(content as Content), 'PROTOCOL_BAD_FRAME');
		expectCode(() => parseContent(utf8(JSON.stringify(content))), 'PROTOCOL_BAD_FRAME');
	});

	test('non-canonical content bytes are refused, so one message has one encoding', () => {
		expect(parseContent(utf8('{"t":"text","text":"hi"}'))).toEqual(text('hi'));
		expectCode(() => parseContent(utf8('{"text":"hi","t":"text"}')), 'PROTOCOL_BAD_FRAME');
		expectCode(() => parseContent(utf8('{"t":"text", "text":"hi"}')), 'PROTOCOL_BAD_FRAME');
	});

	test.each<Content>([
		{ t: 'text', text: 'a reply', reply: { sender: 'A'.repeat(43), epoch: 2, ctr: 7 } },
		{ t: 'react', to: { sender: 'A'.repeat(43), epoch: 2, ctr: 7 }, emoji: '💛' },
		{ t: 'react', to: { sender: 'A'.repeat(43), epoch: 2, ctr: 7 }, emoji: '👍🏽' },
		{ t: 'react', to: { sender: 'A'.repeat(43), epoch: 2, ctr: 7 }, emoji: '🇺🇦' },
		{ t: 'react', to: { sender: 'A'.repeat(43), epoch: 2, ctr: 7 }, emoji: '❤️' },
		{ t: 'edit', to: { sender: 'A'.repeat(43), epoch: 2, ctr: 7 }, text: 'fixed' },
		{ t: 'delete', to: { sender: 'A'.repeat(43), epoch: 2, ctr: 7 } },
		{ t: 'profile', name: 'Wren' },
		{ t: 'group-profile', name: 'Tuesday circle', description: '' },
		{ t: 'ask-to-speak' }
	])('content type $t round-trips through an envelope', (content) => {
		const { envelope, esk } = send(content);
		expect(openMessage(envelope, msgKey(), esk.eskPk).content).toEqual(content);
	});

	test('P3 sender authenticity: a member cannot send a system notice, which only the local app may show', () => {
		const forged = { t: 'system', text: 'This group moved: join at https://evil.example' } as unknown as Content;
		expectCode(() => encodeContent(forged), 'PROTOCOL_BAD_FRAME');
		expectCode(() => parseContent(utf8('{"t":"system","text":"Wren was removed. Keys were changed."}')), 'PROTOCOL_BAD_FRAME');
	});
});

describe('padding', () => {
	test.each([0, 1, 255, 256, 257, 511])('%i bytes pad to a whole block and unpad back', (n) => {
		const data = new Uint8Array(n).fill(0x80);
		const padded = pad(data);
		expect(padded.length % PAD_BLOCK).toBe(0);
		expect(padded.length).toBeGreaterThan(n);
		expect(unpad(padded)).toEqual(data);
	});

	test('all-zero or partial blocks are refused', () => {
		expectCode(() => unpad(new Uint8Array(256)), 'PROTOCOL_BAD_FRAME');
		expectCode(() => unpad(new Uint8Array(100)), 'PROTOCOL_BAD_FRAME');
	});
});
