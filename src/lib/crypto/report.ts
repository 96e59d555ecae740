/**
 * Abuse reports (docs/PROTOCOL.md §6.3, property P8).
 *
 * A report discloses, for each chosen message, `{header, n, seq, ts, stamp, fk, body}` plus the
 * reporter's note, and nothing else. It is sealed separately to each moderator's X25519 key:
 * `box = Seal(modBoxPk, labelled("unseen/v1/report", report))`. A moderator verifies each
 * message by recomputing the franking commitment from (header, fk, body) and asking the relay
 * whether the stamp over (c, sender, group, seq, ts) is genuine (`verify` frame, §9.7).
 */
import * as v from 'valibot';
import { b64Bytes, concat, equalBytes, fromB64, toB64, utf8 } from '../core/bytes.ts';
import { canonicalJson, labelled, type CJson } from '../core/cjson.ts';
import { ProtocolError } from '../core/errors.ts';
import { LABEL } from '../core/labels.ts';
import { b64, key32, uint, type Envelope, type EnvelopeHeader } from '../core/schema.ts';
import { MAX_CONTENT_BYTES, MAX_REPORT_BOX, parseContent, type Content } from '../core/content.ts';
import { verifyCommitment } from './franking.ts';
import type { StampFields } from '../core/stamp.ts';
import { sealTo } from './box-key.ts';
import { sodium } from './sodium.ts';

export const MAX_REPORT_MESSAGES = 50;
export const MAX_NOTE = 1000;
/** Sealed boxes travel in `report` frames, one each, at most MAX_REPORT_BOX (§6.3, §9.8); Seal adds 48 bytes. */
export const MAX_REPORT_BYTES = MAX_REPORT_BOX - 48;

const headerSchema = v.strictObject({ v: v.literal(1), group: key32, epoch: uint, sender: key32, ctr: uint, state: key32, c: key32 });
export const reportedSchema = v.strictObject({
	header: headerSchema,
	n: b64(24),
	seq: v.pipe(uint, v.minValue(1)),
	ts: uint,
	stamp: key32,
	fk: key32,
	body: b64([1, MAX_CONTENT_BYTES])
});
export const reportSchema = v.strictObject({
	v: v.literal(1),
	group: key32,
	note: v.pipe(v.string(), v.maxLength(MAX_NOTE)),
	messages: v.pipe(v.array(reportedSchema), v.minLength(1), v.maxLength(MAX_REPORT_MESSAGES)),
	/** The shared case (§13.6): its id and the reporter's one-time reply key. Optional. */
	case: v.optional(v.strictObject({ id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/)), reply: key32 }))
});
export type Report = v.InferOutput<typeof reportSchema>;

/** One message as the reporter holds it after receiving it. */
export interface ReportInput {
	envelope: Envelope;
	seq: number;
	ts: number;
	stamp: string;
	frankingKey: Uint8Array;
	contentBytes: Uint8Array;
}

/** Builds a report of the chosen messages. PROTOCOL_BAD_REPORT if it is empty, mixed or too large. */
/** One message as a report discloses it (§6.3). */
export function disclose(m: ReportInput): Reported {
	return {
		header: { v: m.envelope.v, group: m.envelope.group, epoch: m.envelope.epoch, sender: m.envelope.sender, ctr: m.envelope.ctr, state: m.envelope.state, c: m.envelope.c },
		n: m.envelope.n,
		seq: m.seq,
		ts: m.ts,
		stamp: m.stamp,
		fk: toB64(m.frankingKey),
		body: toB64(m.contentBytes)
	};
}
export type Reported = v.InferOutput<typeof reportedSchema>;

export function buildReport(group: string, messages: ReportInput[], note: string, reportCase?: { id: string; reply: string }): Report {
	const report = {
		v: 1 as const,
		group,
		note,
		...(reportCase ? { case: reportCase } : {}),
		messages: messages.map(disclose)
	};
	const parsed = v.safeParse(reportSchema, report);
	if (!parsed.success) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'report must hold 1 to 50 well-formed messages and a short note');
	if (report.messages.some((m) => m.header.group !== group)) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'every reported message must come from this group');
	if (labelled(LABEL.reportAd, report).length > MAX_REPORT_BYTES) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'report is too large: choose fewer messages');
	return report;
}

/**
 * Seals the report to each moderator box key (b64). Returns the `sealed` list of a `report` frame.
 * PROTOCOL_WEAK_KEY when a moderator key is one libsodium refuses (nothing is sealed then).
 */
export function sealReport(report: Report, moderatorBoxKeys: string[]): { to: string; box: string }[] {
	return sealToModerators(LABEL.reportAd, report as unknown as CJson, moderatorBoxKeys);
}

/** `labelled(label, value)` sealed once to each distinct moderator box key (b64); the plaintext is wiped after. */
export function sealToModerators(label: string, value: CJson, moderatorBoxKeys: string[]): { to: string; box: string }[] {
	const plain = labelled(label, value);
	const unique = [...new Set(moderatorBoxKeys)];
	if (unique.length === 0) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'a report needs at least one moderator');
	try {
		return unique.map((to) => ({ to, box: toB64(sealTo(plain, b64Bytes(to, 32, 'moderator key'), 'moderator key')) }));
	} finally {
		sodium().memzero(plain);
	}
}

/** Opens a sealed report addressed to us. PROTOCOL_BAD_REPORT on anything that is not one. */
export function openReport(box: string, myBoxPk: Uint8Array, myBoxSk: Uint8Array): Report {
	let plain: Uint8Array;
	try {
		plain = sodium().crypto_box_seal_open(fromB64(box, 'box'), myBoxPk, myBoxSk);
	} catch {
		throw new ProtocolError('PROTOCOL_BAD_REPORT', 'report does not open with this key');
	}
	const prefix = concat(utf8(LABEL.reportAd), new Uint8Array([0]));
	if (plain.length <= prefix.length || !equalBytes(plain.subarray(0, prefix.length), prefix)) {
		throw new ProtocolError('PROTOCOL_BAD_REPORT', 'sealed data is not a report');
	}
	let raw: unknown;
	try {
		raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain.subarray(prefix.length)));
	} catch {
		throw new ProtocolError('PROTOCOL_BAD_REPORT', 'report is not JSON');
	}
	const parsed = v.safeParse(reportSchema, raw);
	if (!parsed.success) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'report has the wrong shape');
	if (canonicalJson(parsed.output as unknown as CJson) !== canonicalJson(raw as CJson)) {
		throw new ProtocolError('PROTOCOL_BAD_REPORT', 'report is not canonical');
	}
	return parsed.output;
}

/** What the moderator asks the relay (the `verify` frame's fields). */
export type StampCheck = StampFields & { stamp: string };

export type VerdictReason = 'commitment' | 'stamp' | 'stamp-unchecked' | 'content' | 'group' | 'sender' | 'bind';

export interface Verdict {
	/** True only when the commitment matches and the relay confirms the stamp. */
	verified: boolean;
	reason?: VerdictReason;
	sender: string;
	/** The disclosed message's own address (from its header). */
	epoch: number;
	ctr: number;
	seq: number;
	ts: number;
	/** The disclosed content, when it parses (shown with the verdict). */
	content?: Content;
}

/**
 * Verifies each reported message: the franking commitment (locally, constant time), then the
 * relay stamp through `verifyStamp` (the client sends a `verify` frame). A throwing
 * `verifyStamp` gives `stamp-unchecked`, never `verified`.
 */
export async function verifyReport(report: Report, verifyStamp: (fields: StampCheck) => Promise<boolean>): Promise<Verdict[]> {
	const verdicts: Verdict[] = [];
	for (const m of report.messages) verdicts.push(await verifyDisclosed(m, report.group, verifyStamp));
	return verdicts;
}

/**
 * One disclosed message of `group` (§6.3): its group, the commitment, the content, then the
 * stamp through `verifyStamp`; `sender`, when given, is the sender its header must name.
 */
export async function verifyDisclosed(m: Reported, group: string, verifyStamp: (fields: StampCheck) => Promise<boolean>, sender?: string): Promise<Verdict> {
	const h: EnvelopeHeader = m.header;
	const base = { sender: h.sender, epoch: h.epoch, ctr: h.ctr, seq: m.seq, ts: m.ts };
	let content: Content | undefined;
	const body = fromB64(m.body);
	try {
		content = parseContent(body);
	} catch {
		content = undefined;
	}
	const reject = (reason: VerdictReason): Verdict => ({ verified: false, reason, ...base, content });
	if (h.group !== group) return reject('group');
	if (sender !== undefined && h.sender !== sender) return reject('sender');
	if (!verifyCommitment(fromB64(m.fk), h, body, fromB64(h.c))) return reject('commitment');
	if (!content) return reject('content');
	let valid: boolean;
	try {
		valid = await verifyStamp({ c: h.c, sender: h.sender, group: h.group, seq: m.seq, ts: m.ts, stamp: m.stamp });
	} catch {
		return reject('stamp-unchecked');
	}
	if (valid !== true) return reject('stamp');
	return { verified: true, ...base, content };
}

/** A disclosed message with the disclosed edits that change it, each with its own verdict. */
export interface Thread {
	message: Verdict;
	/** Edits by the same sender addressed to `message`, in relay order (§6.3). */
	edits: Verdict[];
}

const sameAddress = (to: { sender: string; epoch: number; ctr: number }, v: Verdict) => to.sender === v.sender && to.epoch === v.epoch && to.ctr === v.ctr;

/**
 * Arranges verdicts the way a moderator reads them (§6.3): every disclosed `edit` whose target
 * is also disclosed, and whose sender is that target's sender (only a sender's own edits change
 * a message), is placed under the target in relay order. Everything else stays a thread of its
 * own, so nothing disclosed is ever hidden. Each edit keeps its own verdict: a verified original
 * never vouches for an edit, nor the other way round.
 */
export function threadVerdicts(verdicts: readonly Verdict[]): Thread[] {
	const threads: Thread[] = [];
	const placed = new Set<Verdict>();
	const originals = verdicts.filter((v) => v.content?.t !== 'edit');
	for (const message of originals) {
		const edits = verdicts
			.filter((v) => v.content?.t === 'edit' && v.sender === message.sender && v.seq > message.seq && sameAddress(v.content.to, message))
			.sort((a, b) => a.seq - b.seq);
		edits.forEach((e) => placed.add(e));
		threads.push({ message, edits });
	}
	for (const v of verdicts) if (v.content?.t === 'edit' && !placed.has(v)) threads.push({ message: v, edits: [] });
	return threads.sort((a, b) => a.message.seq - b.message.seq);
}
