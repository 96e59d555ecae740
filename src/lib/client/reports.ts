/**
 * The client half of reporting (docs/PROTOCOL.md §6.3, §9.7-9.8, property P8). A member seals
 * the chosen messages (with their franking keys and relay stamps) to the group's moderators
 * and admins, or to the deployment moderator; a moderator opens the reports addressed to it and
 * verifies each message: the commitment locally, the stamp by asking the relay.
 */
import type { CaseView, ReportedMessageView, ReportReadersView, ReportView } from './api.ts';
import type { Cases } from './cases.ts';
import { newCaseId, newReplyKey } from '../crypto/report-case.ts';
import { messageId, parseMessageId, type History } from './history.ts';
import { RelayError, type Connection } from './connection.ts';
import type { ConnectionPool } from './pool.ts';
import { sodium } from '../crypto/sodium.ts';
import type { GroupHandle } from './group.ts';
import { describeError } from '../words/errors.ts';
import { ProtocolError, isProtocolError } from '../core/errors.ts';
import type { Envelope } from '../core/schema.ts';
import { fromB64, toB64 } from '../core/bytes.ts';
import * as may from '../protocol/group/may.ts';
import { buildReport, sealReport, threadVerdicts, verifyReport, type ReportInput, type StampCheck, type Verdict } from '../crypto/report.ts';
import { openAnyReport, verifyPairReport, type PairReport, type PairVerdicts } from '../crypto/pair-report.ts';

/**
 * What a report of the chosen ids discloses (§6.3): each chosen message with the version of it
 * that was shown, its latest edit (so moderators judge the words people saw, not a harmless
 * original, and 60 edits cannot push a report over its limits), or a chosen reaction on its
 * own. A message its sender deleted stays reportable; a hidden one does not. Nothing else.
 */
export function disclosedIds(history: History, messageIds: string[]): string[] {
	const out: string[] = [];
	for (const id of messageIds) {
		const m = history.get(id);
		if (m?.hidden) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'that message is hidden by a moderator; it cannot be reported while hidden');
		if (m && m.edited && !(m.edits && m.edits.length > 0)) {
			throw new ProtocolError('PROTOCOL_BAD_REPORT', 'this message was edited before this device kept edits, so what was shown cannot be verified');
		}
		out.push(id, ...(m?.edits ?? []).slice(-1));
	}
	return [...new Set(out)];
}

/** The senders a report of `messageIds` is about: the author of each chosen content (its id names it). */
function reportedSenders(messageIds: readonly string[]): Set<string> {
	return new Set(messageIds.flatMap((id) => parseMessageId(id)?.sender ?? []));
}

/**
 * Who reads a group report of `messageIds` (§6.3): the group's moderators and admins, less me
 * and less anyone the report is about (a moderator never receives a report about themselves).
 * `leftOut` names the moderators left out because the report is about them.
 */
export function reportRecipients(g: Pick<GroupHandle, 'session'>, messageIds: readonly string[]): { readers: { sign: string; box: string }[]; leftOut: string[] } {
	return recipientsAbout(g, reportedSenders(messageIds));
}

/** The group's moderators and admins less me and less the members in `about` (§6.3). */
export function recipientsAbout(g: Pick<GroupHandle, 'session'>, about: ReadonlySet<string>): { readers: { sign: string; box: string }[]; leftOut: string[] } {
	const log = g.session.state;
	if (!log) return { readers: [], leftOut: [] };
	const moderators = Object.values(log.members).filter((m) => may.moderate(log, m.sign).ok && m.sign !== g.session.me);
	return {
		readers: moderators.filter((m) => !about.has(m.sign)).map((m) => ({ sign: m.sign, box: m.box })),
		leftOut: moderators.filter((m) => about.has(m.sign)).map((m) => m.sign)
	};
}

/** The report form's "who will read this" (§6.3), with the names this device knows. */
export function reportReaders(g: Pick<GroupHandle, 'session'>, messageIds: readonly string[], about?: ReadonlySet<string>): ReportReadersView {
	const { readers, leftOut } = about ? recipientsAbout(g, about) : reportRecipients(g, messageIds);
	const named = (sign: string) => ({ key: sign, name: g.session.data.profiles[sign] ?? null });
	return { readers: readers.map((r) => named(r.sign)), leftOut: leftOut.map(named) };
}

export async function sendReport(
	pool: Pick<ConnectionPool, 'once'>,
	g: Pick<GroupHandle, 'id' | 'session' | 'transcript' | 'franking'> & { cases?: Cases; save?: () => Promise<void> },
	messageIds: string[],
	note: string,
	service: boolean,
	serviceModerator?: () => Promise<string>,
	now: () => number = Date.now
): Promise<void> {
	let recipients: string[];
	if (service) {
		// Never the key from this connection's hello: the pinned one (review finding 11).
		if (!serviceModerator) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'this service has no moderator to report to');
		recipients = [await serviceModerator()];
	} else {
		const { readers, leftOut } = reportRecipients(g, messageIds);
		recipients = readers.map((r) => r.box);
		if (recipients.length === 0) {
			const why = leftOut.length > 0 ? 'the report is about the only moderators of this group, so nobody else here can read it' : 'this group has no other moderator or admin to report to';
			throw new ProtocolError('PROTOCOL_BAD_REPORT', why);
		}
	}
	const inputs: ReportInput[] = [];
	// What was shown of a chosen message (its latest edit, a hide) may sit in messages not read yet.
	await g.transcript.readAll();
	for (const id of disclosedIds(g.transcript.history, messageIds)) {
		const record = await g.franking.get(id);
		if (!record) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'that message cannot be reported from this device');
		// The report discloses the header and nonce, never the ciphertext: `ct` is not needed.
		const envelope = { ...record.header, n: record.n, ct: '' } as Envelope;
		inputs.push({ envelope, seq: record.seq, ts: record.ts, stamp: record.stamp, frankingKey: fromB64(record.fk), contentBytes: fromB64(record.body) });
	}
	// A group report carries its case (§13.6): an id and a one-time reply key for the feedback.
	const reply = !service && g.cases ? newReplyKey() : null;
	const caseId = reply ? newCaseId() : null;
	let report;
	try {
		report = buildReport(g.id, inputs, note, reply && caseId ? { id: caseId, reply: reply.pk } : undefined);
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
	// One frame per recipient (§9.8): a box may be 128 KiB, so the frame must not grow with the moderators.
	// The reply key is kept before the report leaves, so no feedback can arrive for a key not yet saved.
	if (reply && caseId && g.cases) {
		g.cases.data.mine[caseId] = { pk: reply.pk, sk: reply.sk, status: 'sent', ts: now(), messages: [...messageIds] };
		g.cases.touch();
		await g.save?.();
	}
	try {
		await pool.once(async (conn) => {
			for (const box of sealed) await conn.request(service ? { t: 'report', sealed: [box] } : { t: 'report', group: g.id, sealed: [box] });
		});
	} catch (error) {
		if (caseId && g.cases) {
			delete g.cases.data.mine[caseId];
			g.cases.touch();
			await g.save?.().catch(() => undefined);
		}
		throw error;
	}
}

/** A case as the moderators see it (§13.6), with the names this device knows. */
export function caseView(g: Pick<GroupHandle, 'session'> & { cases: Cases }, id: string): CaseView {
	const c = g.cases.case(id);
	const me = g.session.me;
	const name = (key: string) => g.session.data.profiles[key] ?? null;
	return {
		id,
		state: c.state,
		...(c.by ? { by: { key: c.by, name: name(c.by), me: c.by === me } } : {}),
		...(c.outcome ? { outcome: c.outcome } : {}),
		...(c.also?.length ? { also: c.also.map((a) => ({ key: a.by, name: name(a.by), outcome: a.outcome })) } : {}),
		notes: c.notes.map((n) => ({ key: n.by, name: name(n.by), me: n.by === me, text: n.text, ts: n.ts }))
	};
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

/**
 * Asks the relay, as my key `as` of the met group `via`, whether a pair's stamp is genuine,
 * presenting the pair's `s` (§9.7, §6.3 "Reports from a pair"). A definite answer (valid or
 * refused) is returned; anything transient (rate limit, offline) throws, so it is asked again
 * next time rather than kept.
 */
export function pairStampCheck(conn: Connection, as: string, via: string, s: string): (fields: StampCheck) => Promise<boolean> {
	return async (fields) => {
		const reply = await conn.request({ t: 'verify', as, via, s, ...fields }).catch((error: unknown) => {
			if (error instanceof RelayError && !error.transient) return { valid: false };
			throw error;
		});
		return reply.valid === true;
	};
}

/**
 * A pair report as the met group's moderators read it: every pair message named as the member
 * `S` of this group it is about (its sender in the pair is a pseudonym nobody here knows), each
 * with its own verdict; a bind that does not hold leaves nothing verified (§6.3).
 */
function pairReportView(stored: { seq: number; ts: number }, note: string, result: PairVerdicts, nameOf: (sender: string) => string | null): ReportView {
	// An unproven link names nobody: no key, no name, so no action on anyone (M1).
	const member = result.member ?? '';
	const memberName = result.member ? nameOf(result.member) : null;
	const asMember = (m: ReportedMessageView): ReportedMessageView => ({ ...m, sender: member, senderName: memberName, ...(m.edits ? { edits: m.edits.map(asMember) } : {}) });
	return {
		seq: stored.seq,
		ts: stored.ts,
		note,
		messages: reportViews(result.messages, () => memberName).map(asMember),
		pair: { member: result.member, memberName, bound: result.bind.verified, ...(result.bind.reason ? { reason: result.bind.reason } : {}) }
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
		...(c?.t === 'text' && c.cw !== undefined ? { cw: c.cw } : {}),
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

export async function fetchReports(pool: Pick<ConnectionPool, 'of' | 'once'>, g: Pick<GroupHandle, 'id' | 'session'> & { cases?: Cases; save?: () => Promise<void> }): Promise<ReportView[]> {
	const me = g.session.me;
	const myBox = toB64(g.session.id.boxPk);
	const inbox = pool.of(me);
	const stored: StoredReport[] = [];
	// Page by page (§9.8): a page ends after 100 reports or 1 MiB of boxes.
	for (let after = 0; ; ) {
		const page = (await inbox.request({ t: 'reports', as: me, group: g.id, after })).reports ?? [];
		if (page.length === 0 || page[page.length - 1]!.seq <= after) break;
		stored.push(...page);
		after = page[page.length - 1]!.seq;
	}
	if (stored.length === 0) return [];
	// Stamp checks go on a fresh connection logged in as my key of this group alone (P9).
	const signSk = g.session.id.signSk;
	const auth = { key: me, sign: (m: Uint8Array) => sodium().crypto_sign_detached(m, signSk) };
	const pending: PendingPair[] = [];
	const views = await pool.once((conn) => openReports(conn, g, stored, myBox, pending), auth);
	// A pair's stamps (§6.3 "Reports from a pair", §9.7 `via`) are asked afterwards, on a
	// connection of their own, never interleaved with this group's checks, and only for reports
	// whose bind held. Each answer is kept in the report's case, so they are asked once.
	const asking = pending.filter((p) => p.missing.length > 0);
	if (asking.length > 0) {
		await pool
			.once(async (conn) => {
				for (const p of asking) {
					const check = pairStampCheck(conn, me, p.report.met, p.report.s);
					for (const f of p.missing) p.cache.put(f, await check(f));
				}
			}, auth)
			// Offline or rate-limited: what was not answered reads "not checked" and is asked next time.
			.catch(() => undefined);
	}
	for (const p of pending) {
		const result = await verifyPairReport(p.report, p.cache.only, p.cache.only);
		views[p.index] = { ...pairReportView(p.stored, p.report.note, result, p.nameOf), ...(views[p.index]!.case ? { case: views[p.index]!.case } : {}) };
	}
	if (g.cases) await g.save?.();
	return views;
}

type StoredReport = NonNullable<Awaited<ReturnType<Connection['request']>>['reports']>[number];

/** Definite stamp answers kept in a pair report's case (§6.3): asked once, not on every inbox open. */
interface StampCache {
	get(f: StampCheck): boolean | undefined;
	put(f: StampCheck, valid: boolean): void;
	/** Answers from the cache alone; an unasked stamp throws (it reads "not checked"). */
	only: (f: StampCheck) => Promise<boolean>;
}

function stampCache(store: Record<string, boolean>, touch: () => void): StampCache {
	const key = (f: StampCheck) => [f.group, f.seq, f.ts, f.sender, f.c, f.stamp].join('.');
	const cache: StampCache = {
		get: (f) => (Object.prototype.hasOwnProperty.call(store, key(f)) ? store[key(f)] : undefined),
		put: (f, valid) => {
			store[key(f)] = valid;
			touch();
		},
		only: async (f) => {
			const known = cache.get(f);
			if (known === undefined) throw new Error('not asked yet');
			return known;
		}
	};
	return cache;
}

interface PendingPair {
	index: number;
	stored: StoredReport;
	report: PairReport;
	cache: StampCache;
	/** The pair stamps still to ask (§9.7 `via`). */
	missing: StampCheck[];
	nameOf: (sender: string) => string | null;
}

async function openReports(conn: Connection, g: Pick<GroupHandle, 'id' | 'session'> & { cases?: Cases }, reports: StoredReport[], myBox: string, pending: PendingPair[]): Promise<ReportView[]> {
	const me = g.session.me;
	const out: ReportView[] = [];
	const nameOf = (sender: string) => g.session.data.profiles[sender] ?? null;
	for (const stored of reports) {
		const mine = stored.sealed.find((s) => s.to === myBox);
		if (!mine) continue;
		let opened;
		try {
			opened = openAnyReport(mine.box, g.session.id.boxPk, g.session.id.boxSk);
		} catch (error) {
			if (isProtocolError(error)) continue;
			throw error;
		}
		let view: ReportView;
		let about: string[];
		const report = opened.report;
		if (opened.kind === 'group') {
			if (opened.report.group !== g.id) continue;
			const verdicts = await verifyReport(opened.report, relayStampCheck(conn, me));
			view = { seq: stored.seq, ts: stored.ts, note: report.note, messages: reportViews(verdicts, nameOf) };
			about = [...new Set(opened.report.messages.map((m) => m.header.sender))];
		} else {
			const pairReport = opened.report;
			if (pairReport.met !== g.id) continue;
			let store: Record<string, boolean> = {};
			let touch = () => undefined as void;
			if (pairReport.case && g.cases) {
				const c = g.cases.case(pairReport.case.id);
				store = c.stamps ??= {};
				const cases = g.cases;
				touch = () => cases.touch();
			}
			const cache = stampCache(store, touch);
			// The bind message now, with this group's checks (cached too); the pair's stamps later.
			const metStamp = async (f: StampCheck) => {
				const known = cache.get(f);
				if (known !== undefined) return known;
				const valid = await relayStampCheck(conn, me)(f);
				cache.put(f, valid);
				return valid;
			};
			const missing: StampCheck[] = [];
			const later = async (f: StampCheck) => {
				const known = cache.get(f);
				if (known !== undefined) return known;
				missing.push(f);
				throw new Error('asked later');
			};
			const result = await verifyPairReport(pairReport, metStamp, later);
			// A bind that does not hold names nobody: its pair's stamps are not asked at all.
			pending.push({ index: out.length, stored, report: pairReport, cache, missing: result.bind.verified ? missing : [], nameOf });
			view = pairReportView(stored, pairReport.note, result, nameOf);
			about = [result.claimed];
		}
		if (report.case && g.cases) {
			// Remember what the case needs: its reply key and whom it is about (its readers, §13.6).
			const c = g.cases.case(report.case.id);
			if (!c.fetched || c.reply !== report.case.reply) {
				c.fetched = true;
				c.reply = report.case.reply;
				c.about = about;
				g.cases.touch();
			}
			view.case = caseView({ session: g.session, cases: g.cases }, report.case.id);
		}
		out.push(view);
	}
	return out;
}
