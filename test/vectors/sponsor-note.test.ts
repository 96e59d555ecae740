/**
 * Known answers for sealed sponsorship notes (docs/PROTOCOL.md §11.2, sponsor-note.json, written
 * by sponsor-note-vectors.ts): each stored box opens, with the recipient's seeded key, to exactly
 * the stored plaintext `labelled("unseen/v1/sponsor-note", {group, from, to, body})`, and
 * `openNote` returns the body only for the right group, sender and reader.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import vector from './sponsor-note.json' with { type: 'json' };
import { ready, sodium } from '../../src/lib/crypto/sodium.ts';
import { bindHolds, openNote, pairBind, pairMetHolds, pairMetTag, sealNote, type NoteBody } from '../../src/lib/crypto/sponsor-note.ts';
import { pairMetTag as relayPairMetTag } from '../../server/stamp.ts';
import { openAnyReport } from '../../src/lib/crypto/pair-report.ts';
import { fromB64, toB64 } from '../../src/lib/core/bytes.ts';
import { labelled } from '../../src/lib/core/cjson.ts';
import { LABEL } from '../../src/lib/core/labels.ts';
import { encodeContent, parseContent } from '../../src/lib/core/content.ts';

beforeAll(ready);

describe('sponsor-note.json: binds and a pair report (§6.3 "Reports from a pair")', () => {
	test('each bind is H("unseen/v1/pair-bind", {group, key, r}) and opens only to its own key and r', () => {
		for (const b of vector.binds) {
			expect(toB64(sodium().crypto_hash_sha256(labelled(LABEL.pairBind, { group: b.group, key: b.key, r: b.r })))).toBe(b.bind);
			expect(pairBind(b.group, b.key, b.r)).toBe(b.bind);
			expect(bindHolds(b.group, b.key, b.r, b.bind)).toBe(true);
			expect(bindHolds(b.group, vector.binds[0]!.key === b.key ? vector.binds[1]!.key : vector.binds[0]!.key, b.r, b.bind)).toBe(false);
		}
	});

	test('each met tag is H("unseen/v1/pair-met", {met, s}); the relay computes the same; it holds only for its group and s', () => {
		for (const m of vector.metTags) {
			expect(toB64(sodium().crypto_hash_sha256(labelled(LABEL.pairMet, { met: m.met, s: m.s })))).toBe(m.tag);
			expect(pairMetTag(m.met, m.s)).toBe(m.tag);
			expect(toB64(relayPairMetTag(m.met, m.s))).toBe(m.tag);
			expect(pairMetHolds(m.met, m.s, m.tag)).toBe(true);
			expect(pairMetHolds(vector.from, m.s, m.tag)).toBe(false);
			expect(pairMetHolds(m.met, vector.to, m.tag)).toBe(false);
			expect(pairMetHolds(m.met, m.s, undefined)).toBe(false);
		}
	});

	test('the sealed pair report opens to the stored plaintext, labelled "unseen/v1/pair-report"', () => {
		const kp = sodium().crypto_box_seed_keypair(fromB64(vector.recipientSeed));
		const plain = sodium().crypto_box_seal_open(fromB64(vector.pairReport.box), kp.publicKey, kp.privateKey);
		expect(Buffer.from(plain).toString('hex')).toBe(vector.pairReport.plainHex);
		expect(Buffer.from(labelled(LABEL.pairReport, vector.pairReport.report)).toString('hex')).toBe(vector.pairReport.plainHex);
		const opened = openAnyReport(vector.pairReport.box, kp.publicKey, kp.privateKey);
		expect(opened).toEqual({ kind: 'pair', report: vector.pairReport.report });
	});
});

describe('sponsor-note.json (§11.2)', () => {
	test('each box opens to the stored plaintext, which is the labelled {group, from, to, body}', () => {
		const kp = sodium().crypto_box_seed_keypair(fromB64(vector.recipientSeed));
		expect(toB64(kp.publicKey)).toBe(vector.recipientBox);
		for (const n of vector.notes) {
			const plain = sodium().crypto_box_seal_open(fromB64(n.box), kp.publicKey, kp.privateKey);
			expect(Buffer.from(plain).toString('hex')).toBe(n.plainHex);
			expect(Buffer.from(labelled(LABEL.sponsorNote, { group: vector.group, from: vector.from, to: vector.to, body: n.body })).toString('hex')).toBe(n.plainHex);
			expect(openNote(vector.group, vector.from, { sign: vector.to, boxPk: kp.publicKey, boxSk: kp.privateKey }, n.box)).toEqual(n.body);
		}
	});

	test('a note opens to nothing for another group, another sender or another reader', () => {
		const kp = sodium().crypto_box_seed_keypair(fromB64(vector.recipientSeed));
		const me = { sign: vector.to, boxPk: kp.publicKey, boxSk: kp.privateKey };
		const box = vector.notes[0]!.box;
		const other = toB64(new Uint8Array(32).fill(9));
		expect(openNote(other, vector.from, me, box)).toBeNull();
		expect(openNote(vector.group, other, me, box)).toBeNull();
		expect(openNote(vector.group, vector.from, { ...me, sign: other }, box)).toBeNull();
		const stranger = sodium().crypto_box_keypair();
		expect(openNote(vector.group, vector.from, { sign: vector.to, boxPk: stranger.publicKey, boxSk: stranger.privateKey }, box)).toBeNull();
	});

	test('round trip: a fresh note seals and opens; sponsorship contents parse back to themselves (§11.1)', () => {
		const kp = sodium().crypto_box_keypair();
		const body = vector.notes[1]!.body as NoteBody;
		const box = sealNote(vector.group, vector.from, { sign: vector.to, box: toB64(kp.publicKey) }, body);
		expect(openNote(vector.group, vector.from, { sign: vector.to, boxPk: kp.publicKey, boxSk: kp.privateKey }, box)).toEqual(body);
		for (const content of [
			{ t: 'sponsor', intro: '10 years sober, I listen more than I talk', places: 2, taken: 0, quiet: { from: 1320, to: 420 } },
			{ t: 'sponsor', intro: 'evenings', places: 1, taken: 1 },
			{ t: 'sponsor-off' },
			{ t: 'sponsoring', on: false },
			{ t: 'note', box }
		] as const) {
			expect(parseContent(encodeContent(content))).toEqual(content);
		}
	});

	test('bad sponsorship contents are PROTOCOL_BAD_FRAME', () => {
		for (const bad of [
			{ t: 'sponsor', intro: '', places: 1, taken: 0 },
			{ t: 'sponsor', intro: 'x', places: 0, taken: 0 },
			{ t: 'sponsor', intro: 'x', places: 21, taken: 0 },
			{ t: 'sponsor', intro: 'x', places: 1, taken: 0, quiet: { from: 60, to: 60 } },
			{ t: 'sponsor', intro: 'x', places: 1, taken: 0, quiet: { from: 1440, to: 60 } },
			{ t: 'sponsor', intro: 'x'.repeat(501), places: 1, taken: 0 },
			{ t: 'sponsoring', on: 'yes' },
			{ t: 'note', box: 'not base64!' }
		]) {
			expect(() => encodeContent(bad as never)).toThrow(expect.objectContaining({ code: 'PROTOCOL_BAD_FRAME' }));
		}
		expect(() => sealNote(vector.group, vector.from, { sign: vector.to, box: vector.recipientBox }, { k: 'ask', id: 'short', note: '', code: 'x' } as never)).toThrow(expect.objectContaining({ code: 'PROTOCOL_BAD_FRAME' }));
	});
});
