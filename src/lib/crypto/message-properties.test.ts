/** Property tests (fast-check) of message envelopes through the sender chain. */
import { beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ready } from './sodium.ts';
import { decryptMessage, encryptMessage, newEpochSigningKey, openMessage, verifyMessageSignature, type Content } from './message.ts';
import { SenderChain } from './chain.ts';
import { fromB64, toB64 } from '../core/bytes.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';

const group = toB64(new Uint8Array(32).fill(0x47));
const state = toB64(new Uint8Array(32).fill(0x53));
const alice = { sign: toB64(new Uint8Array(32).fill(0x41)) };
const msgKey = () => new Uint8Array(32).fill(9);
const text = (t: string): Content => ({ t: 'text', text: t });

function send(content: Content, ctr = 1, esk = newEpochSigningKey()) {
	return { ...encryptMessage({ group, epoch: 3, sender: alice.sign, ctr, state, content, msgKey: msgKey(), eskSk: esk.eskSk }), esk };
}

beforeAll(async () => {
	await ready();
});

describe('properties', () => {
	test('property: any text content round-trips', () => {
		const esk = newEpochSigningKey();
		fc.assert(
			fc.property(fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }), fc.option(fc.string({ minLength: 1, maxLength: 50 }), { nil: undefined }), (t, cw) => {
				const content: Content = cw === undefined ? { t: 'text', text: t } : { t: 'text', text: t, cw };
				const { envelope } = send(content, 1, esk);
				expect(openMessage(envelope, msgKey(), esk.eskPk).content).toEqual(content);
			}),
			{ numRuns: 100 }
		);
	});

	test('property: any single-byte change to the header, nonce, ciphertext or commitment is rejected', () => {
		const { envelope, esk } = send(text('a message worth protecting'));
		const fields = ['group', 'sender', 'state', 'c', 'n', 'ct'] as const;
		fc.assert(
			fc.property(fc.constantFrom(...fields), fc.nat(), fc.integer({ min: 1, max: 255 }), (field, pos, delta) => {
				const bytes = fromB64(envelope[field]);
				const i = pos % bytes.length;
				bytes[i] = (bytes[i]! + delta) & 0xff;
				const tampered = { ...envelope, [field]: toB64(bytes) };
				expectCode(() => openMessage(tampered, msgKey(), esk.eskPk), 'PROTOCOL_DECRYPT_FAILED');
			}),
			{ numRuns: 200 }
		);
	});

	test('property: a sender\'s envelopes delivered in any order through the chain open exactly once each', () => {
		const esk = newEpochSigningKey();
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 25 }).chain((n) => fc.shuffledSubarray([...Array(n).keys()].map((i) => i + 1), { minLength: n, maxLength: n })), (order) => {
				const chainKey = new Uint8Array(32).fill(0x21);
				const tx = SenderChain.fromChainKey(chainKey);
				tx.nextSendKey();
				const envelopes = order.map(() => {
					const { ctr, msgKey: k } = tx.nextSendKey();
					return encryptMessage({ group, epoch: 3, sender: alice.sign, ctr, state, content: text(`m${ctr}`), msgKey: k, eskSk: esk.eskSk }).envelope;
				});
				const rx = SenderChain.fromChainKey(chainKey);
				for (const ctr of order) {
					const env = envelopes[ctr - 1]!;
					expect(rx.receive(ctr, 0, (k) => openMessage(env, k, esk.eskPk)).content).toEqual(text(`m${ctr}`));
					expectCode(() => rx.receive(ctr, 0, (k) => openMessage(env, k, esk.eskPk)), 'PROTOCOL_REPLAY');
				}
				expect(rx.missing).toEqual([0]);
			}),
			{ numRuns: 40 }
		);
	});

	test('a signature over a changed header never verifies', () => {
		const { envelope, esk } = send(text('hello'));
		const opened = decryptMessage(envelope, msgKey());
		expectCode(() => verifyMessageSignature({ ...opened.header, ctr: 2 }, opened.sig, esk.eskPk), 'PROTOCOL_BAD_SIGNATURE');
	});
});
