/**
 * Service bans as members see them (docs/PROTOCOL.md §9.8b). The relay tells a group's
 * subscribers which of its members the deployment moderator banned (in the `sub` answer, and
 * pushed when it happens); it refuses the banned member's own login. Here:
 * - my own key banned: the group is marked, and the chat says "The service has removed you";
 * - another member banned: the notice "X was removed by the service", and where I may remove
 *   them (may.ts), a normal `remove` op (the usual rekey follows), so they read nothing sent later.
 * Nothing is trusted beyond that: a relay lying here can only make admins remove someone, and
 * the notice says who asked for it.
 */
import * as may from '../protocol/group/may.ts';
import { act } from './actions.ts';
import type { ClientCore } from './core.ts';
import type { GroupHandle } from './group.ts';

export interface ServiceRemovals {
	/** The service banned my key in this group. */
	me: boolean;
	/**
	 * Members the service banned, with the name I knew them by (null when none was received);
	 * `gone` once they are no longer members (an admin's app removed them, §9.8b).
	 */
	others: { sign: string; name: string | null; gone: boolean }[];
}

const byCore = new WeakMap<ClientCore, Map<string, ServiceRemovals>>();

function entry(core: ClientCore, group: string): ServiceRemovals {
	let groups = byCore.get(core);
	if (!groups) byCore.set(core, (groups = new Map()));
	let found = groups.get(group);
	if (!found) groups.set(group, (found = { me: false, others: [] }));
	return found;
}

/** What this device learnt this session about service removals in `group`. */
export function serviceRemovals(core: ClientCore, group: string): ServiceRemovals {
	const found = byCore.get(core)?.get(group);
	if (!found) return { me: false, others: [] };
	const members = core.groups.get(group)?.session.state?.members ?? {};
	return { me: found.me, others: found.others.map((o) => ({ ...o, gone: !Object.hasOwn(members, o.sign) })) };
}

/** The relay refused my key's login: the service removed me from the group it belongs to. */
export function keyBanned(core: ClientCore, key: string): void {
	for (const g of core.groups.values()) {
		if (g.session.me !== key) continue;
		entry(core, g.id).me = true;
		core.emit({ type: 'members', group: g.id });
		core.emit({ type: 'groups' });
	}
}

/** The relay says these members of `g` are banned: note them, and remove them where I may. */
export function membersBanned(core: ClientCore, g: GroupHandle, banned: string[]): void {
	const state = g.session.state;
	if (!state || core.locked) return;
	const seen = entry(core, g.id);
	let changed = false;
	for (const key of banned) {
		if (key === g.session.me) {
			changed ||= !seen.me;
			seen.me = true;
			continue;
		}
		// Only members of my own copy of the log: the relay cannot name anyone else.
		if (!Object.hasOwn(state.members, key)) continue;
		if (!seen.others.some((o) => o.sign === key)) {
			seen.others.push({ sign: key, name: g.session.data.profiles[key] ?? null, gone: false });
			changed = true;
		}
		if (may.remove(state, g.session.me, key).ok) {
			// Another admin may win the race: then the key is no longer a member and act refuses; fine.
			void act(core, g, () => ({ kind: 'remove', target: key })).catch(() => undefined);
		}
	}
	if (changed) core.emit({ type: 'members', group: g.id });
}
