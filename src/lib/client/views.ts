/**
 * Plain-data views of a group for the UI (src/lib/client/api.ts): summaries, members with
 * safety numbers and verification state, invites, and what I may do (the `can` flags, answered
 * by protocol/group/may.ts so that screens never re-derive permissions from roles). Read-only;
 * each view takes only the parts of a group it reads.
 */
import type { GroupPermissions, GroupSummary, InviteView, MemberPermissions, MemberView } from './api.ts';
import type { GroupHandle } from './group.ts';
import type { Role } from '../core/schema.ts';
import { safetyNumber, type MemberKeys } from '../crypto/safety.ts';
import { inviteLinkAt } from '../crypto/invite.ts';
import * as may from '../protocol/group/may.ts';
import type { GroupState } from '../protocol/group/types.ts';
import { standingOf } from '../protocol/session/send.ts';
import { sameName } from './names.ts';

type Safety = { digits: string; emoji: string };

/**
 * Safety numbers by the two members' keys (§2.3), computed one at a time when a screen asks for
 * one (each costs two SHA-256 and a canonical JSON; a member list of a group of hundreds
 * computed them all, issue 15 item 5). They change only when a member's keys do, so each is
 * kept by both members' keys; at most LIMIT are kept, the oldest dropped first.
 */
export class SafetyNumbers {
	static readonly LIMIT = 2_000;
	readonly #kept = new Map<string, Safety>();

	of(group: string, me: MemberKeys, other: MemberKeys): Safety {
		const key = `${group}.${me.sign}.${me.box}.${other.sign}.${other.box}`;
		let number = this.#kept.get(key);
		if (!number) {
			number = pick(safetyNumber(group, me, other));
			if (this.#kept.size >= SafetyNumbers.LIMIT) this.#kept.delete(this.#kept.keys().next().value!);
			this.#kept.set(key, number);
		}
		return number;
	}
}

/** My safety number with `member` in this group, or null (myself, not a member, no log). */
export function safetyWith(g: Pick<GroupHandle, 'id' | 'session'>, member: string, safety: SafetyNumbers): Safety | null {
	const data = g.session.data;
	const log = data.log;
	if (!log || member === data.me) return null;
	const has = (sign: string) => Object.prototype.hasOwnProperty.call(log.members, sign);
	if (!has(data.me) || !has(member)) return null;
	return safety.of(g.id, log.members[data.me]!, log.members[member]!);
}

const pick = ({ digits, emoji }: Safety): Safety => ({ digits, emoji });

function groupCan(log: GroupState, me: string, standing: may.Standing): GroupPermissions {
	return {
		post: may.post(log, me, standing).ok,
		invite: may.invite(log, me).ok,
		inviteListeners: may.invite(log, me, 'listener').ok,
		moderate: may.moderate(log, me).ok,
		changeSettings: may.changeSettings(log, me).ok,
		speak: may.setRole(log, me, me, 'member').ok && log.members[me]?.role === 'listener',
		askToSpeak: may.ask(log, me).ok,
		leave: may.leave(log, me).ok,
		endPair: may.end(log, me).ok
	};
}

function memberCan(log: GroupState, me: string, target: string): MemberPermissions {
	const setRole = Object.fromEntries(may.ROLES.map((role) => [role, may.setRole(log, me, target, role).ok])) as Record<Role, boolean>;
	return { remove: may.remove(log, me, target).ok, mute: may.mute(log, me, target).ok, setRole };
}

export function summary(g: Pick<GroupHandle, 'id' | 'session' | 'sync' | 'cursor'> & { cases?: GroupHandle['cases'] }): GroupSummary | null {
	const data = g.session.data;
	const log = data.log;
	if (!log) return null;
	const me = log.members[data.me];
	const out: GroupSummary = {
		id: g.id,
		name: data.name,
		description: data.description,
		role: me?.role ?? 'listener',
		pseudonym: data.profiles[data.me] ?? '',
		pair: log.settings.pair,
		ended: log.ended || data.removed,
		removed: data.removed,
		unread: data.unread,
		lastActivity: data.lastActivity,
		memberCount: Object.keys(log.members).length,
		unconfirmed: data.unconfirmed !== undefined && !data.removed,
		settings: {
			retention: log.settings.retention,
			listeners: log.settings.listeners,
			listenersMaySpeak: log.settings.listenersMaySpeak,
			invite: log.settings.invite,
			slow: log.settings.slow ?? 0,
			links: log.settings.links ?? 'any',
			approve: log.settings.approve === true
		},
		can: groupCan(log, data.me, standingOf(g.session)),
		askingToSpeak: data.removed
			? []
			: (log.asks ?? []).filter((sign) => may.setRole(log, data.me, sign, 'member').ok).map((sign) => ({ sign, name: data.profiles[sign] ?? null }))
	};
	if (data.frozen) out.frozen = { ...data.frozen };
	const mutedUntil = log.muted?.[data.me];
	if (mutedUntil !== undefined) out.mutedUntil = mutedUntil;
	const slowUntil = may.slowUntil(log, data.me, data.posts?.[data.me]);
	if (slowUntil !== null) out.slowUntil = slowUntil;
	if (!may.link(log, data.me).ok) out.noLinks = true;
	// Open reports, for moderators only (§13.6): a member's device has no cases to count.
	if (g.cases && !data.removed && may.moderate(log, data.me).ok) out.openReports = g.cases.openCount();
	// Approval (§13.8): my own request, or, for moderators, how many wait.
	if (may.isPending(log, data.me) && data.requestEnded === 'unknown') out.waiting = 'unknown';
	else if (may.isPending(log, data.me) && !data.requestEnded) out.waiting = 'pending';
	if (!data.removed && log.pending && may.moderate(log, data.me).ok) out.joinRequests = Object.keys(log.pending).length;
	if (g.sync && g.sync.head > g.cursor) out.sync = { done: Math.max(0, g.cursor - g.sync.start), total: Math.max(1, g.sync.head - g.sync.start) };
	return out;
}

export function members(g: Pick<GroupHandle, 'id' | 'session' | 'verifications' | 'blocks' | 'franking'>): MemberView[] {
	const data = g.session.data;
	const log = data.log;
	if (!log) return [];
	// The names of members I verified, as verified and as they are now, compared loosely: a
	// trailing space, another case or another Unicode form of the same name is the same name.
	const verifiedNames = new Map<string, string>();
	for (const [sign, v] of Object.entries(g.verifications.all)) {
		if (v.name) verifiedNames.set(sameName(v.name), sign);
		const now = data.profiles[sign];
		if (now) verifiedNames.set(sameName(now), sign);
	}
	return Object.values(log.members)
		.map((m) => {
			const name = data.profiles[m.sign] ?? null;
			const verified = g.verifications.has(m.sign);
			// Someone now using the name of a member I verified, with another key.
			const previous = name ? verifiedNames.get(sameName(name)) : undefined;
			const keyChanged = m.sign !== data.me && !verified && previous !== undefined && previous !== m.sign;
			const can = memberCan(log, data.me, m.sign);
			// Pending asks to speak are for those who may answer them (admins), and for the asker to see.
			const askedToSpeak = (log.asks ?? []).includes(m.sign) && (can.setRole.member || m.sign === data.me);
			const profileId = m.sign === data.me ? undefined : g.franking.profileIds[m.sign];
			const joinedWithLink = m.invite !== undefined && log.invites[m.invite]?.revoked === false;
			const mutedUntil = log.muted?.[m.sign];
			return { sign: m.sign, name, ...(profileId ? { profileId } : {}), ...(mutedUntil === undefined ? {} : { mutedUntil }), role: m.role, self: m.sign === data.me, verified, blocked: m.sign !== data.me && g.blocks.has(m.sign), keyChanged, askedToSpeak, joinedWithLink, can };
		})
		.sort((a, b) => Number(b.self) - Number(a.self) || (a.name ?? '').localeCompare(b.name ?? ''));
}

export function invites(g: Pick<GroupHandle, 'session' | 'invites'>): InviteView[] {
	const log = g.session.data.log;
	if (!log) return [];
	return Object.values(log.invites).map((i) => ({
		key: i.key,
		// Given out now, the link names the head as it is now (§7): a newcomer refuses an older log.
		link: i.revoked || !g.invites.link(i.key) ? g.invites.link(i.key) : inviteLinkAt(g.invites.link(i.key), log.head),
		expires: i.expires,
		maxUses: i.maxUses,
		uses: i.uses,
		role: i.role,
		revoked: i.revoked
	}));
}
