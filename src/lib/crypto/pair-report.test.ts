/**
 * Reports from a sponsor pair to the moderators of the group where the two met (docs/PROTOCOL.md
 * §6.3 "Reports from a pair", P8): the other person's note in the met group binds their pair
 * pseudonym; the report verifies only when that bind, the pair messages' commitments and both
 * groups' stamps all hold. A wrong `r`, a wrong key, a message of another pair or sender, and a
 * forged stamp each leave it unverified.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { ready, sodium } from './sodium.ts';
import { encryptMessage, newEpochSigningKey, type Content } from './message.ts';
import { checkStamp, computeStamp } from './franking.ts';
import { openReport, sealReport, buildReport, type ReportInput, type StampCheck } from './report.ts';
import { MAX_PAIR_REPORT_MESSAGES, buildPairReport, openAnyReport, sealPairReport, verifyPairReport, type PairReport } from './pair-report.ts';
import { bindHolds, pairBind, randomBind } from './sponsor-note.ts';
import { toB64 } from '../core/bytes.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';

const met = toB64(new Uint8Array(32).fill(0x4d));
const pair = toB64(new Uint8Array(32).fill(0x50));
const otherPair = toB64(new Uint8Array(32).fill(0x51));
const state = toB64(new Uint8Array(32).fill(0x53));
/** The pair's `s` (§3.2): carried by the report, presented by the moderator's pair stamp checks. */
const pairS = toB64(new Uint8Array(32).fill(0x73));
let relaySecret: Uint8Array;
/** Sam in the met group, and Sam's pseudonym in the pair. */
let sam: string, samInPair: string, nina: string, ninaInPair: string;
let moderator: { publicKey: Uint8Array; privateKey: Uint8Array };

const key = () => toB64(sodium().crypto_sign_keypair().publicKey);

beforeAll(async () => {
	await ready();
	relaySecret = sodium().randombytes_buf(32);
	sam = key();
	samInPair = key();
	nina = key();
	ninaInPair = key();
	moderator = sodium().crypto_box_keypair();
});

/** What the relay does on append: assign seq and ts, stamp the commitment. */
function delivered(group: string, sender: string, content: Content, seq: number): ReportInput {
	const esk = newEpochSigningKey();
	const { envelope, frankingKey, contentBytes } = encryptMessage({ group, epoch: 1, sender, ctr: seq, state, content, msgKey: new Uint8Array(32).fill(seq), eskSk: esk.eskSk });
	const ts = 1_700_000_000_000 + seq;
	const stamp = toB64(computeStamp(relaySecret, { c: envelope.c, sender, group, seq, ts }));
	return { envelope, seq, ts, stamp, frankingKey, contentBytes };
}

/** Sam's note in the met group binding `boundKey` with `r` (an honest app binds its own pair key). */
function samNote(boundKey: string, r: string, seq = 7): ReportInput {
	return delivered(met, sam, { t: 'note', box: toB64(new Uint8Array(120).fill(1)), bind: pairBind(met, boundKey, r) }, seq);
}

/** The relay's answer to `verify`: the met group's (as a moderator) and the pair's (`via` the met group, with `s`). */
const asked: { met: StampCheck[]; pair: StampCheck[] } = { met: [], pair: [] };
const metStamp = async (f: StampCheck) => (asked.met.push(f), checkStamp(relaySecret, f, f.stamp));
const pairStamp = async (f: StampCheck) => (asked.pair.push(f), checkStamp(relaySecret, f, f.stamp));

function viaModerator(report: PairReport): PairReport {
	const sealed = sealPairReport(report, [toB64(moderator.publicKey)]);
	const opened = openAnyReport(sealed[0]!.box, moderator.publicKey, moderator.privateKey);
	expect(opened.kind).toBe('pair');
	return opened.report as PairReport;
}

const abuse: Content = { t: 'text', text: 'nobody will believe you anyway' };

function honest(): { report: PairReport; r: string } {
	const r = randomBind();
	const report = buildPairReport(met, pair, pairS, { message: samNote(samInPair, r), key: samInPair, r }, [delivered(pair, samInPair, abuse, 3), delivered(pair, samInPair, { t: 'text', text: 'and another' }, 5)], 'my sponsor said this');
	return { report, r };
}

describe('reports from a pair (§6.3)', () => {
	test('P8 an honest pair report verifies: the bind names Sam, each pair message verifies with its words', async () => {
		const { report } = honest();
		const result = await verifyPairReport(viaModerator(report), metStamp, pairStamp);
		expect(result.member).toBe(sam);
		expect(result.bind).toMatchObject({ verified: true, sender: sam });
		expect(result.messages.map((m) => m.verified)).toEqual([true, true]);
		expect(result.messages[0]).toMatchObject({ sender: samInPair, content: abuse });
		// The met group's stamp is asked about the met group only, the pair's about the pair only.
		expect(asked.met.at(-1)).toMatchObject({ group: met, sender: sam });
		expect(asked.pair.at(-1)).toMatchObject({ group: pair, sender: samInPair });
	});

	test('P8 a wrong r breaks the bind: nothing in the report is verified', async () => {
		const { report } = honest();
		const forged = { ...report, bind: { ...report.bind, r: randomBind() } };
		const result = await verifyPairReport(viaModerator(forged), metStamp, pairStamp);
		expect(result.bind).toMatchObject({ verified: false, reason: 'bind' });
		expect(result.messages.every((m) => !m.verified && m.reason === 'bind')).toBe(true);
		// M1: nobody is named when the link to a member is not proven.
		expect(result.member).toBeNull();
		expect(result.claimed).toBe(sam);
	});

	test('P8 a wrong K: Nina cannot pin her own pair messages on Sam with his bind', async () => {
		const { report } = honest();
		// Nina's pair messages presented as bound by Sam's note: the bind opens to Sam's key, not hers.
		const framed = { ...report, bind: { ...report.bind, key: ninaInPair }, messages: [buildReport(pair, [delivered(pair, ninaInPair, abuse, 4)], '').messages[0]!] };
		const result = await verifyPairReport(viaModerator(framed), metStamp, pairStamp);
		expect(result.bind).toMatchObject({ verified: false, reason: 'bind' });
		expect(result.messages[0]).toMatchObject({ verified: false });
		// Nina's own note binding her key does not name Sam either: its sender is Nina.
		const r = randomBind();
		const hers = buildPairReport(met, pair, pairS, { message: delivered(met, nina, { t: 'note', box: toB64(new Uint8Array(120).fill(1)), bind: pairBind(met, ninaInPair, r) }, 9), key: ninaInPair, r }, [delivered(pair, ninaInPair, abuse, 4)], '');
		expect((await verifyPairReport(viaModerator(hers), metStamp, pairStamp)).member).toBe(nina);
	});

	test('P8 a message from another pair, or from the other side of this pair, is not verified', async () => {
		const { report } = honest();
		const fromOtherPair = buildReport(otherPair, [delivered(otherPair, samInPair, abuse, 3)], '').messages[0]!;
		const fromReporter = buildReport(pair, [delivered(pair, ninaInPair, abuse, 6)], '').messages[0]!;
		const mixed = { ...report, messages: [fromOtherPair, fromReporter] };
		const result = await verifyPairReport(viaModerator(mixed), metStamp, pairStamp);
		expect(result.messages.map((m) => m.reason)).toEqual(['group', 'sender']);
		// The builder refuses both up front.
		const r = randomBind();
		expectCode(() => buildPairReport(met, pair, pairS, { message: samNote(samInPair, r), key: samInPair, r }, [delivered(otherPair, samInPair, abuse, 3)], ''), 'PROTOCOL_BAD_REPORT');
		expectCode(() => buildPairReport(met, pair, pairS, { message: samNote(samInPair, r), key: samInPair, r }, [delivered(pair, ninaInPair, abuse, 3)], ''), 'PROTOCOL_BAD_REPORT');
	});

	test('P8 a forged stamp on a pair message, or on the bind message, is not verified', async () => {
		const { report } = honest();
		const forgedPair = { ...report, messages: [{ ...report.messages[0]!, stamp: toB64(new Uint8Array(32).fill(7)) }] };
		expect((await verifyPairReport(viaModerator(forgedPair), metStamp, pairStamp)).messages[0]).toMatchObject({ verified: false, reason: 'stamp' });
		const forgedBind = { ...report, bind: { ...report.bind, message: { ...report.bind.message, stamp: toB64(new Uint8Array(32).fill(7)) } } };
		const result = await verifyPairReport(viaModerator(forgedBind), metStamp, pairStamp);
		expect(result.bind).toMatchObject({ verified: false, reason: 'stamp' });
		expect(result.messages.every((m) => !m.verified && m.reason === 'bind')).toBe(true);
		// A pair message re-addressed to the met group cannot borrow the met group's stamp check either.
		const moved = { ...report, messages: [{ ...report.messages[0]!, header: { ...report.messages[0]!.header, group: met } }] };
		expect((await verifyPairReport(viaModerator(moved), metStamp, pairStamp)).messages[0]).toMatchObject({ verified: false, reason: 'group' });
	});

	test('P8 altered words in a pair message fail the commitment; a relay that cannot be asked leaves it unchecked', async () => {
		const { report } = honest();
		const altered = { ...report, messages: [{ ...report.messages[0]!, body: report.messages[1]!.body }] };
		expect((await verifyPairReport(viaModerator(altered), metStamp, pairStamp)).messages[0]).toMatchObject({ verified: false, reason: 'commitment' });
		const down = async () => {
			throw new Error('offline');
		};
		expect((await verifyPairReport(viaModerator(report), metStamp, down)).messages[0]).toMatchObject({ verified: false, reason: 'stamp-unchecked' });
	});

	test('the bind: H("unseen/v1/pair-bind", {group, key, r}); a note without r binds nothing', () => {
		const r = randomBind();
		const bind = pairBind(met, samInPair, r);
		expect(bindHolds(met, samInPair, r, bind)).toBe(true);
		expect(bindHolds(met, ninaInPair, r, bind)).toBe(false);
		expect(bindHolds(pair, samInPair, r, bind)).toBe(false);
		expect(bindHolds(met, samInPair, randomBind(), bind)).toBe(false);
		expect(bindHolds(met, samInPair, r, undefined)).toBe(false);
		expect(bindHolds(met, samInPair, undefined, bind)).toBeUndefined();
	});

	test('labels keep the two kinds apart: a pair report is never read as a group report, and limits hold', () => {
		const { report } = honest();
		const sealed = sealPairReport(report, [toB64(moderator.publicKey)]);
		expectCode(() => openReport(sealed[0]!.box, moderator.publicKey, moderator.privateKey), 'PROTOCOL_BAD_REPORT');
		const group = buildReport(pair, [delivered(pair, samInPair, abuse, 3)], '');
		expect(openAnyReport(sealReport(group, [toB64(moderator.publicKey)])[0]!.box, moderator.publicKey, moderator.privateKey).kind).toBe('group');
		const r = randomBind();
		const many = Array.from({ length: MAX_PAIR_REPORT_MESSAGES + 1 }, (_, i) => delivered(pair, samInPair, { t: 'react', to: { sender: ninaInPair, epoch: 1, ctr: 1 }, emoji: '👍' }, i + 1));
		expect(buildPairReport(met, pair, pairS, { message: samNote(samInPair, r), key: samInPair, r }, many.slice(0, MAX_PAIR_REPORT_MESSAGES), '').messages).toHaveLength(49);
		expectCode(() => buildPairReport(met, pair, pairS, { message: samNote(samInPair, r), key: samInPair, r }, many, ''), 'PROTOCOL_BAD_REPORT');
		expectCode(() => buildPairReport(met, pair, pairS, { message: delivered(otherPair, sam, { t: 'note', box: toB64(new Uint8Array(120).fill(1)), bind: pairBind(met, samInPair, r) }, 7), key: samInPair, r }, [delivered(pair, samInPair, abuse, 3)], ''), 'PROTOCOL_BAD_REPORT');
	});
});
