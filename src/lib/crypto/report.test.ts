import { beforeAll, describe, expect, test } from 'vitest';
import { ready, sodium } from './sodium.ts';
import { encryptMessage, newEpochSigningKey, type Content } from './message.ts';
import { checkStamp, commit, computeStamp } from './franking.ts';
import { MAX_NOTE, buildReport, openReport, sealReport, threadVerdicts, verifyReport, type Report, type ReportInput } from './report.ts';
import { fromB64, toB64, utf8 } from '../core/bytes.ts';
import { MAX_CONTENT_BYTES, MAX_REPORT_BOX } from '../core/content.ts';
import { canonicalJson, labelled } from '../core/cjson.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';

const group = toB64(new Uint8Array(32).fill(0x47));
const state = toB64(new Uint8Array(32).fill(0x53));
let relaySecret: Uint8Array;
let alice: string, carol: string;
let moderator: { publicKey: Uint8Array; privateKey: Uint8Array };

beforeAll(async () => {
	await ready();
	relaySecret = sodium().randombytes_buf(32);
	alice = toB64(sodium().crypto_sign_keypair().publicKey);
	carol = toB64(sodium().crypto_sign_keypair().publicKey);
	moderator = sodium().crypto_box_keypair();
});

/** What the relay does on append: assign seq and ts, stamp the commitment. */
function delivered(content: Content, seq: number, sender = alice): ReportInput {
	const esk = newEpochSigningKey();
	const { envelope, frankingKey, contentBytes } = encryptMessage({ group, epoch: 1, sender, ctr: seq, state, content, msgKey: new Uint8Array(32).fill(seq), eskSk: esk.eskSk });
	const ts = 1_700_000_000_000 + seq;
	const stamp = toB64(computeStamp(relaySecret, { c: envelope.c, sender, group, seq, ts }));
	return { envelope, seq, ts, stamp, frankingKey, contentBytes };
}

/** The relay's answer to a `verify` frame. */
const relayVerify = async (f: { c: string; sender: string; group: string; seq: number; ts: number; stamp: string }) => checkStamp(relaySecret, f, f.stamp);

function viaModerator(report: Report): Report {
	const sealed = sealReport(report, [toB64(moderator.publicKey)]);
	return openReport(sealed[0]!.box, moderator.publicKey, moderator.privateKey);
}

const abuse: Content = { t: 'text', text: 'you should just give up' };

describe('reports', () => {
	test('P8 verifiable reporting: a genuine report verifies every message and shows its words', async () => {
		const report = buildReport(group, [delivered({ t: 'text', text: 'before' }, 1), delivered(abuse, 2)], 'threatening me');
		const verdicts = await verifyReport(viaModerator(report), relayVerify);
		expect(verdicts.map((v) => v.verified)).toEqual([true, true]);
		expect(verdicts[1]).toMatchObject({ sender: alice, seq: 2, content: abuse });
	});

	test('P8 verifiable reporting: a reporter who changes a word fails the commitment', async () => {
		const report = buildReport(group, [delivered(abuse, 2)], '');
		const m = report.messages[0]!;
		const altered = { ...report, messages: [{ ...m, body: toB64(utf8('{"t":"text","text":"you should just give in"}')) }] };
		const [verdict] = await verifyReport(viaModerator(altered), relayVerify);
		expect(verdict).toMatchObject({ verified: false, reason: 'commitment' });
	});

	test('P8 verifiable reporting: a reporter who attributes a message to another sender fails the stamp', async () => {
		// The reporter knows fk, so it can make a commitment that names Carol; the relay stamped Alice's.
		const report = buildReport(group, [delivered(abuse, 2)], '');
		const m = report.messages[0]!;
		const header = { ...m.header, sender: carol };
		const fk = fromB64(m.fk);
		const body = fromB64(m.body);
		header.c = toB64(commit(fk, header, body));
		const [verdict] = await verifyReport(viaModerator({ ...report, messages: [{ ...m, header }] }), relayVerify);
		expect(verdict).toMatchObject({ verified: false, reason: 'stamp', sender: carol });
	});

	test('P8 verifiable reporting: a forged stamp or a moved sequence number fails', async () => {
		const report = buildReport(group, [delivered(abuse, 2)], '');
		const m = report.messages[0]!;
		const forged = { ...report, messages: [{ ...m, stamp: toB64(sodium().randombytes_buf(32)) }] };
		expect((await verifyReport(viaModerator(forged), relayVerify))[0]).toMatchObject({ verified: false, reason: 'stamp' });
		const moved = { ...report, messages: [{ ...m, seq: 9 }] };
		expect((await verifyReport(viaModerator(moved), relayVerify))[0]).toMatchObject({ verified: false, reason: 'stamp' });
	});

	test('P8 verifiable reporting: an outsider without the relay secret cannot check a stamp', async () => {
		const report = buildReport(group, [delivered(abuse, 2)], '');
		const m = report.messages[0]!;
		const fields = { c: m.header.c, sender: m.header.sender, group, seq: m.seq, ts: m.ts };
		expect(checkStamp(relaySecret, fields, m.stamp)).toBe(true);
		// Any key but the relay's says "not genuine": the stamp is a MAC, not a signature.
		expect(checkStamp(sodium().randombytes_buf(32), fields, m.stamp)).toBe(false);
		const outsider = async (f: typeof fields & { stamp: string }) => checkStamp(new Uint8Array(32), f, f.stamp);
		expect((await verifyReport(report, outsider))[0]).toMatchObject({ verified: false, reason: 'stamp' });
	});

	test('an unreachable relay leaves the message unverified, never verified', async () => {
		const report = buildReport(group, [delivered(abuse, 2)], '');
		const [verdict] = await verifyReport(report, async () => {
			throw new Error('offline');
		});
		expect(verdict).toMatchObject({ verified: false, reason: 'stamp-unchecked' });
	});

	test('a message from another group in the report is flagged, not verified', async () => {
		const report = buildReport(group, [delivered(abuse, 2)], '');
		const m = report.messages[0]!;
		const other = { ...report, group: state, messages: [m] };
		expect((await verifyReport(other, relayVerify))[0]).toMatchObject({ verified: false, reason: 'group' });
	});

	test('P1 confidentiality: a sealed report reveals nothing and only the addressed moderator opens it', () => {
		const report = buildReport(group, [delivered(abuse, 2)], 'please look at this');
		const other = sodium().crypto_box_keypair();
		const sealed = sealReport(report, [toB64(moderator.publicKey), toB64(other.publicKey), toB64(moderator.publicKey)]);
		expect(sealed.map((s) => s.to)).toEqual([toB64(moderator.publicKey), toB64(other.publicKey)]);
		expect(JSON.stringify(sealed)).not.toContain('please');
		expect(openReport(sealed[1]!.box, other.publicKey, other.privateKey).note).toBe('please look at this');
		const stranger = sodium().crypto_box_keypair();
		expectCode(() => openReport(sealed[0]!.box, stranger.publicKey, stranger.privateKey), 'PROTOCOL_BAD_REPORT');
	});

	test('P7 domain separation: a sealed box of anything but a report is refused', () => {
		const notReport = sodium().crypto_box_seal(labelled('unseen/v1/msg', { group }), moderator.publicKey);
		expectCode(() => openReport(toB64(notReport), moderator.publicKey, moderator.privateKey), 'PROTOCOL_BAD_REPORT');
	});

	test.each([
		['no messages', () => buildReport(group, [], '')],
		['a note over 1,000 characters', () => buildReport(group, [delivered(abuse, 2)], 'x'.repeat(1001))],
		['a message of another group', () => buildReport(state, [delivered(abuse, 2)], '')],
		['more than fits a report frame', () => buildReport(group, [1, 2, 3, 4, 5, 6].map((i) => delivered({ t: 'text', text: '\u4e00'.repeat(8000) }, i)), '')]
	])('a report with %s is PROTOCOL_BAD_REPORT', (_n, build) => {
		expectCode(build, 'PROTOCOL_BAD_REPORT');
	});

	test('sealing needs at least one moderator', () => {
		const report = buildReport(group, [delivered(abuse, 2)], '');
		expectCode(() => sealReport(report, []), 'PROTOCOL_BAD_REPORT');
	});
});

describe('reports of edited messages (review finding 3)', () => {
	const ref = (input: ReportInput) => ({ sender: input.envelope.sender, epoch: input.envelope.epoch, ctr: input.envelope.ctr });

	test('P8 verifiable reporting: an abusive edit is disclosed with the original and verified on its own', async () => {
		const hi = delivered({ t: 'text', text: 'hi' }, 1);
		const edit = delivered({ t: 'edit', to: ref(hi), text: 'nobody would miss you' }, 2);
		const report = buildReport(group, [hi, edit], 'they changed it');
		const threads = threadVerdicts(await verifyReport(viaModerator(report), relayVerify));
		expect(threads).toHaveLength(1);
		expect(threads[0]!.message).toMatchObject({ verified: true, content: { t: 'text', text: 'hi' } });
		expect(threads[0]!.edits).toEqual([expect.objectContaining({ verified: true, seq: 2, content: expect.objectContaining({ text: 'nobody would miss you' }) })]);
	});

	test('P8 verifiable reporting: an altered edit fails its own commitment while the original still verifies', async () => {
		const hi = delivered({ t: 'text', text: 'hi' }, 1);
		const edit = delivered({ t: 'edit', to: ref(hi), text: 'nobody would miss you' }, 2);
		const report = buildReport(group, [hi, edit], '');
		const altered = { ...report, messages: [report.messages[0]!, { ...report.messages[1]!, body: toB64(utf8(canonicalJson({ t: 'edit', text: 'hello', to: ref(hi) }))) }] };
		const [thread] = threadVerdicts(await verifyReport(viaModerator(altered), relayVerify));
		expect(thread!.message.verified).toBe(true);
		expect(thread!.edits[0]).toMatchObject({ verified: false, reason: 'commitment' });
	});

	test("an edit by someone else is never shown as a change of the sender's message", async () => {
		const hi = delivered({ t: 'text', text: 'hi' }, 1);
		const foreign = delivered({ t: 'edit', to: ref(hi), text: 'words put in their mouth' }, 2, carol);
		const threads = threadVerdicts(await verifyReport(buildReport(group, [hi, foreign], ''), relayVerify));
		expect(threads.map((t) => t.edits.length)).toEqual([0, 0]);
		expect(threads[1]!.message).toMatchObject({ sender: carol, content: { t: 'edit' } });
	});
});

/** The longest text (≤ 8,000 characters) whose `content(text)` fits 35 KiB (§5.3). */
function largest(content: (text: string) => Content): Content {
	// A control character escapes to 6 bytes, "€" is 3: 3,900 of the one and 4,100 of the other fill 35 KiB.
	let text = '\u0001'.repeat(3900) + '€'.repeat(4100);
	while (utf8(canonicalJson(content(text) as never)).length > MAX_CONTENT_BYTES) text = text.slice(0, -1);
	return content(text);
}

describe('reports of any message the relay accepts (§6.3)', () => {
	test('P8 verifiable reporting: a largest message and its largest edit, with a longest note, fit one report and verify', async () => {
		const original = delivered(largest((text) => ({ t: 'text', text, cw: '\u0001'.repeat(200) })), 1);
		const edit = delivered(largest((text) => ({ t: 'edit', to: { sender: alice, epoch: 1, ctr: 1 }, text })), 2);
		expect(original.contentBytes.length).toBeGreaterThan(MAX_CONTENT_BYTES - 64);
		expect(edit.contentBytes.length).toBeGreaterThan(MAX_CONTENT_BYTES - 64);
		const report = buildReport(group, [original, edit], '\u0001'.repeat(MAX_NOTE));
		const [box] = sealReport(report, [toB64(moderator.publicKey)]);
		expect(fromB64(box!.box).length).toBeLessThanOrEqual(MAX_REPORT_BOX);
		const verdicts = await verifyReport(openReport(box!.box, moderator.publicKey, moderator.privateKey), relayVerify);
		expect(verdicts.map((v) => v.verified)).toEqual([true, true]);
	});

	test('P8 verifiable reporting: the content warning is verified with the words, and an altered warning is not', async () => {
		const warned: Content = { t: 'text', text: 'see the warning', cw: 'everyone here wants you gone' };
		const report = buildReport(group, [delivered(warned, 3)], '');
		const [verdict] = await verifyReport(viaModerator(report), relayVerify);
		expect(verdict).toMatchObject({ verified: true, content: { cw: 'everyone here wants you gone' } });

		const m = report.messages[0]!;
		const altered = { ...report, messages: [{ ...m, body: toB64(utf8(canonicalJson({ cw: 'everyone here wants you to stay', t: 'text', text: 'see the warning' }))) }] };
		const [forged] = await verifyReport(viaModerator(altered), relayVerify);
		expect(forged).toMatchObject({ verified: false, reason: 'commitment' });
	});
});
