/**
 * The client's report methods (docs/PROTOCOL.md §6.3, §13.6), as UnseenClient exposes them: file
 * a report (to the group's moderators, from a sponsor pair to the moderators of the group where
 * the two met, or to the deployment moderator), see who will read it, follow and dismiss my own
 * reports, and, for moderators, read the inbox and a report's shared case. The sealing and
 * verification are in reports.ts and pair-reports.ts; the moderators' case steps (take,
 * resolve, note) in case-actions.ts.
 */
import type { CaseView, MyReportView, ReportReadersView, ReportView } from './api.ts';
import type { ClientCore } from './core.ts';
import type { ModeratorPin } from './moderator.ts';
import { pairReportReaders, sendPairReport } from './pair-reports.ts';
import { caseView, fetchReports, reportReaders as groupReportReaders, sendReport } from './reports.ts';

export async function report(core: ClientCore, moderator: ModeratorPin, group: string, messageIds: string[], note: string, service: boolean): Promise<void> {
	const g = core.group(group);
	// From a sponsor pair, "the group" is the group where the two met (§6.3 "Reports from a pair").
	if (g.pairMeta && !service) return sendPairReport(core, group, messageIds, note);
	await sendReport(core.conn, g, messageIds, note, service, () => moderator.recipient(), () => core.now());
	if (!service) core.emit({ type: 'members', group });
}

export function reportReaders(core: ClientCore, group: string, messageIds: string[]): ReportReadersView {
	const g = core.group(group);
	if (g.pairMeta) return pairReportReaders(core, group) ?? { readers: [], leftOut: [] };
	return groupReportReaders(g, messageIds);
}

/** Moderator inbox: the group's reports addressed to me, each message verified (P8). */
export async function reports(core: ClientCore, group: string): Promise<ReportView[]> {
	const views = await fetchReports(core.conn, core.group(group));
	core.emit({ type: 'groups' });
	return views;
}

export function reportCase(core: ClientCore, group: string, caseId: string): CaseView | null {
	const g = core.groups.get(group);
	if (!g || core.locked || !g.cases.data.cases[caseId]) return null;
	return caseView(g, caseId);
}

export function myReports(core: ClientCore, group: string): MyReportView[] {
	const p = core.groups.get(group);
	// A pair's reports to the group where the two met live in that group's cases (§13.6).
	const g = p?.pairMeta ? core.groups.get(p.pairMeta.met) : p;
	if (!g || core.locked) return [];
	return Object.entries(g.cases.data.mine)
		.filter(([, m]) => !m.dismissed && (m.pair ?? null) === (g === p ? null : group))
		.map(([id, m]) => ({ id, status: m.status, ts: m.ts, messages: [...m.messages] }))
		.sort((a, b) => a.ts - b.ts);
}

export async function dismissMyReport(core: ClientCore, group: string, id: string): Promise<void> {
	const p = core.group(group);
	const g = (p.pairMeta && core.groups.get(p.pairMeta.met)) || p;
	const mine = g.cases.data.mine[id];
	if (!mine) return;
	mine.dismissed = true;
	g.cases.touch();
	await g.save();
	core.emit({ type: 'members', group });
}
