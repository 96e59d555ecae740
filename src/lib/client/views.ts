/**
 * Plain-data views of a group for the UI (src/lib/client/api.ts): summaries, members with
 * safety numbers and verification state, invites. Read-only; each view takes only the parts of
 * a group it reads.
 */
import type { GroupSummary, InviteView, MemberView } from './api.ts';
import type { GroupHandle } from './group.ts';
import { safetyNumber } from '../crypto/safety.ts';
import { sameName } from './names.ts';

export function summary(g: Pick<GroupHandle, 'id' | 'session' | 'sync' | 'cursor'>): GroupSummary | null {
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
		unread: data.unread,
		lastActivity: data.lastActivity,
		memberCount: Object.keys(log.members).length,
		settings: { retention: log.settings.retention, listeners: log.settings.listeners, listenersMaySpeak: log.settings.listenersMaySpeak, invite: log.settings.invite }
	};
	if (data.frozen) out.frozen = { ...data.frozen };
	if (g.sync && g.sync.head > g.cursor) out.sync = { done: Math.max(0, g.cursor - g.sync.start), total: Math.max(1, g.sync.head - g.sync.start) };
	return out;
}

export function members(g: Pick<GroupHandle, 'id' | 'session' | 'verifications' | 'franking'>): MemberView[] {
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
	const mine = log.members[data.me];
	return Object.values(log.members)
		.map((m) => {
			const name = data.profiles[m.sign] ?? null;
			const verified = g.verifications.has(m.sign);
			// Someone now using the name of a member I verified, with another key.
			const previous = name ? verifiedNames.get(sameName(name)) : undefined;
			const keyChanged = m.sign !== data.me && !verified && previous !== undefined && previous !== m.sign;
			// Both keys of both members (§2.3): a box key an admin chose for someone else shows up.
			const safety = m.sign === data.me || !mine ? { digits: '', emoji: '' } : safetyNumber(g.id, { sign: mine.sign, box: mine.box }, { sign: m.sign, box: m.box });
			// Pending asks to speak are for admins to answer, and for the asker to see.
			const askedToSpeak = (log.asks ?? []).includes(m.sign) && (mine?.role === 'admin' || m.sign === data.me);
			const profileId = m.sign === data.me ? undefined : g.franking.profileIds[m.sign];
			return { sign: m.sign, name, ...(profileId ? { profileId } : {}), role: m.role, self: m.sign === data.me, safety: { digits: safety.digits, emoji: safety.emoji }, verified, keyChanged, askedToSpeak };
		})
		.sort((a, b) => Number(b.self) - Number(a.self) || (a.name ?? '').localeCompare(b.name ?? ''));
}

export function invites(g: Pick<GroupHandle, 'session' | 'invites'>): InviteView[] {
	const log = g.session.data.log;
	if (!log) return [];
	return Object.values(log.invites).map((i) => ({
		key: i.key,
		link: g.invites.link(i.key),
		expires: i.expires,
		maxUses: i.maxUses,
		uses: i.uses,
		role: i.role,
		revoked: i.revoked
	}));
}
