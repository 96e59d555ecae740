/**
 * Reporting a sponsor pair's messages to the moderators of the group where the two met
 * (docs/PROTOCOL.md §6.3 "Reports from a pair", issue 10 item 6). The report carries the other
 * person's note in that group, whose bind ties their pair pseudonym to them, and goes to that
 * group's moderators and admins (less me and less them), with a case of its own in that group
 * (§13.6) so that the feedback reaches me there.
 */
import type { ClientCore } from './core.ts';
import type { GroupHandle } from './group.ts';
import type { ReportReadersView } from './api.ts';
import { disclosedIds, recipientsAbout, reportReaders } from './reports.ts';
import { newCaseId, newReplyKey } from '../crypto/report-case.ts';
import { buildPairReport, sealPairReport, type BindInput } from '../crypto/pair-report.ts';
import type { ReportInput } from '../crypto/report.ts';
import { describeError } from '../words/errors.ts';
import { PAIR_REPORT } from '../words/pair-report.ts';
import { ProtocolError, isProtocolError } from '../core/errors.ts';
import type { Envelope } from '../core/schema.ts';
import { fromB64 } from '../core/bytes.ts';
import type { FrankingRecord } from '../protocol/session/types.ts';

/** Why a report from a pair cannot reach the moderators of the group where the two met. */
export type MetReportBlock = 'not-from-group' | 'left-group' | 'not-linked';

/** The met group of pair `p` when a report can reach its moderators from here, else why not. */
export function metGroup(core: ClientCore, p: GroupHandle): { g: GroupHandle; bind: NonNullable<NonNullable<GroupHandle['pairMeta']>['bind']>; member: string; s: string } | { why: MetReportBlock } {
	const meta = p.pairMeta;
	if (!meta) return { why: 'not-from-group' };
	const g = core.groups.get(meta.met);
	if (!g || !g.session.state || g.session.data.removed) return { why: 'left-group' };
	// A pair begun with an older version, whose other side sent no bind, or with no `met` tag (§6.3).
	if (!meta.bind || !meta.s || p.session.state?.settings.met === undefined) return { why: 'not-linked' };
	return { g, bind: meta.bind, member: meta.otherInGroup, s: meta.s };
}

/** Who in the met group reads a report from pair `pair` (the report form), or null when none can. */
export function pairReportReaders(core: ClientCore, pair: string): ReportReadersView | null {
	const met = metGroup(core, core.group(pair));
	return 'why' in met ? null : reportReaders(met.g, [], new Set([met.member]));
}

const input = (record: FrankingRecord): ReportInput => ({
	envelope: { ...record.header, n: record.n, ct: '' } as Envelope,
	seq: record.seq,
	ts: record.ts,
	stamp: record.stamp,
	frankingKey: fromB64(record.fk),
	contentBytes: fromB64(record.body)
});

/** Sends a report of the chosen messages of pair `pair` to the moderators of the group where we met. */
export async function sendPairReport(core: ClientCore, pair: string, messageIds: string[], note: string): Promise<void> {
	const p = core.group(pair);
	const met = metGroup(core, p);
	if ('why' in met) throw new ProtocolError('PROTOCOL_BAD_REPORT', PAIR_REPORT.metCannot(p.pairMeta?.metName ?? 'that group', met.why));
	const { g, bind, member, s } = met;
	const { readers, leftOut } = recipientsAbout(g, new Set([member]));
	if (readers.length === 0) {
		const why = leftOut.length > 0 ? 'the report is about the only moderator of that group, so nobody else there can read it' : 'that group has no moderator or admin to report to';
		throw new ProtocolError('PROTOCOL_BAD_REPORT', why);
	}
	const inputs: ReportInput[] = [];
	await p.transcript.readAll();
	for (const id of disclosedIds(p.transcript.history, messageIds)) {
		const record = await p.franking.get(id);
		if (!record) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'that message cannot be reported from this device');
		inputs.push(input(record));
	}
	const bindInput: BindInput = { message: input(bind.record), key: bind.key, r: bind.r };
	const wipe = () => [...inputs, bindInput.message].forEach((i) => i.frankingKey.fill(0));
	const reply = newReplyKey();
	const caseId = newCaseId();
	let sealed: { to: string; box: string }[];
	try {
		const report = buildPairReport(g.id, p.id, s, bindInput, inputs, note, { id: caseId, reply: reply.pk });
		sealed = sealPairReport(report, readers.map((r) => r.box));
	} catch (error) {
		if (isProtocolError(error, 'PROTOCOL_WEAK_KEY')) throw new ProtocolError('PROTOCOL_WEAK_KEY', describeError(error));
		throw error;
	} finally {
		wipe();
	}
	// The reply key is kept in the met group (its moderators answer there, §13.6) before the report leaves.
	g.cases.data.mine[caseId] = { pk: reply.pk, sk: reply.sk, status: 'sent', ts: core.now(), messages: [...messageIds], pair: p.id };
	g.cases.touch();
	await g.save();
	try {
		// A keyless connection, one frame per reader (§9.8): the relay learns a report reached the group, not from whom.
		await core.conn.once(async (conn) => {
			for (const box of sealed) await conn.request({ t: 'report', group: g.id, sealed: [box] });
		});
	} catch (error) {
		delete g.cases.data.mine[caseId];
		g.cases.touch();
		await g.save().catch(() => undefined);
		throw error;
	}
	core.emit({ type: 'members', group: g.id });
	core.emit({ type: 'members', group: p.id });
}
