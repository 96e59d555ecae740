/**
 * Reports from a sponsor pair to the moderators of the group where the two met (docs/PROTOCOL.md
 * §6.3 "Reports from a pair", property P8). The report discloses the other person's `note`
 * message in the met group, whose `bind` ties their pair pseudonym `K` to them, with `K` and the
 * `r` that opens the bind, and the chosen pair messages of `K`. It is sealed under its own label
 * ("unseen/v1/pair-report"), so it can never be read as a group report.
 */
import * as v from 'valibot';
import { concat, equalBytes, fromB64, utf8 } from '../core/bytes.ts';
import { canonicalJson, labelled, type CJson } from '../core/cjson.ts';
import { ProtocolError } from '../core/errors.ts';
import { LABEL } from '../core/labels.ts';
import { key32 } from '../core/schema.ts';
import { MAX_NOTE, MAX_REPORT_BYTES, MAX_REPORT_MESSAGES, disclose, reportSchema, reportedSchema, sealToModerators, verifyDisclosed, type Report, type ReportInput, type StampCheck, type Verdict } from './report.ts';
import { bindHolds } from './sponsor-note.ts';
import { sodium } from './sodium.ts';

/** One disclosed message more than a group report (the bind message), so one pair message fewer (§6.3). */
export const MAX_PAIR_REPORT_MESSAGES = MAX_REPORT_MESSAGES - 1;

export const pairReportSchema = v.strictObject({
	v: v.literal(1),
	met: key32,
	pair: key32,
	/** Opens the pair's genesis `met` tag: lets the met group's moderators check the pair's stamps (§9.7). */
	s: key32,
	note: v.pipe(v.string(), v.maxLength(MAX_NOTE)),
	case: v.optional(v.strictObject({ id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/)), reply: key32 })),
	bind: v.strictObject({ message: reportedSchema, key: key32, r: key32 }),
	messages: v.pipe(v.array(reportedSchema), v.minLength(1), v.maxLength(MAX_PAIR_REPORT_MESSAGES))
});
export type PairReport = v.InferOutput<typeof pairReportSchema>;

/** The bind a reader kept from the other person's note (§11.2): the note message, their pair key and `r`. */
export interface BindInput {
	message: ReportInput;
	key: string;
	r: string;
}

/**
 * Builds a pair report. PROTOCOL_BAD_REPORT when it is empty, too large, or holds a message that
 * is not the bound key's in this pair (only the other person's messages may be chosen).
 */
export function buildPairReport(met: string, pair: string, s: string, bind: BindInput, messages: ReportInput[], note: string, reportCase?: { id: string; reply: string }): PairReport {
	const report = {
		v: 1 as const,
		met,
		pair,
		s,
		note,
		...(reportCase ? { case: reportCase } : {}),
		bind: { message: disclose(bind.message), key: bind.key, r: bind.r },
		messages: messages.map(disclose)
	};
	const parsed = v.safeParse(pairReportSchema, report);
	if (!parsed.success) throw new ProtocolError('PROTOCOL_BAD_REPORT', `report must hold 1 to ${MAX_PAIR_REPORT_MESSAGES} well-formed messages and a short note`);
	if (report.bind.message.header.group !== met) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'the binding note must come from the group where you met');
	if (report.messages.some((m) => m.header.group !== pair || m.header.sender !== bind.key)) {
		throw new ProtocolError('PROTOCOL_BAD_REPORT', 'only the other person’s messages in this conversation can be reported to the group');
	}
	if (labelled(LABEL.pairReport, report).length > MAX_REPORT_BYTES) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'report is too large: choose fewer messages');
	return report;
}

/** Seals a pair report to each moderator box key (b64): the `sealed` list of `report` frames. */
export function sealPairReport(report: PairReport, moderatorBoxKeys: string[]): { to: string; box: string }[] {
	return sealToModerators(LABEL.pairReport, report as unknown as CJson, moderatorBoxKeys);
}

export type AnyReport = { kind: 'group'; report: Report } | { kind: 'pair'; report: PairReport };

/**
 * Opens a sealed report addressed to us: a group report (§6.3) or a pair report, told apart by
 * the label. PROTOCOL_BAD_REPORT on anything that is neither, or not canonical.
 */
export function openAnyReport(box: string, myBoxPk: Uint8Array, myBoxSk: Uint8Array): AnyReport {
	let plain: Uint8Array;
	try {
		plain = sodium().crypto_box_seal_open(fromB64(box, 'box'), myBoxPk, myBoxSk);
	} catch {
		throw new ProtocolError('PROTOCOL_BAD_REPORT', 'report does not open with this key');
	}
	try {
		for (const [kind, label, schema] of [
			['group', LABEL.reportAd, reportSchema],
			['pair', LABEL.pairReport, pairReportSchema]
		] as const) {
			const prefix = concat(utf8(label), new Uint8Array([0]));
			if (plain.length <= prefix.length || !equalBytes(plain.subarray(0, prefix.length), prefix)) continue;
			let raw: unknown;
			try {
				raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain.subarray(prefix.length)));
			} catch {
				throw new ProtocolError('PROTOCOL_BAD_REPORT', 'report is not JSON');
			}
			const parsed = v.safeParse(schema, raw);
			if (!parsed.success) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'report has the wrong shape');
			if (canonicalJson(parsed.output as unknown as CJson) !== canonicalJson(raw as CJson)) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'report is not canonical');
			return kind === 'group' ? { kind, report: parsed.output as Report } : { kind, report: parsed.output as PairReport };
		}
		throw new ProtocolError('PROTOCOL_BAD_REPORT', 'sealed data is not a report');
	} finally {
		sodium().memzero(plain);
	}
}

export interface PairVerdicts {
	/** The met group's member the report is about (the bind message's sender), or null when the bind fails: nobody is named. */
	member: string | null;
	/** Whom the reporter claims it is about (the bind message's sender), proven or not: left out of the case's readers. */
	claimed: string;
	/** The bind message's own verdict; `verified` only when its `bind` also opens to `key` with `r`. */
	bind: Verdict;
	/** Each pair message (its `sender` is the pair key; a view names `member` instead). */
	messages: Verdict[];
}

/**
 * Verifies a pair report (§6.3 "Reports from a pair"): the bind message as a message of `met`
 * (stamp through `metStamp`, the moderator's keyed check) whose `bind` opens to `key` with `r`;
 * then each pair message: group `pair`, sender `key`, commitment, content and a stamp the relay
 * confirms for the pair (`pairStamp`, asked `via` the met group with the report's `s`, §9.7). When the bind fails, every pair
 * message is `bind`: words of an unbound pseudonym are never shown as a member's.
 */
export async function verifyPairReport(report: PairReport, metStamp: (fields: StampCheck) => Promise<boolean>, pairStamp: (fields: StampCheck) => Promise<boolean>): Promise<PairVerdicts> {
	const claimed = report.bind.message.header.sender;
	let bind = await verifyDisclosed(report.bind.message, report.met, metStamp);
	if (bind.verified) {
		const c = bind.content;
		if (c?.t !== 'note' || bindHolds(report.met, report.bind.key, report.bind.r, c.bind) !== true) bind = { ...bind, verified: false, reason: 'bind' };
	}
	const messages: Verdict[] = [];
	// An unproven bind: the relay is not asked about the pair at all (it would learn a link nobody proved).
	const stamp = bind.verified ? pairStamp : () => Promise.reject(new Error('the bind does not hold'));
	for (const m of report.messages) {
		const verdict = await verifyDisclosed(m, report.pair, stamp, report.bind.key);
		messages.push(bind.verified ? verdict : { ...verdict, verified: false, reason: 'bind' });
	}
	return { member: bind.verified ? claimed : null, claimed, bind, messages };
}
