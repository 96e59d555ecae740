/**
 * Per-kind rules of the group log (docs/PROTOCOL.md §3.3): what each op changes, once may.ts has
 * said its author may make it, plus the checks on the op's own fields. Each rule receives a fresh
 * shallow copy of the state (`next`) and replaces, never mutates, the nested objects it changes,
 * so the caller's state stays untouched.
 */
import { ed25519KeyIsUsable, x25519KeyIsUsable } from '../../core/curve-checks.ts';
import { fromB64 } from '../../core/bytes.ts';
import { ProtocolError } from '../../core/errors.ts';
import type { Op } from '../../core/schema.ts';
import * as may from './may.ts';

export { has } from './may.ts';
import type { GroupState, InviteState } from './types.ts';

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

const notAllowed = (why: string) => new ProtocolError('PROTOCOL_NOT_ALLOWED', why);
const inviteInvalid = (why: string) => new ProtocolError('PROTOCOL_INVITE_INVALID', why);

/** Drops `sign` from the pending asks (its role changed, or it is no longer a member). */
function withoutAsk(next: GroupState, sign: string): void {
	if (!next.asks?.includes(sign)) return;
	const asks = next.asks.filter((a) => a !== sign);
	if (asks.length > 0) next.asks = asks;
	else delete next.asks;
}

function withoutMember(next: GroupState, sign: string): void {
	withoutAsk(next, sign);
	if (next.muted && may.has(next.muted, sign)) {
		const muted = { ...next.muted };
		delete muted[sign];
		if (Object.keys(muted).length > 0) next.muted = muted;
		else delete next.muted;
	}
	const members = { ...next.members };
	delete members[sign];
	next.members = members;
	// A former member knows the secrets of the invites it made: they must not let it back in.
	let invites = next.invites;
	const revoked = new Set<string>();
	for (const [key, invite] of Object.entries(next.invites)) {
		if (invite.author === sign && !invite.revoked) {
			if (invites === next.invites) invites = { ...next.invites };
			invites[key] = { ...invite, revoked: true };
			revoked.add(key);
		}
	}
	next.invites = invites;
	withoutRequestsThrough(next, revoked);
}

/**
 * A revoked link lets nobody in, waiting or not (§3.3): the pending requests made through the
 * invites in `revoked` are dropped in the same step.
 */
function withoutRequestsThrough(next: GroupState, revoked: ReadonlySet<string>): void {
	if (!next.pending || revoked.size === 0) return;
	const kept = Object.entries(next.pending).filter(([, p]) => !revoked.has(p.invite));
	if (kept.length === Object.keys(next.pending).length) return;
	if (kept.length > 0) next.pending = Object.fromEntries(kept);
	else delete next.pending;
}

function withoutPending(next: GroupState, sign: string): void {
	const pending = { ...next.pending };
	delete pending[sign];
	if (Object.keys(pending).length > 0) next.pending = pending;
	else delete next.pending;
}

/**
 * When the last admin leaves a group that still has members, the longest-standing member of the
 * highest remaining role becomes admin, so that the group never loses the power to manage itself
 * and leaving is never blocked (someone in danger must always be able to walk away).
 */
function keepAnAdmin(next: GroupState): void {
	const rest = Object.values(next.members);
	if (rest.length === 0 || rest.some((m) => m.role === 'admin')) return;
	rest.sort((a, b) => may.RANK[b.role] - may.RANK[a.role] || a.since - b.since || (a.sign < b.sign ? -1 : 1));
	const heir = rest[0]!;
	next.members = { ...next.members, [heir.sign]: { ...heir, role: 'admin' } };
}

/**
 * Every key an op introduces must be one libsodium accepts (§3.3): Ed25519 keys (author,
 * member.sign, invite key) canonical and not of small order, X25519 box keys not of small order.
 * Checked before signatures so that the relay and every client refuse such an op with the same
 * code, `PROTOCOL_WEAK_KEY`, and no member can join with a key nobody can seal to.
 */
export function requireUsableKeys(op: Op): void {
	const signKeys: [string, string][] = [['author', op.author]];
	const boxKeys: [string, string][] = [];
	const member = (m: { sign: string; box: string; rk?: string }, path: string) => {
		signKeys.push([`${path}.sign`, m.sign]);
		boxKeys.push([`${path}.box`, m.box]);
		// §4.4: a first receive key only for someone other than the author (whose own is `op.rk`).
		if (m.rk !== undefined && m.sign === op.author) throw new ProtocolError('PROTOCOL_BAD_FRAME', `${path}.rk: the author's own receive key goes in the op's rk`);
		if (m.rk !== undefined) boxKeys.push([`${path}.rk`, m.rk]);
	};
	if (op.kind === 'genesis') op.members.forEach((m, i) => member(m, `members[${i}]`));
	if (op.kind === 'join' || op.kind === 'request' || op.kind === 'add') member(op.member, 'member');
	if (op.kind === 'join' || op.kind === 'request') signKeys.push(['invite', op.invite]);
	if (op.kind === 'invite') signKeys.push(['invite.key', op.invite.key]);
	if ('rk' in op && op.rk !== undefined) boxKeys.push(['rk', op.rk]);
	for (const [path, key] of signKeys) {
		if (!ed25519KeyIsUsable(fromB64(key, path))) throw new ProtocolError('PROTOCOL_WEAK_KEY', `${path} is not a usable Ed25519 key`);
	}
	for (const [path, key] of boxKeys) {
		if (!x25519KeyIsUsable(fromB64(key, path))) throw new ProtocolError('PROTOCOL_WEAK_KEY', `${path} is not a usable X25519 key`);
	}
}

export function applyInvite(next: GroupState, op: OpOf<'invite'>, now: number): void {
	may.enforce(may.invite(next, op.author, op.invite.role));
	if (may.has(next.invites, op.invite.key)) throw notAllowed('invite key already used');
	if (op.invite.expires <= now) throw inviteInvalid('invite is already expired');
	next.invites = {
		...next.invites,
		[op.invite.key]: { key: op.invite.key, author: op.author, expires: op.invite.expires, maxUses: op.invite.maxUses, uses: 0, role: op.invite.role, revoked: false }
	};
}

export function applyRevoke(next: GroupState, op: OpOf<'revoke'>): void {
	may.enforce(may.revoke(next, op.author, op.invite));
	next.invites = { ...next.invites, [op.invite]: { ...next.invites[op.invite]!, revoked: true } };
	withoutRequestsThrough(next, new Set([op.invite]));
}

/**
 * The checks a `join` and a `request` share (§3.3), in order: the invite is usable at `now`, the
 * group's approval setting fits the kind, the member entry is the author's with the invite's
 * role. Returns the invite with its use counted.
 */
function spendInvite(next: GroupState, op: OpOf<'join'> | OpOf<'request'>, now: number): InviteState {
	if (!may.has(next.invites, op.invite)) throw inviteInvalid('unknown invite');
	const invite = next.invites[op.invite]!;
	if (invite.revoked) throw inviteInvalid('invite was revoked');
	if (now >= invite.expires) throw inviteInvalid('invite expired');
	if (invite.uses >= invite.maxUses) throw inviteInvalid('invite is used up');
	if (invite.role === 'listener' && !next.settings.listeners) throw inviteInvalid('this group no longer allows listeners');
	if (op.kind === 'join' && next.settings.approve) throw notAllowed('new members of this group wait for a moderator: ask to join instead');
	if (op.kind === 'request' && !next.settings.approve) throw notAllowed('this group does not ask new members to wait: join instead');
	if (op.member.sign !== op.author) throw notAllowed(`a ${op.kind} names its own author`);
	if (op.member.role !== invite.role) throw notAllowed(`this invite grants the role ${invite.role}`);
	return { ...invite, uses: invite.uses + 1 };
}

export function applyJoin(next: GroupState, op: OpOf<'join'>, now: number): void {
	next.invites = { ...next.invites, [op.invite]: spendInvite(next, op, now) };
	next.members = { ...next.members, [op.author]: { ...op.member, since: op.epoch, invite: op.invite } };
}

/** At most this many requests wait at once in a group (§13.8): the rules are the bound, so the relay enforces it too. */
export const MAX_PENDING = 50;
/** The longest content of a request note (§13.8): `cjson({note, profile: {name}})` with 500 and 64 units, each escaped to 6 bytes. */
export const MAX_REQUEST_CONTENT = 3417;
const MIN_REQUEST_CONTENT = 24;

/**
 * The shape of a request's note (§13.8), checked without opening it: `n` wraps, 1 ≤ n ≤ the
 * number of moderators and admins (at most 160), then a nonce, a tag and a content no longer
 * than the longest note. So a request cannot carry padding, nor more wraps than there are readers.
 */
function requireNoteShape(next: GroupState, body: string): void {
	const bytes = fromB64(body, 'body');
	const readers = Math.min(160, Object.values(next.members).filter((m) => may.RANK[m.role] >= may.RANK.moderator).length);
	const n = bytes[0] ?? 0;
	const content = bytes.length - 1 - 80 * n - 24 - 16;
	if (n < 1 || n > readers || content < MIN_REQUEST_CONTENT || content > MAX_REQUEST_CONTENT) {
		throw new ProtocolError('PROTOCOL_BAD_FRAME', 'body: a request note is sealed to 1 to the number of moderators and admins, with a note of bounded size');
	}
}

/** §13.8: a newcomer asks to join; one use of the invite is spent, and the request waits. */
export function applyRequest(next: GroupState, op: OpOf<'request'>, now: number): void {
	const spent = spendInvite(next, op, now);
	if (Object.keys(next.pending ?? {}).length >= MAX_PENDING) throw notAllowed(`at most ${MAX_PENDING} people wait to join at once: a moderator answers some first`);
	requireNoteShape(next, op.body);
	next.invites = { ...next.invites, [op.invite]: spent };
	const role = op.member.role as 'member' | 'listener';
	next.pending = { ...next.pending, [op.author]: { box: op.member.box, role, invite: op.invite, rk: op.rk, at: now } };
}

/** §13.8: a moderator lets a pending requester in, in the new epoch; its first receive key is the request's. */
export function applyApprove(next: GroupState, op: OpOf<'approve'>): void {
	may.enforce(may.approve(next, op.author, op.target));
	const waiting = next.pending![op.target]!;
	withoutPending(next, op.target);
	next.members = { ...next.members, [op.target]: { sign: op.target, box: waiting.box, role: waiting.role, since: op.epoch, invite: waiting.invite, rk: waiting.rk, rkAt: op.epoch } };
}

/** §13.8: a moderator refuses a request, or the requester withdraws it. The invite's use is not returned. */
export function applyDecline(next: GroupState, op: OpOf<'decline'>): void {
	may.enforce(may.decline(next, op.author, op.target));
	withoutPending(next, op.target);
}

export function applyAdd(next: GroupState, op: OpOf<'add'>): void {
	may.enforce(may.add(next, op.author, op.member.sign));
	next.members = { ...next.members, [op.member.sign]: { ...op.member, since: op.epoch, ...(op.member.rk !== undefined ? { rkAt: op.epoch } : {}) } };
}

export function applyRemove(next: GroupState, op: OpOf<'remove'>): void {
	may.enforce(may.remove(next, op.author, op.target));
	const joinedWith = next.members[op.target]!.invite;
	withoutMember(next, op.target);
	// The removed member holds the secret of the invite it joined through: withdraw that link too.
	const invite = joinedWith === undefined ? undefined : next.invites[joinedWith];
	if (invite && !invite.revoked) {
		next.invites = { ...next.invites, [invite.key]: { ...invite, revoked: true } };
		withoutRequestsThrough(next, new Set([invite.key]));
	}
}

export function applyLeave(next: GroupState, op: OpOf<'leave'>): void {
	may.enforce(may.leave(next, op.author));
	withoutMember(next, op.author);
	keepAnAdmin(next);
	// The leaver knows the current epoch secret and must not choose the next one.
	next.needsRekey = true;
}

export function applyRole(next: GroupState, op: OpOf<'role'>): void {
	may.enforce(may.setRole(next, op.author, op.target, op.role));
	next.members = { ...next.members, [op.target]: { ...next.members[op.target]!, role: op.role } };
	withoutAsk(next, op.target);
}

/**
 * A listener asks to speak. Nothing changes but the pending request, which the next role
 * change of that listener clears. At most one pending ask per listener: asking again before an
 * answer is PROTOCOL_NOT_ALLOWED (the rules are the rate limit, so the relay enforces it too).
 */
export function applyAsk(next: GroupState, op: OpOf<'ask'>): void {
	may.enforce(may.ask(next, op.author));
	next.asks = [...(next.asks ?? []), op.author];
}

export function applySettings(next: GroupState, op: OpOf<'settings'>): void {
	may.enforce(may.changeSettings(next, op.author));
	if (op.settings.pair !== next.settings.pair) throw notAllowed('settings.pair never changes');
	if (op.settings.met !== undefined) throw notAllowed('settings.met is set only in a pair’s genesis');
	next.settings = { ...op.settings };
}

export function applyHide(next: GroupState, op: OpOf<'hide'>): void {
	may.enforce(may.hide(next, op.author));
	if (!next.hidden.includes(op.target)) next.hidden = [...next.hidden, op.target];
}

/** §13.4: an un-hide of a message that is not hidden changes nothing (two undos may cross). */
export function applyUnhide(next: GroupState, op: OpOf<'unhide'>): void {
	may.enforce(may.unhide(next, op.author));
	if (next.hidden.includes(op.target)) next.hidden = next.hidden.filter((seq) => seq !== op.target);
}

/** §13.5: the target is sealed inside the body; the state does not change. */
export function applyWarn(next: GroupState, op: OpOf<'warn'>): void {
	may.enforce(may.warn(next, op.author));
}

/** §13.3: the end of the mute is the op's relay time plus `duration`; 0 lifts it. */
export function applyMute(next: GroupState, op: OpOf<'mute'>, now: number): void {
	may.enforce(may.mute(next, op.author, op.target));
	const muted = { ...next.muted };
	if (op.duration === 0) delete muted[op.target];
	else muted[op.target] = now + op.duration * 1000;
	if (Object.keys(muted).length > 0) next.muted = muted;
	else delete next.muted;
}

export function applyEnd(next: GroupState, op: OpOf<'end'>): void {
	may.enforce(may.end(next, op.author));
	next.ended = true;
}

/**
 * A member publishes a fresh receive key (§4.4): it names the current epoch, once per epoch.
 * Nothing is sealed, so it is accepted while a rekey is pending.
 */
export function applyKey(next: GroupState, op: OpOf<'key'>): void {
	if (op.epoch !== next.epoch) throw new ProtocolError('PROTOCOL_BAD_EPOCH', `a key op names the current epoch ${next.epoch}, got ${op.epoch}`);
	may.enforce(may.publishKey(next, op.author));
	setReceiveKey(next, op.author, op.rk, next.epoch);
}

/** Records `rk` as `sign`'s receive key, set in `epoch` (a `key` op, or an epoch op's `rk`). */
export function setReceiveKey(next: GroupState, sign: string, rk: string, epoch: number): void {
	next.members = { ...next.members, [sign]: { ...next.members[sign]!, rk, rkAt: epoch } };
}
