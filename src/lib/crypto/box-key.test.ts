import { beforeAll, describe, expect, test } from 'vitest';
import { toB64 } from '../core/bytes.ts';
import { loadSodium, person } from '../protocol/group/testkit.ts';
import { sealEpochKeys } from './epoch.ts';
import { buildHelloFor, pairMacKey, verifyHello } from './hello.ts';
import { sealReport, type Report } from './report.ts';
import { sodium } from './sodium.ts';
import { sealToMany } from './box-key.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';

beforeAll(loadSodium);

const ZERO = toB64(new Uint8Array(32));
const ORDER8 = toB64(Uint8Array.from(Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex')));
const group = toB64(new Uint8Array(32).fill(0x47));

describe('weak box keys give ProtocolErrors, never crashes (review finding 5)', () => {
	test('P3 sender authenticity: a hello skips a member whose box key is of small order and still binds the sender for everyone else', () => {
		const alice = person('alice');
		const bob = person('bob');
		const members = [
			{ sign: alice.b64, box: toB64(alice.boxPk) },
			{ sign: bob.b64, box: toB64(bob.boxPk) },
			{ sign: toB64(new Uint8Array(32).fill(3)), box: ZERO },
			{ sign: toB64(new Uint8Array(32).fill(4)), box: ORDER8 }
		];
		const eskPk = sodium().crypto_sign_keypair().publicKey;
		const { hello, skipped } = buildHelloFor({ group, epoch: 1, sender: alice.b64, senderBoxSk: alice.boxSk, members, eskPk, name: 'Alice' });
		expect(skipped).toEqual([members[2]!.sign, members[3]!.sign]);
		expect(hello.macs.map((m) => m.to)).toEqual([bob.b64]);
		const esk = verifyHello(hello, { group, epoch: 1, sender: alice.b64, senderBox: toB64(alice.boxPk), me: bob.b64, myBoxSk: bob.boxSk });
		expect(esk).toEqual(eskPk);
	});

	test('P3 sender authenticity: a hello from a sender whose box key is of small order is an unverified sender, not a crash', () => {
		const bob = person('bob');
		const hello = { t: 'hello' as const, esk: toB64(new Uint8Array(32).fill(1)), macs: [{ to: bob.b64, mac: toB64(new Uint8Array(32)) }], profile: { name: 'x' } };
		expectCode(() => verifyHello(hello, { group, epoch: 1, sender: toB64(new Uint8Array(32).fill(3)), senderBox: ZERO, me: bob.b64, myBoxSk: bob.boxSk }), 'PROTOCOL_UNVERIFIED_SENDER');
		expectCode(() => pairMacKey(bob.boxSk, new Uint8Array(32), { group, epoch: 1, sender: bob.b64, receiver: bob.b64 }), 'PROTOCOL_WEAK_KEY');
	});

	test('P5 secrecy after removal: sealing an epoch secret to a small-order box key is PROTOCOL_WEAK_KEY', () => {
		const alice = person('alice');
		const members = [{ sign: alice.b64, box: toB64(alice.boxPk) }, { sign: toB64(new Uint8Array(32).fill(3)), box: ORDER8 }];
		expectCode(() => sealEpochKeys(new Uint8Array(32).fill(5), 1, group, members), 'PROTOCOL_WEAK_KEY');
	});

	test('P8 verifiable reporting: sealing a report to a small-order moderator key is PROTOCOL_WEAK_KEY', () => {
		const report = { v: 1, group, note: '', messages: [] } as unknown as Report;
		expectCode(() => sealReport(report, [toB64(person('mod').boxPk), ZERO]), 'PROTOCOL_WEAK_KEY');
		expect(sealReport(report, [toB64(person('mod').boxPk)])).toHaveLength(1);
	});
});

describe('sealing one epoch secret to many members at once (issue 15 item 5, §4.2)', () => {
	test('P5 secrecy after removal: every box is a sealed box that only its member opens, each under its own fresh ephemeral key', () => {
		const people = Array.from({ length: 40 }, (_, i) => person(`member ${i}`));
		const secret = new Uint8Array(32).fill(9);
		const boxes = sealToMany(secret, people.map((p) => p.boxPk), people.map((p) => p.b64));
		expect(boxes).toHaveLength(40);
		boxes.forEach((box, i) => {
			expect(box).toHaveLength(80);
			expect(sodium().crypto_box_seal_open(box, people[i]!.boxPk, people[i]!.boxSk)).toEqual(secret);
			// Another member's keys do not open it.
			const other = people[(i + 1) % people.length]!;
			expect(() => sodium().crypto_box_seal_open(box, other.boxPk, other.boxSk)).toThrow();
		});
		const ephemeral = new Set(boxes.map((b) => toB64(b.subarray(0, 32))));
		expect(ephemeral.size).toBe(40);
		// A second sealing draws new ephemeral keys.
		const again = sealToMany(secret, people.map((p) => p.boxPk), people.map((p) => p.b64));
		expect(again.some((b, i) => toB64(b.subarray(0, 32)) === toB64(boxes[i]!.subarray(0, 32)))).toBe(false);
	});

	test('a small-order key among many is PROTOCOL_WEAK_KEY, naming that member', () => {
		const alice = person('alice');
		const bad = Uint8Array.from(Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex'));
		expectCode(() => sealToMany(new Uint8Array(32).fill(5), [alice.boxPk, bad], ['alice', 'the odd one']), 'PROTOCOL_WEAK_KEY');
	});
});
