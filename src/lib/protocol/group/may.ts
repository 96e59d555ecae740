/**
 * Who may do what in a group (docs/PROTOCOL.md §3.3, the "who may" column), answered in one
 * place from the group state. The rules of the log (rules.ts, run by every client and by the
 * relay), the client's send path (protocol/session/send.ts) and the screens (the `can` flags of
 * client/views.ts) all ask these functions, so a permission cannot mean one thing on screen and
 * another in the log.
 *
 * Every function is pure and returns a `Verdict`: `{ ok: true }`, or the §3.3 code and a short
 * reason. `enforce` turns a refusal into the `ProtocolError` the rules throw. The checks run in
 * the order of §3.3 (the group has not ended, the author is a member, then the kind's rule), so
 * that a refusal carries the same code whether it comes from here or from `applyOp`.
 */
import { ProtocolError, type ProtocolCode } from '../../core/errors.ts';
import type { Role } from '../../core/schema.ts';
import type { GroupState, MemberState } from './types.ts';

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly code: ProtocolCode; readonly why: string };

/** Roles from least to most powerful; a moderator may act on members and listeners, not above. */
export const RANK: Readonly<Record<Role, number>> = { listener: 0, member: 1, moderator: 2, admin: 3 };

export const ROLES: readonly Role[] = ['admin', 'moderator', 'member', 'listener'];

const YES: Verdict = { ok: true };
const no = (code: ProtocolCode, why: string): Verdict => ({ ok: false, code, why });
const notAllowed = (why: string): Verdict => no('PROTOCOL_NOT_ALLOWED', why);

/** Throws the verdict's `ProtocolError` when it is a refusal. */
export function enforce(verdict: Verdict): void {
	if (!verdict.ok) throw new ProtocolError(verdict.code, verdict.why);
}

export const has = (record: object, key: string): boolean => Object.prototype.hasOwnProperty.call(record, key);

/**
 * The checks common to every op but `genesis` and `join` (§3.3, "Common checks"): the group has
 * not ended (`PROTOCOL_GROUP_ENDED`) and `author` is a member (`PROTOCOL_UNKNOWN_MEMBER`).
 */
export function act(state: GroupState, author: string): Verdict {
	if (state.ended) return no('PROTOCOL_GROUP_ENDED', 'this pair has ended');
	if (!has(state.members, author)) return no('PROTOCOL_UNKNOWN_MEMBER', 'author is not a member');
	return YES;
}

/**
 * Whether `author` may join at all (§3.3, `join`): the group has not ended and `author` is not a
 * member yet. Whether its invite is still good is the rule's business (`PROTOCOL_INVITE_INVALID`).
 */
export function join(state: GroupState, author: string): Verdict {
	if (state.ended) return no('PROTOCOL_GROUP_ENDED', 'this pair has ended');
	if (has(state.members, author)) return notAllowed('already a member');
	return YES;
}

/**
 * Whether `author` may ask to join (§3.3, `request`; §13.8): the group has not ended and
 * `author` is neither a member nor already waiting. The invite's checks are the rule's business.
 */
export function request(state: GroupState, author: string): Verdict {
	if (state.ended) return no('PROTOCOL_GROUP_ENDED', 'this pair has ended');
	if (has(state.members, author)) return notAllowed('already a member');
	if (isPending(state, author)) return notAllowed('already waiting for a moderator');
	return YES;
}

/** Whether `sign` has a join request waiting for a moderator (§13.8). */
export function isPending(state: GroupState | null, sign: string): boolean {
	return !!state?.pending && has(state.pending, sign);
}

/**
 * The author-membership step of §3.3 for any op: `join` and `request` need a newcomer, a
 * pending requester may only withdraw (a `decline` of itself), everyone else must be a member.
 */
export function author(state: GroupState, kind: string, sign: string, target?: string): Verdict {
	if (kind === 'join' || kind === 'request') return request(state, sign);
	if (kind === 'decline' && target === sign && isPending(state, sign)) return state.ended ? no('PROTOCOL_GROUP_ENDED', 'this pair has ended') : YES;
	return act(state, sign);
}

/**
 * Whether `author` may let the pending requester `target` in (§3.3, `approve`; §13.8): a
 * moderator or an admin; a request never asks for more than `member`. A target without a
 * pending request is `PROTOCOL_UNKNOWN_MEMBER` (a request whose link was revoked is dropped,
 * §3.3); a listener's, where the group no longer allows listeners, `PROTOCOL_NOT_ALLOWED`.
 */
export function approve(state: GroupState, author: string, target: string): Verdict {
	return asMember(state, author, (me) => {
		if (RANK[me.role] < RANK.moderator) return notAllowed('only a moderator or an admin may let someone in');
		if (!isPending(state, target)) return no('PROTOCOL_UNKNOWN_MEMBER', 'nobody with this key is waiting to join');
		if (has(state.members, target)) return notAllowed('already a member');
		const waiting = state.pending![target]!;
		if (waiting.role === 'listener' && !state.settings.listeners) return notAllowed('this group no longer allows listeners');
		return YES;
	});
}

/**
 * Whether `author` may decline the pending request of `target` (§3.3, `decline`; §13.8): a
 * moderator or an admin, or the requester itself (withdrawing).
 */
export function decline(state: GroupState, author: string, target: string): Verdict {
	const common = author === target && isPending(state, author) ? (state.ended ? no('PROTOCOL_GROUP_ENDED', 'this pair has ended') : YES) : act(state, author);
	if (!common.ok) return common;
	if (!isPending(state, target)) return no('PROTOCOL_UNKNOWN_MEMBER', 'nobody with this key is waiting to join');
	if (target === author) return YES;
	return RANK[state.members[author]!.role] >= RANK.moderator ? YES : notAllowed('only a moderator or an admin may decline a request');
}

/** Runs the common checks, then `rule` with the author's member record. */
function asMember(state: GroupState, author: string, rule: (me: MemberState) => Verdict): Verdict {
	const common = act(state, author);
	return common.ok ? rule(state.members[author]!) : common;
}

/** Kinds that a one-to-one pair never carries (§3.3: "never in pairs"). */
function notInPairs(state: GroupState, kind: string): Verdict {
	return state.settings.pair ? notAllowed(`${kind} is not allowed in a one-to-one pair`) : YES;
}

const all = (...checks: (() => Verdict)[]): Verdict => {
	for (const check of checks) {
		const verdict = check();
		if (!verdict.ok) return verdict;
	}
	return YES;
};

/**
 * Whether `author` may create an invite granting `role` (§3.3, `invite`): an admin, or any
 * member who is not a listener when `settings.invite` is `members`; never in pairs; a listener
 * invite only where the group allows listeners.
 */
export function invite(state: GroupState, author: string, role: 'member' | 'listener' = 'member'): Verdict {
	return asMember(state, author, (me) =>
		all(
			() => notInPairs(state, 'invite'),
			() => (me.role === 'admin' || (state.settings.invite === 'members' && me.role !== 'listener') ? YES : notAllowed(`a ${me.role} may not create invites in this group`)),
			() => (role === 'listener' && !state.settings.listeners ? notAllowed('this group does not allow listeners') : YES)
		)
	);
}

/**
 * Whether `author` may revoke the invite `key` (§3.3, `revoke`): an admin, or the invite's
 * author. An unknown or already revoked invite is `PROTOCOL_INVITE_INVALID`.
 */
export function revoke(state: GroupState, author: string, key: string): Verdict {
	return asMember(state, author, (me) => {
		if (!has(state.invites, key)) return no('PROTOCOL_INVITE_INVALID', 'unknown invite');
		const target = state.invites[key]!;
		if (me.role !== 'admin' && target.author !== author) return notAllowed('only an admin or its author may revoke an invite');
		if (target.revoked) return no('PROTOCOL_INVITE_INVALID', 'invite already revoked');
		return YES;
	});
}

/** Whether `author` may add the holder of `sign` (§3.3, `add`): an admin, never in pairs, not a member twice. */
export function add(state: GroupState, author: string, sign: string): Verdict {
	return asMember(state, author, (me) =>
		all(
			() => notInPairs(state, 'add'),
			() => (me.role === 'admin' ? YES : notAllowed('only an admin may add a member')),
			() => (has(state.members, sign) ? notAllowed('already a member') : YES),
			// A waiting requester is let in by an approve, never added around its request (§13.8).
			() => (isPending(state, sign) ? notAllowed('this person is waiting to join: approve or decline the request') : YES)
		)
	);
}

/**
 * Whether `author` may remove `target` (§3.3, `remove`): an admin removes anyone but themself
 * (who leaves instead), a moderator removes members and listeners. A target who is not a
 * member is `PROTOCOL_UNKNOWN_MEMBER`.
 */
export function remove(state: GroupState, author: string, target: string): Verdict {
	return asMember(state, author, (me) => {
		if (!has(state.members, target)) return no('PROTOCOL_UNKNOWN_MEMBER', 'target is not a member');
		if (target === author) return notAllowed('use leave to remove yourself');
		const them = state.members[target]!;
		const may = me.role === 'admin' || (me.role === 'moderator' && RANK[them.role] <= RANK.member);
		return may ? YES : notAllowed(`a ${me.role} may not remove a ${them.role}`);
	});
}

/**
 * Whether `author` may mute (or lift the mute of) `target` (§3.3, `mute`; §13.3): a moderator or
 * an admin, on a member of lower role; never in pairs. A target who is not a member is
 * `PROTOCOL_UNKNOWN_MEMBER`.
 */
export function mute(state: GroupState, author: string, target: string): Verdict {
	return asMember(state, author, (me) =>
		all(
			() => notInPairs(state, 'mute'),
			() => (has(state.members, target) ? YES : no('PROTOCOL_UNKNOWN_MEMBER', 'target is not a member')),
			() => (RANK[me.role] >= RANK.moderator ? YES : notAllowed('only a moderator or an admin may mute a member')),
			() => (RANK[state.members[target]!.role] < RANK[me.role] ? YES : notAllowed(`a ${me.role} may not mute a ${state.members[target]!.role}`))
		)
	);
}

/** Until when (relay time, ms) `member` is muted as of relay time `at`, or null when not muted then (§13.3). */
export function mutedUntil(state: GroupState | null, member: string, at: number): number | null {
	const until = state?.muted?.[member];
	return until !== undefined && at < until ? until : null;
}

/** Slow mode (§13.7): an earlier post less than this long ago does not count against the window. */
export const SLOW_GRACE_MS = 5_000;
/** Slow mode (§13.7): the longest window, in seconds (`settings.slow` ≤ this). */
export const SLOW_MAX_S = 86_400;
/** Slow mode (§13.7): at most this many posts inside one window (the grace's burst). */
export const SLOW_BURST = 3;

/** Whether slow mode and the link limit spare `author` (§13.7): moderators and admins are exempt. */
function exempt(state: GroupState, author: string): boolean {
	const me = state.members[author];
	return !me || RANK[me.role] >= RANK.moderator;
}

/**
 * How long (ms) a message of `author` at relay time `at` must still wait under slow mode (§13.7),
 * given the relay times of their earlier accepted posts (`posts`, oldest first; the last
 * SLOW_BURST are enough); 0 when it may pass. Positive means the post breaks slow mode: there is
 * an earlier post inside the window and more than the grace ago, or SLOW_BURST posts inside it.
 * The answer is the wait until every post inside the window has left it.
 */
export function slowWait(state: GroupState | null, author: string, at: number, posts: readonly Post[] = []): number {
	const seconds = state?.settings.slow ?? 0;
	if (!state || seconds <= 0 || exempt(state, author)) return 0;
	const window = seconds * 1000;
	const inside = posts.map((p) => p[1]).filter((p) => p > at - window && p <= at);
	if (inside.length < SLOW_BURST && !inside.some((p) => p <= at - SLOW_GRACE_MS)) return 0;
	return Math.max(...inside) + window - at;
}

/**
 * Until when (relay time, ms) the composer asks `author` to wait under slow mode (§13.7): one
 * message per window after their last post, or null when they may write now. Stricter than
 * `slowWait` (no grace): the grace is for the automatic hello and a quick reaction, not a second text.
 */
export function slowUntil(state: GroupState | null, author: string, posts: readonly Post[] = []): number | null {
	const seconds = state?.settings.slow ?? 0;
	if (!state || seconds <= 0 || exempt(state, author) || posts.length === 0) return null;
	return Math.max(...posts.map((p) => p[1])) + seconds * 1000;
}

/** The slow mode window (seconds) that applies to `author` (§13.7): 0 when slow mode is off or spares them. */
export function slowSeconds(state: GroupState | null, author: string): number {
	const seconds = state?.settings.slow ?? 0;
	return !state || seconds <= 0 || exempt(state, author) ? 0 : seconds;
}

/** One accepted message entry of a member, for slow mode (§13.7): its relay seq and relay time. */
export type Post = readonly [seq: number, ts: number];

/**
 * Adds a post to a member's list for slow mode (§13.7), once per seq (the relay's answer and its
 * copy of the entry may both report it), keeping the last SLOW_BURST in relay order.
 */
export function notePost(posts: readonly Post[] | undefined, seq: number, ts: number): Post[] {
	if (posts?.some((p) => p[0] === seq)) return [...posts];
	const out = [...(posts ?? []), [seq, ts] as const].sort((a, b) => a[0] - b[0]);
	return out.length > SLOW_BURST ? out.slice(out.length - SLOW_BURST) : out;
}

/** Whether `author` may post a link (§13.7): anyone, unless `settings.links = none`, which spares moderators and admins. */
export function link(state: GroupState | null, author: string): Verdict {
	if (!state || state.settings.links !== 'none' || exempt(state, author)) return YES;
	return notAllowed('this group does not allow links from members');
}

/** Whether `author` may leave (§3.3, `leave`): any member of a group; a pair is ended instead. */
export function leave(state: GroupState, author: string): Verdict {
	return asMember(state, author, () => (state.settings.pair ? notAllowed('end the pair instead of leaving it') : YES));
}

/**
 * Whether `author` may start a new epoch with a `rekey` (§3.3): a member who may post, i.e. not a
 * listener. A listener sends nothing, so it never needs fresh sending keys, and every rekey costs
 * the relay and every member a new epoch (issue 9: listeners must not grow the log at will).
 */
export function rekey(state: GroupState, author: string): Verdict {
	return asMember(state, author, (me) => (me.role === 'listener' ? notAllowed('a listener may not start a new epoch') : YES));
}

/**
 * Whether `author` may give `target` the role `role` (§3.3, `role`): the role must change; never
 * in pairs; an admin sets any role on anyone, except that the only admin may not demote
 * themself; anyone else may only lower their own role, or go from listener to member where
 * `settings.listenersMaySpeak`.
 */
export function setRole(state: GroupState, author: string, target: string, role: Role): Verdict {
	return asMember(state, author, (me) => {
		const pairs = notInPairs(state, 'role');
		if (!pairs.ok) return pairs;
		if (!has(state.members, target)) return no('PROTOCOL_UNKNOWN_MEMBER', 'target is not a member');
		const them = state.members[target]!;
		if (them.role === role) return notAllowed(`already a ${role}`);
		const self = target === author;
		if (me.role === 'admin') {
			const admins = Object.values(state.members).filter((m) => m.role === 'admin').length;
			return self && admins === 1 ? notAllowed('the last admin may not demote themself') : YES;
		}
		if (!self) return notAllowed("only an admin may change another member's role");
		if (RANK[role] <= RANK[them.role]) return YES;
		const mayStartSpeaking = them.role === 'listener' && role === 'member' && state.settings.listenersMaySpeak;
		return mayStartSpeaking ? YES : notAllowed(`a ${them.role} may not raise their own role to ${role}`);
	});
}

/**
 * Whether `author` may ask to speak (§3.3, `ask`): a listener, never in pairs, with no request
 * of its own still pending (the rules are the rate limit).
 */
export function ask(state: GroupState, author: string): Verdict {
	return asMember(state, author, (me) =>
		all(
			() => notInPairs(state, 'ask'),
			() => (me.role === 'listener' ? YES : notAllowed('only a listener asks to speak')),
			() => (state.asks?.includes(author) ? notAllowed('you have already asked to speak; an admin will answer') : YES)
		)
	);
}

/**
 * Whether `author` may publish a fresh receive key (§3.3, `key`; §4.4): any member, listeners
 * included, at most once per epoch (the rules are the rate limit).
 */
export function publishKey(state: GroupState, author: string): Verdict {
	return asMember(state, author, (me) => (me.rkAt === state.epoch ? notAllowed('a receive key was already published in this epoch') : YES));
}

/**
 * Whether this device should publish a fresh receive key now (§4.4): the current epoch was
 * sealed to a key of mine that it has since used, or I have none yet.
 */
export function keyDue(state: GroupState | null, me: string, standing: Standing = {}): boolean {
	if (!usable(state, me, standing).ok) return false;
	return publishKey(state!, me).ok;
}

/** Whether `author` may change the group's settings (§3.3, `settings`): an admin, never in pairs. */
export function changeSettings(state: GroupState, author: string): Verdict {
	return asMember(state, author, (me) => all(() => notInPairs(state, 'settings'), () => (me.role === 'admin' ? YES : notAllowed('only an admin may change settings'))));
}

/** Whether `author` may hide a message for everyone (§3.3, `hide`): a moderator or an admin. */
export function hide(state: GroupState, author: string): Verdict {
	return asMember(state, author, (me) => (RANK[me.role] >= RANK.moderator ? YES : notAllowed('only a moderator or an admin may hide a message')));
}

/** Whether `author` may show a hidden message again (§3.3, `unhide`; §13.4): the same people as `hide`. */
export function unhide(state: GroupState, author: string): Verdict {
	return asMember(state, author, (me) => (RANK[me.role] >= RANK.moderator ? YES : notAllowed('only a moderator or an admin may show a hidden message again')));
}

/** Whether `author` may send a member a private note (§3.3, `warn`; §13.5): a moderator or an admin, never in pairs. */
export function warn(state: GroupState, author: string): Verdict {
	return asMember(state, author, (me) =>
		all(
			() => notInPairs(state, 'warn'),
			() => (RANK[me.role] >= RANK.moderator ? YES : notAllowed('only a moderator or an admin may send a member a note'))
		)
	);
}

/**
 * Whether `author` moderates the group: reads the reports sealed to its moderators (§6) and
 * hides messages. The same people as `hide`: moderators and admins.
 */
export function moderate(state: GroupState, author: string): Verdict {
	return hide(state, author);
}

/** Whether `author` may end the group (§3.3, `end`): either member of a one-to-one pair. */
export function end(state: GroupState, author: string): Verdict {
	return asMember(state, author, () => (state.settings.pair ? YES : notAllowed('only a one-to-one pair can be ended')));
}

/** What this device knows about its own seat beyond the log (the session's `frozen` and `removed`). */
export interface Standing {
	/** The log failed verification here: nothing is sent until it is resolved. */
	frozen?: boolean;
	/** This device learnt it was removed (its copy of the log may lag). */
	removed?: boolean;
	/**
	 * The relay time of the message being judged, or this device's clock for what to show
	 * (§13.3): a member muted until after `at` may not post. Without it, mutes are not judged.
	 */
	at?: number;
}

/**
 * Whether `me` may post messages now, as this device sees it (§5; the relay refuses a listener's
 * messages with RELAY_FORBIDDEN and receivers drop them). In this order: a frozen group posts
 * nothing (`PROTOCOL_NOT_ALLOWED`), a device with no log or no longer a member is
 * `PROTOCOL_UNKNOWN_MEMBER`, an ended pair is `PROTOCOL_GROUP_ENDED`, a listener is
 * `PROTOCOL_NOT_ALLOWED`. `state` is null before the log is known.
 */
export function post(state: GroupState | null, me: string, standing: Standing = {}): Verdict {
	return all(
		() => usable(state, me, standing),
		() => (state!.members[me]!.role === 'listener' ? notAllowed('listeners cannot post in this group') : YES),
		() => (standing.at !== undefined && mutedUntil(state, me, standing.at) !== null ? notAllowed('a moderator muted this member for now') : YES)
	);
}

/**
 * Whether this device may act in the group at all: not frozen, a member, not ended (the first
 * three checks of `post`, also run before any signed action is built).
 */
export function usable(state: GroupState | null, me: string, standing: Standing = {}): Verdict {
	if (standing.frozen) return notAllowed('this group is frozen after a failed verification');
	if (!state || standing.removed || !has(state.members, me)) return no('PROTOCOL_UNKNOWN_MEMBER', 'you are not a member of this group');
	if (state.ended) return no('PROTOCOL_GROUP_ENDED', 'this conversation has ended');
	return YES;
}

/**
 * Whether `author` may offer to sponsor in this group, and whether their availability counts
 * (§11.1): a member who may post, in a group that is not a pair.
 */
export function sponsor(state: GroupState | null, author: string, standing: Standing = {}): Verdict {
	return all(
		() => post(state, author, standing),
		() => (state!.settings.pair ? notAllowed('sponsoring is offered in groups, not in pairs') : YES)
	);
}

/** Whether `author` may switch sponsoring on or off for the group (§11.1): whoever may change settings. */
export function switchSponsoring(state: GroupState, author: string): Verdict {
	return changeSettings(state, author);
}
