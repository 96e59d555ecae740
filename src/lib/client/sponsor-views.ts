/**
 * Plain-data views of sponsorship for the UI (§11): in a group, who is available, my offer,
 * requests to me and mine; for a pair, who the other person is and where we met.
 */
import type { PairView, SponsorshipView } from './api.ts';
import type { GroupHandle } from './group.ts';
import { ASK_EXPIRES_MS } from './sponsorship.ts';
import * as may from '../protocol/group/may.ts';

export function sponsorshipView(g: GroupHandle, now: number, running: (pair: string) => boolean): SponsorshipView | undefined {
	const log = g.session.state;
	if (!log || log.settings.pair) return undefined;
	const d = g.sponsorship.data;
	const me = g.session.me;
	const names = g.session.data.profiles;
	const name = (sign: string) => names[sign] || 'Member';
	const mine = d.offers[me];
	const sponsors = Object.entries(d.offers)
		.filter(([sign]) => sign !== me && !!log.members[sign])
		.map(([sign, o]) => ({ sign, name: name(sign), intro: o.intro, places: o.places, free: Math.max(0, o.places - o.taken), ...(o.quiet ? { quiet: o.quiet } : {}) }))
		.sort((a, b) => a.name.localeCompare(b.name));
	const asks = Object.values(d.asks).sort((a, b) => b.ts - a.ts);
	return {
		on: d.on,
		canSwitch: may.switchSponsoring(log, me).ok,
		canOffer: d.on && may.sponsor(log, me, { frozen: !!g.session.data.frozen, removed: !!g.session.data.removed }).ok,
		mine: mine ? { intro: mine.intro, places: mine.places, taken: g.sponsorship.taken(running), ...(mine.quiet ? { quiet: mine.quiet } : {}) } : null,
		sponsors: d.on ? sponsors : [],
		incoming: asks
			.filter((a) => a.dir === 'in' && a.state === 'open' && now - a.ts < ASK_EXPIRES_MS && !d.blocked.includes(a.other))
			.map((a) => ({ id: a.id, from: a.other, name: name(a.other), note: a.note, ts: a.ts, ...(a.bind ? {} : { unlinked: true }) })),
		accepting: asks.filter((a) => a.dir === 'in' && a.state === 'accepting').map((a) => ({ id: a.id, name: name(a.other) })),
		outgoing: asks
			.filter((a) => a.dir === 'out')
			.map((a) => {
				let state: SponsorshipView['outgoing'][number]['state'] = a.state === 'accepting' ? 'open' : a.state;
				if (state === 'open' && now - a.ts >= ASK_EXPIRES_MS) state = 'expired';
				else if (state === 'open' && !d.offers[a.other]) state = 'unavailable';
				return { id: a.id, to: a.other, name: name(a.other), note: a.note, ts: a.ts, state, ...(a.reply ? { reply: a.reply } : {}), ...(a.pair && a.joined ? { pair: a.pair } : {}), ...(a.state === 'accepted' && a.unlinked && !a.joined && !a.goAhead ? { unlinked: true } : {}) };
			}),
		mentees: asks
			.filter((a) => a.dir === 'in' && a.state === 'accepted' && a.pair)
			.map((a) => ({ pair: a.pair!, name: name(a.other), running: running(a.pair!) }))
	};
}

export function pairView(g: GroupHandle, quietOf: (group: string, sign: string) => PairView['quiet']): PairView | undefined {
	const meta = g.pairMeta;
	if (!meta) return undefined;
	const quiet = meta.other === 'sponsor' ? quietOf(meta.met, meta.otherInGroup) : undefined;
	return { other: meta.other, name: meta.name, met: meta.met, metName: meta.metName, ...(quiet ? { quiet } : {}) };
}
