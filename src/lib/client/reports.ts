/**
 * The client half of reporting (docs/PROTOCOL.md §6.3, §9.7-9.8, property P8). A member seals
 * the chosen messages (with their franking keys and relay stamps) to the group's moderators
 * and admins, or to the deployment moderator; a moderator opens the reports addressed to it and
 * verifies each message: the commitment locally, the stamp by asking the relay.
 */
import type { ReportedMessageView, ReportView } from './api.ts';
import { messageId, type History } from './history.ts';
import { RelayError, type Connection } from './connection.ts';
import type { ConnectionPool } from './pool.ts';
import { sodium } from '../crypto/sodium.ts';
import type { GroupHandle } from './group.ts';
import { describeError } from '../words/errors.ts';
import { ProtocolError, isProtocolError } from '../core/errors.ts';
import type { Envelope } from '../core/schema.ts';
import { fromB64, toB64 } from '../core/bytes.ts';
import * as may from '../protocol/group/may.ts';
import { buildReport, openReport, sealReport, threadVerdicts, verifyReport, type ReportInput, type StampCheck, type Verdict } from '../crypto/report.ts';

/**
 * What a report of the chosen ids discloses: each chosen message with every edit of it that is
 * shown (so moderators judge the words people saw, not a harmless original), or a chosen
 * reaction on its own. Nothing else.
 */
function disclosedIds(history: History, messageIds: string[]): string[] {
	const out: string[] = [];
	for (const id of messageIds) {
		const m = history.get(id);
		if (m && (m.deleted || m.hidden)) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'that message was deleted or hidden; its words are no longer kept');
		if (m && m.edited && !(m.edits && m.edits.length > 0)) {
			throw new ProtocolError('PROTOCOL_BAD_REPORT', 'this message was edited before this device kept edits, so what was shown cannot be verified');
		}
		out.push(id, ...(m?.edits ?? []));
	}
	return [...new Set(out)];
}

export async function sendReport(
	pool: Pick<ConnectionPool, 'once'>,
	g: Pick<GroupHandle, 'id' | 'session' | 'transcript' | 'franking'>,
	messageIds: string[],
	note: string,
	service: boolean,
	serviceModerator?: () => Promise<string>
): Promise<void> {
	let recipients: string[];
	if (service) {
		// Never the key from this connection's hello: the pinned one (review finding 11).
		if (!serviceModerator) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'this service has no moderator to report to');
		recipients = [await serviceModerator()];
	} else {
		const log = g.session.state;
		recipients = log ? Object.values(log.members).filter((m) => may.moderate(log, m.sign).ok && m.sign !== g.session.me).map((m) => m.box) : [];
		if (recipients.length === 0) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'this group has no other moderator or admin to report to');
	}
	const inputs: ReportInput[] = [];
	for (const id of disclosedIds(g.transcript.history, messageIds)) {
		const record = await g.franking.get(id);
		if (!record) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'that message cannot be reported from this device');
		// The report discloses the header and nonce, never the ciphertext: `ct` is not needed.
		const envelope = { ...record.header, n: record.n, ct: '' } as Envelope;
		inputs.push({ envelope, seq: record.seq, ts: record.ts, stamp: record.stamp, frankingKey: fromB64(record.fk), contentBytes: fromB64(record.body) });
	}
	let report;
	try {
		report = buildReport(g.id, inputs, note);
	} catch (error) {
		for (const input of inputs) input.frankingKey.fill(0);
		throw error;
	}
	let sealed: { to: string; box: string }[];
	try {
		sealed = sealReport(report, recipients);
	} catch (error) {
		// A moderator key libsodium refuses: say so in words the reporter can act on.
		if (isProtocolError(error, 'PROTOCOL_WEAK_KEY')) throw new ProtocolError('PROTOCOL_WEAK_KEY', describeError(error));
		throw error;
	} finally {
		for (const input of inputs) input.frankingKey.fill(0);
	}
	// A fresh connection with no key: the relay learns a report arrived, not which pseudonym filed it (P9).
	await pool.once((conn) => conn.request(service ? { t: 'report', sealed } : { t: 'report', group: g.id, sealed }));
}

/**
 * Asks the relay, as moderator key `as`, whether a stamp is genuine (§9.7). A definite refusal
 * counts as "not genuine"; a transport failure throws, which verifyReport turns into
 * `stamp-unchecked`. Shared with the deployment moderator's tool (bin/moderator.ts).
 */
export function relayStampCheck(conn: Connection, as: string): (fields: StampCheck) => Promise<boolean> {
	return async (fields) => {
		const reply = await conn.request({ t: 'verify', as, ...fields }).catch((error: unknown) => {
			if (error instanceof RelayError && !error.transient) return { valid: false };
			throw error;
		});
		return reply.valid === true;
	};
}

/** One verdict as moderators read it; `nameOf` gives the display name the reader knows for a key. */
export function verdictView(v: Verdict, nameOf: (sender: string) => string | null): ReportedMessageView {
	const c = v.content;
	const kind = !c ? 'other' : c.t === 'text' || c.t === 'edit' ? c.t : c.t === 'react' ? 'reaction' : c.t === 'hello' ? 'profile' : 'other';
	const to = c && (c.t === 'edit' || c.t === 'react') ? { to: messageId(c.to) } : {};
	return {
		id: messageId(v),
		kind,
		...to,
		sender: v.sender,
		senderName: nameOf(v.sender),
		seq: v.seq,
		ts: v.ts,
		text: !c ? null : c.t === 'text' || c.t === 'edit' ? c.text : c.t === 'react' ? c.emoji : c.t === 'hello' ? c.profile.name : null,
		verified: v.verified,
		...(v.reason ? { reason: v.reason } : {})
	};
}

/** The verdicts of one report, threaded (§6.3) and as views: each message with its edits. */
export function reportViews(verdicts: readonly Verdict[], nameOf: (sender: string) => string | null): ReportedMessageView[] {
	return threadVerdicts(verdicts).map((t) => ({
		...verdictView(t.message, nameOf),
		...(t.edits.length > 0 ? { edits: t.edits.map((e) => verdictView(e, nameOf)) } : {})
	}));
}

export async function fetchReports(pool: Pick<ConnectionPool, 'of' | 'once'>, g: Pick<GroupHandle, 'id' | 'session'>): Promise<ReportView[]> {
	const me = g.session.me;
	const myBox = toB64(g.session.id.boxPk);
	const ok = await pool.of(me).request({ t: 'reports', as: me, group: g.id, after: 0 });
	const stored = ok.reports ?? [];
	if (stored.length === 0) return [];
	// Stamp checks go on a fresh connection logged in as my key of this group alone (P9).
	const signSk = g.session.id.signSk;
	return pool.once((conn) => openReports(conn, g, stored, myBox), { key: me, sign: (m) => sodium().crypto_sign_detached(m, signSk) });
}

type StoredReport = NonNullable<Awaited<ReturnType<Connection['request']>>['reports']>[number];

async function openReports(conn: Connection, g: Pick<GroupHandle, 'id' | 'session'>, reports: StoredReport[], myBox: string): Promise<ReportView[]> {
	const me = g.session.me;
	const out: ReportView[] = [];
	for (const stored of reports) {
		const mine = stored.sealed.find((s) => s.to === myBox);
		if (!mine) continue;
		let report;
		try {
			report = openReport(mine.box, g.session.id.boxPk, g.session.id.boxSk);
		} catch (error) {
			if (isProtocolError(error)) continue;
			throw error;
		}
		if (report.group !== g.id) continue;
		const verdicts = await verifyReport(report, relayStampCheck(conn, me));
		out.push({ seq: stored.seq, ts: stored.ts, note: report.note, messages: reportViews(verdicts, (sender) => g.session.data.profiles[sender] ?? null) });
	}
	return out;
}
