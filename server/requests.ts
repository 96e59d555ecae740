/**
 * Handlers for the request frames other than `append` (docs/PROTOCOL.md §9.3, §9.5-§9.8).
 * Each one checks, answers `ok` or throws a RelayError; the dispatcher turns errors into frames.
 */
import { b64Bytes } from '../src/lib/core/bytes.ts';
import { labelled } from '../src/lib/core/cjson.ts';
import { LABEL } from '../src/lib/core/labels.ts';
import type { ClientFrame } from '../src/lib/protocol/wire.ts';
import * as may from '../src/lib/protocol/group/may.ts';
import type { GroupState } from '../src/lib/protocol/group/types.ts';
import type { ServerConfig } from './config.ts';
import type { Connection } from './connection.ts';
import { RelayError } from './errors.ts';
import type { GroupLog } from './groups.ts';
import { verifyEd25519 } from './primitives.ts';
import { checkStamp, pairMetTag } from './stamp.ts';
import { timingSafeEqual } from 'node:crypto';
import { DEPLOYMENT_TARGET, type RelayStore } from './store.ts';
import { standingIn, Subscription } from './subscription.ts';

type Frame<T extends ClientFrame['t']> = Extract<ClientFrame, { t: T }>;

export interface RequestContext {
	config: ServerConfig;
	store: RelayStore;
	groups: GroupLog;
	stampSecret: Uint8Array;
	now: () => number;
	/** Keys banned by the deployment moderator (§9.8b), as last read from the store. */
	banned: Set<string>;
	/** A ban was stored: the key is logged out of every connection of this process. */
	onBan: (key: string) => void;
}

/** How far a ban request's signed time may be from the relay's clock (§9.8b). */
export const BAN_WINDOW_MS = 10 * 60_000;

export function requireNotBanned(ctx: RequestContext, key: string): void {
	if (ctx.banned.has(key)) throw new RelayError('RELAY_BANNED', 'the service has removed this key');
}

const REPORTS_PER_PAGE = 100;
/** A page of reports stops after this many box characters (always one report at least, §9.8). */
const REPORT_PAGE_CHARS = 1024 * 1024;

/** The first reports of `listed` whose boxes fit one page; never none. */
function reportPage<T extends { sealed: { box: string }[] }>(listed: T[]): T[] {
	let chars = 0;
	const page: T[] = [];
	for (const report of listed) {
		chars += report.sealed.reduce((n, s) => n + s.box.length, 0);
		if (page.length > 0 && chars > REPORT_PAGE_CHARS) break;
		page.push(report);
	}
	return page;
}

const ok = (re: string, extra: Record<string, unknown> = {}) => JSON.stringify({ t: 'ok', re, ...extra });

export function handleAuth(ctx: RequestContext, conn: Connection, f: Frame<'auth'>): void {
	if (conn.keys.has(f.key)) return void conn.send(ok(f.id));
	if (conn.keys.size >= ctx.config.maxKeys) throw new RelayError('RELAY_AUTH_FAILED', `at most ${ctx.config.maxKeys} keys per connection`);
	const message = labelled(LABEL.relayAuth, { challenge: conn.challenge, key: f.key });
	// A login checks its key once per connection: its parsed form is not kept (memory per connection).
	if (!verifyEd25519(b64Bytes(f.sig, 64, 'sig'), message, b64Bytes(f.key, 32, 'key'), false)) {
		throw new RelayError('RELAY_AUTH_FAILED', 'the signature does not verify for this key and challenge');
	}
	requireNotBanned(ctx, f.key);
	conn.prove(f.key);
	conn.send(ok(f.id));
}

function requireKey(conn: Connection, key: string): void {
	if (!conn.keys.has(key)) throw new RelayError('RELAY_NOT_AUTHENTICATED', 'authenticate this key first');
}

async function requireGroup(ctx: RequestContext, group: string): Promise<GroupState> {
	const found = await ctx.groups.committedState(group);
	if (!found) throw new RelayError('RELAY_NO_GROUP', 'unknown group');
	return found.state;
}

/** Moderators and admins read reports and check stamps: the clients' own answer (may.ts). */
const isModerator = (state: GroupState, key: string) => may.moderate(state, key).ok;

/** How many stored entries around a requester's cursor are searched for its answer (§9.5). */
export const ANSWER_SCAN_OPS = 2048;

type ScannedOp = { kind?: unknown; author?: unknown; target?: unknown; invite?: unknown };
const opOf = (frame: string): ScannedOp | undefined => (JSON.parse(frame) as { entry?: { op?: ScannedOp } }).entry?.op;

/** The invite of `as`'s `request` op among the `ANSWER_SCAN_OPS` entries before seq `before`. */
async function requestInviteBefore(ctx: RequestContext, group: string, as: string, before: number): Promise<{ invite: string; seq: number } | null> {
	let cursor = before;
	let scanned = 0;
	while (scanned < ANSWER_SCAN_OPS && cursor > 1) {
		const page = await ctx.store.rangeBack(group, cursor, Math.min(ctx.config.pageSize, ANSWER_SCAN_OPS - scanned));
		if (page.length === 0) return null;
		for (const record of page) {
			cursor = record.seq;
			if (record.kind !== 'op') continue;
			const op = opOf(record.frame);
			if (op?.kind === 'request' && op.author === as && typeof op.invite === 'string') return { invite: op.invite, seq: record.seq };
		}
		scanned += page.length;
	}
	return null;
}

/**
 * The seq of the op that answered `as`'s request, found among the first `ANSWER_SCAN_OPS` ops
 * after `after`, or null (§9.5, review R2-1): a `decline` naming it (a decline's target must be
 * pending, so this proves it waited), or, once its own `request` op is found (in those ops or
 * among the entries before `after`), the first later op that revoked its link: a `revoke` of
 * it, or the `leave` or `remove` of the link's author. Reads the stored log only (LevelDB and
 * Redis alike), bounded.
 */
async function answeredAt(ctx: RequestContext, group: string, state: GroupState, as: string, after: number, head: number): Promise<number | null> {
	let request: { invite: string; seq: number } | null | undefined;
	const dropped = (op: ScannedOp, seq: number): boolean => {
		if (!request || seq <= request.seq) return false;
		const author = Object.hasOwn(state.invites, request.invite) ? state.invites[request.invite]!.author : undefined;
		if (op.kind === 'revoke') return op.invite === request.invite;
		if (op.kind === 'leave') return author !== undefined && op.author === author;
		if (op.kind === 'remove') return author !== undefined && op.target === author;
		return false;
	};
	let cursor = after;
	let scanned = 0;
	while (scanned < ANSWER_SCAN_OPS && cursor < head) {
		const page = await ctx.store.ops(group, cursor, Math.min(ctx.config.pageSize, ANSWER_SCAN_OPS - scanned));
		if (page.length === 0) return null;
		for (const record of page) {
			if (record.seq > head) return null;
			cursor = record.seq;
			const op = opOf(record.frame);
			if (!op) continue;
			if (op.kind === 'decline' && op.target === as) return record.seq;
			if (op.kind === 'request' && op.author === as && typeof op.invite === 'string') request = { invite: op.invite, seq: record.seq };
			if (request === undefined && (op.kind === 'revoke' || op.kind === 'leave' || op.kind === 'remove')) request = await requestInviteBefore(ctx, group, as, after + 1);
			if (dropped(op, record.seq)) return record.seq;
		}
		scanned += page.length;
	}
	return null;
}

export async function handleSub(ctx: RequestContext, conn: Connection, f: Frame<'sub'>): Promise<void> {
	requireKey(conn, f.as);
	requireNotBanned(ctx, f.as);
	let sub!: Subscription;
	let liveFrom: number | null = null;
	let banned: string[] = [];
	await ctx.groups.catchUp(f.group);
	while (liveFrom === null) {
		const mem = await ctx.groups.get(f.group);
		if (!mem) throw new RelayError('RELAY_NO_GROUP', 'unknown group');
		// Checked in the same turn as joining the fan-out, so no removal can slip in between. A
		// pending requester (§13.8) subscribes to the group's ops only (§9.5).
		const standing = standingIn(mem.committed.state, f.as);
		if (standing === 'out') {
			// A requester answered while away (review R2-1, M5): ops only, up to and including
			// its decline or the revocation of its link, then the feed ends. Nothing later, and
			// never a message.
			const until = await answeredAt(ctx, f.group, mem.committed.state, f.as, f.after, mem.committed.head.seq);
			if (until === null) throw new RelayError('RELAY_FORBIDDEN', 'not a member of this group');
			const answered = new Subscription(conn, f.group, f.as, f.after, ctx.config.highWaterMark, { unsubscribe: () => undefined }, { pending: true });
			conn.subscription(f.group)?.close();
			if (conn.closed) return;
			conn.subscribed(f.group, answered);
			conn.send(ok(f.id, { head: until }));
			await answered.run(ctx.store, until, ctx.config.pageSize, f.batch === true);
			answered.close();
			return;
		}
		const member = mem.committed.state.members[f.as];
		sub = new Subscription(conn, f.group, f.as, f.after, ctx.config.highWaterMark, ctx.groups, member ? { pending: false, since: member.since } : { pending: true });
		conn.subscription(f.group)?.close();
		// Only keys the group's own log lists as members: nothing new about membership (§9.8b).
		banned = [...ctx.banned].filter((key) => Object.hasOwn(mem.committed.state.members, key));
		liveFrom = ctx.groups.subscribe(mem, sub);
	}
	if (conn.closed) return sub.close();
	conn.subscribed(f.group, sub);
	conn.send(ok(f.id, banned.length > 0 ? { head: liveFrom, banned } : { head: liveFrom }));
	await sub.run(ctx.store, liveFrom, ctx.config.pageSize, f.batch === true);
}

export function handleUnsub(conn: Connection, f: Frame<'unsub'>): void {
	conn.subscription(f.group)?.close();
	conn.send(ok(f.id));
}

export async function handleInvite(ctx: RequestContext, conn: Connection, f: Frame<'invite'>): Promise<void> {
	const message = labelled(LABEL.inviteFetch, { challenge: conn.challenge, group: f.group, key: f.key });
	if (!verifyEd25519(b64Bytes(f.sig, 64, 'sig'), message, b64Bytes(f.key, 32, 'key'))) {
		throw new RelayError('RELAY_INVITE_INVALID', 'invite unknown, revoked, expired or used up');
	}
	const found = await ctx.groups.committedState(f.group);
	const invite = found && Object.hasOwn(found.state.invites, f.key) ? found.state.invites[f.key] : undefined;
	// One answer for every failure, so a guessed key learns nothing about which check failed.
	if (!invite || invite.revoked || invite.expires <= ctx.now() || invite.uses >= invite.maxUses || found!.state.ended) {
		throw new RelayError('RELAY_INVITE_INVALID', 'invite unknown, revoked, expired or used up');
	}
	// One page (§9.6): the answer's size does not grow with the log; `more` asks for the next.
	const page = ctx.config.pageSize;
	const ops = (await ctx.store.ops(f.group, f.after ?? 0, page + 1)).filter((r) => r.seq <= found!.seq);
	const list = ops.slice(0, page).map((r) => {
		const { seq, ts, entry } = JSON.parse(r.frame) as { seq: number; ts: number; entry: { op: unknown } };
		return { seq, ts, op: entry.op };
	});
	conn.send(ok(f.id, { ops: list, more: ops.length > page }));
}

export async function handleVerify(ctx: RequestContext, conn: Connection, f: Frame<'verify'>): Promise<void> {
	requireKey(conn, f.as);
	if (f.via !== undefined || f.s !== undefined) {
		await requirePairAccess(ctx, f);
	} else if (ctx.config.moderator?.sign !== f.as) {
		const state = await requireGroup(ctx, f.group);
		if (!isModerator(state, f.as)) throw new RelayError('RELAY_FORBIDDEN', 'only moderators and admins may verify stamps');
	}
	const valid = checkStamp(ctx.stampSecret, { c: f.c, sender: f.sender, group: f.group, seq: f.seq, ts: f.ts }, f.stamp);
	conn.send(ok(f.id, { valid }));
}

/**
 * A pair's stamps (§9.7, §6.3 "Reports from a pair"): only for a moderator or admin `as` of `via`
 * presenting the `s` that opens the pair's genesis `met` tag. Everything else gets one and the
 * same refusal, so the answer confirms neither that `group` exists nor that it is a pair (P8).
 */
async function requirePairAccess(ctx: RequestContext, f: Frame<'verify'>): Promise<void> {
	const refuse = () => new RelayError('RELAY_FORBIDDEN', 'this stamp cannot be checked by this key');
	if (f.via === undefined || f.s === undefined) throw refuse();
	const [via, pair] = await Promise.all([ctx.groups.committedState(f.via), ctx.groups.committedState(f.group)]);
	const moderator = !!via && isModerator(via.state, f.as);
	const tag = pair?.state.settings.pair ? pair.state.settings.met : undefined;
	const expected = pairMetTag(f.via, f.s);
	const presented = tag !== undefined ? Buffer.from(b64Bytes(tag, 32, 'met')) : Buffer.alloc(32);
	const matches = timingSafeEqual(presented, expected) && tag !== undefined;
	if (!moderator || !matches) throw refuse();
}

export async function handleReport(ctx: RequestContext, conn: Connection, f: Frame<'report'>): Promise<void> {
	let target = DEPLOYMENT_TARGET;
	if (f.group !== undefined) {
		await requireGroup(ctx, f.group);
		target = f.group;
	} else if (!ctx.config.moderator) {
		throw new RelayError('RELAY_FORBIDDEN', 'this relay has no deployment moderator');
	}
	const seq = await ctx.store.putReport(target, { ts: ctx.now(), sealed: f.sealed });
	conn.send(ok(f.id, { seq }));
}

/**
 * The sender of a message erases its stored bytes (§9.8a): only a key authenticated on this
 * connection that is the envelope's `sender`; anything else is one RELAY_FORBIDDEN, so the
 * request reveals nothing about the entry. The entry becomes a tombstone (its `seq` stays
 * taken); the `mid` row stays, so a retried append still gets its original answer.
 */
export async function handleErase(ctx: RequestContext, conn: Connection, f: Frame<'erase'>): Promise<void> {
	await requireGroup(ctx, f.group);
	const record = await ctx.store.entry(f.group, f.seq);
	const forbidden = () => new RelayError('RELAY_FORBIDDEN', 'only the sender of a stored message, having deleted it, may erase it');
	if (!record || record.kind === 'op') throw forbidden();
	const envelopeOf = (r: { frame: string }) => (JSON.parse(r.frame) as { entry: { msg: { sender: string; epoch: number; ctr: number } } }).entry.msg;
	const sender = record.kind === 'erased' ? record.sender : envelopeOf(record).sender;
	if (!sender || !conn.keys.has(sender)) throw forbidden();
	if (record.kind === 'msg') {
		const { epoch, ctr } = envelopeOf(record);
		// A hello is never erasable (§5.1: it carries the sender's epoch signing key); the erase
		// names a later message of the same sender (its `delete`) and is signed by the sender, so
		// the tombstone tells a later syncer it was the sender's erase, not a dropped message.
		if (ctr === 0 || f.by <= f.seq) throw forbidden();
		const deletion = await ctx.store.entry(f.group, f.by);
		if (!deletion || deletion.kind !== 'msg' || envelopeOf(deletion).sender !== sender) throw forbidden();
		const signed = labelled(LABEL.erase, { by: f.by, ctr, epoch, group: f.group, seq: f.seq });
		if (!verifyEd25519(b64Bytes(f.sig, 64, 'sig'), signed, b64Bytes(sender, 32, 'sender'))) throw forbidden();
		const frame = JSON.stringify({ t: 'entry', group: f.group, seq: record.seq, ts: record.ts, entry: { erased: { sender, epoch, ctr, by: f.by, sig: f.sig } } });
		await ctx.store.erase(f.group, { seq: record.seq, ts: record.ts, kind: 'erased', mid: record.mid, sender, frame });
		// Rewrites the files so the old bytes are gone from disk (LevelDB compacts in the background).
		void ctx.store.compact().catch(() => undefined);
	}
	conn.send(ok(f.id));
}

export async function handleReports(ctx: RequestContext, conn: Connection, f: Frame<'reports'>): Promise<void> {
	requireKey(conn, f.as);
	let target = DEPLOYMENT_TARGET;
	if (f.group !== undefined) {
		const state = await requireGroup(ctx, f.group);
		if (!isModerator(state, f.as)) throw new RelayError('RELAY_FORBIDDEN', 'only moderators and admins may read reports');
		target = f.group;
	} else if (ctx.config.moderator?.sign !== f.as) {
		throw new RelayError('RELAY_FORBIDDEN', 'only the deployment moderator may read deployment reports');
	}
	const reports = reportPage(await ctx.store.listReports(target, f.after, REPORTS_PER_PAGE));
	conn.send(ok(f.id, { reports }));
}

/**
 * The deployment moderator bans or unbans a key (§9.8b): the signature under MODERATOR_SIGN_KEY
 * is the authority, the signed time must be near the relay's clock and newer than the key's last
 * stored ban or unban (a replay is refused). Stored fsync'd before the answer.
 */
export async function handleBan(ctx: RequestContext, conn: Connection, f: Frame<'ban'>): Promise<void> {
	const moderator = ctx.config.moderator?.sign;
	if (!moderator) throw new RelayError('RELAY_FORBIDDEN', 'this relay has no deployment moderator');
	const signed = labelled(LABEL.serviceBan, { banned: f.banned, key: f.key, ts: f.ts });
	if (!verifyEd25519(b64Bytes(f.sig, 64, 'sig'), signed, b64Bytes(moderator, 32, 'moderator'))) {
		throw new RelayError('RELAY_FORBIDDEN', 'only the deployment moderator may ban or unban');
	}
	if (Math.abs(f.ts - ctx.now()) > BAN_WINDOW_MS) throw new RelayError('RELAY_FORBIDDEN', 'the request is too old or too far ahead of the relay\'s clock');
	const stored = await ctx.store.putBan({ key: f.key, banned: f.banned, ts: f.ts });
	if (!stored) throw new RelayError('RELAY_CONFLICT', 'a newer ban or unban of this key is stored (a replayed request)');
	if (f.banned) {
		ctx.banned.add(f.key);
		ctx.onBan(f.key);
	} else {
		ctx.banned.delete(f.key);
	}
	conn.send(ok(f.id));
}

/** The keys banned now, for the deployment moderator only (§9.8b). */
export async function handleBans(ctx: RequestContext, conn: Connection, f: Frame<'bans'>): Promise<void> {
	requireKey(conn, f.as);
	if (ctx.config.moderator?.sign !== f.as) throw new RelayError('RELAY_FORBIDDEN', 'only the deployment moderator may list bans');
	const bans = (await ctx.store.listBans()).filter((b) => b.banned).map(({ key, ts }) => ({ key, ts }));
	conn.send(ok(f.id, { bans }));
}
