/**
 * What a person does about sponsorship (docs/PROTOCOL.md §11): offer and withdraw availability,
 * switch sponsoring for a group, ask, withdraw a request, accept or decline one, end or block a
 * pair. Everything leaves through the group's outbox like a message, so it waits there while
 * offline. Steps that need the relay (creating or joining the pair, republishing availability
 * in a new epoch) are kept in the records and done by `runSponsorDue` once online.
 */
import type { ClientCore } from './core.ts';
import { act, enqueueContent, pump } from './actions.ts';
import type { GroupHandle, PairMeta } from './group.ts';
import { acceptPair, createPair, offerPair, parsePairCode } from './pairs.ts';
import { keys, putJson } from './store.ts';
import { ASK_EXPIRES_MS, pairBindsOther, type AskRecord } from './sponsorship.ts';
import type { Quiet } from '../core/content.ts';
import { ProtocolError } from '../core/errors.ts';
import * as may from '../protocol/group/may.ts';
import type { GroupState } from '../protocol/group/types.ts';
import { codeKey, newNoteId, pairBind, pairMetHolds, pairMetTag, randomBind, sealNote, type NoteBody } from '../crypto/sponsor-note.ts';

function myName(g: GroupHandle): string {
	return g.session.data.profiles[g.session.me] || 'Member';
}

function nameOf(g: GroupHandle, sign: string): string {
	return g.session.data.profiles[sign] || 'Member';
}

function running(core: ClientCore, pair: string): boolean {
	const p = core.groups.get(pair);
	return !!p && !p.session.state?.ended && !p.session.data.removed;
}

/**
 * Sends a sealed note. `pairKey` is my pseudonym in the pair this note concerns (an ask's code,
 * an accept's pair): the note then binds it with a fresh `r` (§6.3 "Reports from a pair");
 * every other note carries 32 random bytes as `bind`, so all notes look alike.
 */
async function sendNote(core: ClientCore, g: GroupHandle, to: string, body: NoteBody, pairKey?: string): Promise<void> {
	const member = g.session.state?.members[to];
	if (!member) throw new ProtocolError('PROTOCOL_UNKNOWN_MEMBER', 'that person is no longer in this group');
	let bind = randomBind();
	let sealed = body;
	// An ask or accept always binds: never one without, sent silently (§6.3).
	if (!pairKey && (body.k === 'ask' || body.k === 'accept')) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'this request cannot be linked to the group yet; try again');
	if (pairKey && (body.k === 'ask' || body.k === 'accept')) {
		const r = randomBind();
		bind = pairBind(g.id, pairKey, r);
		sealed = { ...body, r };
	}
	const box = sealNote(g.id, g.session.me, member, sealed);
	await enqueueContent(core, g, { t: 'note', box, bind });
}

async function saved(core: ClientCore, g: GroupHandle): Promise<void> {
	g.sponsorship.touch();
	await g.save();
	core.emit({ type: 'members', group: g.id });
	core.emit({ type: 'groups' });
}

export async function offerSponsor(core: ClientCore, group: string, offer: { intro: string; places: number; quiet?: Quiet }): Promise<void> {
	const g = core.group(group);
	const verdict = may.sponsor(g.session.state, g.session.me, { frozen: !!g.session.data.frozen, removed: !!g.session.data.removed });
	if (!verdict.ok) throw new ProtocolError(verdict.code, verdict.why);
	if (!g.sponsorship.data.on) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'sponsoring is not offered in this group');
	const taken = g.sponsorship.taken((p) => running(core, p));
	const content = { t: 'sponsor' as const, intro: offer.intro.trim(), places: offer.places, taken, ...(offer.quiet ? { quiet: offer.quiet } : {}) };
	await enqueueContent(core, g, content);
	g.sponsorship.data.offers[g.session.me] = { intro: content.intro, places: content.places, taken, ...(offer.quiet ? { quiet: offer.quiet } : {}), ts: core.now() };
	g.sponsorship.data.published = { epoch: g.session.state!.epoch, taken };
	await saved(core, g);
}

export async function withdrawSponsor(core: ClientCore, group: string): Promise<void> {
	const g = core.group(group);
	await enqueueContent(core, g, { t: 'sponsor-off' });
	delete g.sponsorship.data.offers[g.session.me];
	delete g.sponsorship.data.published;
	await saved(core, g);
}

export async function setSponsoring(core: ClientCore, group: string, on: boolean): Promise<void> {
	const g = core.group(group);
	const log = g.session.state;
	const verdict = log ? may.switchSponsoring(log, g.session.me) : null;
	if (!verdict?.ok) throw new ProtocolError(verdict?.code ?? 'PROTOCOL_NOT_ALLOWED', (verdict && !verdict.ok ? verdict.why : undefined) ?? 'only an admin may change this');
	await enqueueContent(core, g, { t: 'sponsoring', on });
	g.sponsorship.data.on = on;
	if (on) delete g.sponsorship.data.switchEpoch;
	else g.sponsorship.data.switchEpoch = log!.epoch;
	await saved(core, g);
}

/** Asks `sponsor` with a short note; returns the request's id. */
export async function askSponsor(core: ClientCore, group: string, sponsor: string, note: string): Promise<string> {
	const g = core.group(group);
	const s = g.sponsorship.data;
	const offer = s.offers[sponsor];
	if (!offer || sponsor === g.session.me) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'this person is no longer available as a sponsor');
	const open = Object.values(s.asks).find((a) => a.dir === 'out' && a.other === sponsor && a.state === 'open' && core.now() - a.ts < ASK_EXPIRES_MS);
	if (open) return open.id;
	const code = await offerPair(core);
	const id = newNoteId();
	await sendNote(core, g, sponsor, { k: 'ask', id, note: note.trim(), code }, codeKey(code));
	s.asks[id] = { id, dir: 'out', other: sponsor, note: note.trim(), code, ts: core.now(), state: 'open' };
	await saved(core, g);
	return id;
}

function findAsk(g: GroupHandle, id: string, dir: 'in' | 'out'): AskRecord {
	const ask = Object.prototype.hasOwnProperty.call(g.sponsorship.data.asks, id) ? g.sponsorship.data.asks[id] : undefined;
	if (!ask || ask.dir !== dir) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'that request is not on this device');
	return ask;
}

export async function withdrawAsk(core: ClientCore, group: string, id: string): Promise<void> {
	const g = core.group(group);
	const ask = findAsk(g, id, 'out');
	if (ask.state !== 'open') return;
	await sendNote(core, g, ask.other, { k: 'withdraw', id });
	ask.state = 'withdrawn';
	await saved(core, g);
	await forgetCodeKeys(core, g, ask);
}

/** My request that can no longer become a pair, whose code's keys this device still holds. */
const endedWithKeys = (a: AskRecord): boolean => a.dir === 'out' && (a.state === 'withdrawn' || a.state === 'declined') && !a.keysGone;

/**
 * Deletes the identity nonce and first receive key my request's pair code was made with (§7.1,
 * §11.3) once the request is withdrawn or declined: an accept after a withdrawal is ignored, so
 * nothing can need them, and a key that is gone is not in the next backup.
 */
async function forgetCodeKeys(core: ClientCore, g: GroupHandle, ask: AskRecord): Promise<void> {
	if (!endedWithKeys(ask)) return;
	const { device } = core.requireDevice();
	const { sign } = parsePairCode(ask.code);
	if (device.offers[sign] !== undefined || device.offerKeys[sign] !== undefined) {
		delete device.offers[sign];
		delete device.offerKeys[sign];
		await putJson(core.store, keys.device, device.toJSON());
	}
	ask.keysGone = true;
	await saved(core, g);
}

export async function declineAsk(core: ClientCore, group: string, id: string, note: string): Promise<void> {
	const g = core.group(group);
	const ask = findAsk(g, id, 'in');
	if (ask.state !== 'open') throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'this request was already answered or taken back');
	await sendNote(core, g, ask.other, { k: 'decline', id, note: note.trim() });
	ask.state = 'declined';
	ask.reply = note.trim();
	await saved(core, g);
}

/** Accepts a request: the pair is created (now, or once online) and the asker told. */
export async function acceptAsk(core: ClientCore, group: string, id: string): Promise<void> {
	const g = core.group(group);
	const ask = findAsk(g, id, 'in');
	if (ask.state !== 'open') throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'this request was already answered or taken back');
	ask.state = 'accepting';
	await saved(core, g);
	await runSponsorDue(core);
}

/**
 * My request was accepted by an app that did not link the pair to the group (§6.3, M5): having
 * read that it cannot be reported to the group's moderators, I start the conversation anyway.
 */
export async function joinUnlinked(core: ClientCore, group: string, id: string): Promise<void> {
	const g = core.group(group);
	const ask = findAsk(g, id, 'out');
	if (ask.state !== 'accepted' || !ask.unlinked || ask.joined) return;
	ask.goAhead = true;
	await saved(core, g);
	await runSponsorDue(core);
}

/** Blocks the other person of a pair: the pair ends and their later requests in that group are refused. */
export async function blockPartner(core: ClientCore, pair: string): Promise<void> {
	const p = core.group(pair);
	const meta = p.pairMeta;
	const g = meta ? core.groups.get(meta.met) : undefined;
	if (g && meta && !g.sponsorship.data.blocked.includes(meta.otherInGroup)) {
		g.sponsorship.data.blocked.push(meta.otherInGroup);
		await saved(core, g);
	}
	if (!p.session.state?.ended) await endPair(core, pair, '');
}

/** Ends a pair, after an optional kind word (sent first, so the other reads it). */
export async function endPair(core: ClientCore, pair: string, word: string): Promise<void> {
	const p = core.group(pair);
	if (word.trim()) {
		await enqueueContent(core, p, { t: 'text', text: word.trim() });
		await pump(core, p);
		if (p.outbox.items.some((o) => o.status === 'sending')) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'your last words are still waiting to be sent; try again when you are online');
	}
	await act(core, p, () => ({ kind: 'end' }));
	core.emit({ type: 'groups' });
	await runSponsorDue(core);
}

/**
 * Whether a live entry in `g` may leave sponsorship steps to do: I offer or switched sponsoring
 * off here (repeat it in a new epoch), a pair from here waits to be made or joined, or `g` is a
 * pair from a request (its end frees a place). Groups that never used sponsorship cost nothing.
 */
export function sponsorStepsMayBeDue(g: GroupHandle): boolean {
	if (g.pairMeta) return true;
	const s = g.sponsorship.data;
	if (s.offers[g.session.me] || (!s.on && s.switchEpoch !== undefined)) return true;
	return Object.values(s.asks).some((a) => a.state === 'accepting' || (a.dir === 'out' && a.state === 'accepted' && !a.joined) || endedWithKeys(a));
}

const runs = new WeakMap<ClientCore, Promise<void>>();

/** Does the sponsorship steps that wait for the relay, one run at a time (see the file header). */
export function runSponsorDue(core: ClientCore): Promise<void> {
	const previous = runs.get(core) ?? Promise.resolve();
	const run = previous.then(() => sponsorDue(core)).catch(() => undefined);
	runs.set(core, run);
	return run;
}

async function sponsorDue(core: ClientCore): Promise<void> {
	for (const g of [...core.groups.values()]) {
		if (core.locked) return;
		const log = g.session.state;
		if (!log || log.settings.pair || log.ended || g.session.data.removed || g.session.data.frozen || g.sync) continue;
		const online = core.conn.of(g.session.me).state === 'online';
		const s = g.sponsorship.data;
		for (const ask of Object.values(s.asks)) {
			await forgetCodeKeys(core, g, ask);
			if (!online) continue;
			if (ask.dir === 'in' && ask.state === 'accepting') {
				// `s` opens the pair's `met` tag: who may check its stamps (§3.2, §6.3 "Reports from a pair").
				if (!ask.pair) ask.s = randomBind();
				const pair = ask.pair ?? (await createPair(core, ask.code, myName(g), ask.s ? pairMetTag(g.id, ask.s) : undefined));
				ask.pair = pair;
				const theirs = ask.bind?.key ? { bind: { record: ask.bind.record, key: ask.bind.key, r: ask.bind.r } } : {};
				await rememberPair(core, pair, { other: 'mentee', name: nameOf(g, ask.other), met: g.id, metName: g.session.data.name, otherInGroup: ask.other, ask: ask.id, ...theirs, ...(ask.s ? { s: ask.s } : {}) });
				await sendNote(core, g, ask.other, { k: 'accept', id: ask.id, pair, ...(ask.s ? { s: ask.s } : {}) }, core.groups.get(pair)?.session.me);
				ask.state = 'accepted';
				await saved(core, g);
			} else if (ask.dir === 'out' && ask.state === 'accepted' && ask.pair && !ask.joined) {
				// An accept that does not link the pair to this group waits for my word (M5, §6.3).
				if (ask.unlinked && !ask.goAhead) continue;
				// The sponsor's accept must bind the pair's other member, and its `s` must open the
				// pair's `met` tag, else I do not join (§6.3).
				const theirBind = ask.bind;
				const s = ask.s;
				let unbound = false;
				const bound = (log: GroupState, me: string): boolean => {
					let ok = true;
					if (theirBind) {
						const other = pairBindsOther(g.id, theirBind, log, me);
						if (other) theirBind.key = other;
						ok = !!other;
					}
					if (ok && s !== undefined) ok = pairMetHolds(g.id, s, log.settings.met);
					if (!ok) unbound = true;
					return ok;
				};
				try {
					await acceptPair(core, ask.pair, ask.code, myName(g), bound);
				} catch (error) {
					if (!unbound) throw error;
					ask.state = 'declined';
					ask.reply = '';
					delete ask.bind;
					await saved(core, g);
					continue;
				}
				const theirs = theirBind?.key ? { bind: { record: theirBind.record, key: theirBind.key, r: theirBind.r } } : {};
				await rememberPair(core, ask.pair, { other: 'sponsor', name: nameOf(g, ask.other), met: g.id, metName: g.session.data.name, otherInGroup: ask.other, ask: ask.id, ...theirs, ...(s ? { s } : {}) });
				ask.joined = true;
				await saved(core, g);
			}
		}
		// A newcomer reads only the epochs after their join: my availability (and an admin's
		// "off") is said again in each new epoch, and again when my free places change.
		const mine = s.offers[g.session.me];
		if (mine && may.sponsor(log, g.session.me).ok) {
			const taken = g.sponsorship.taken((p) => running(core, p));
			if (s.published?.epoch !== log.epoch || s.published.taken !== taken) {
				await enqueueContent(core, g, { t: 'sponsor', intro: mine.intro, places: mine.places, taken, ...(mine.quiet ? { quiet: mine.quiet } : {}) });
				mine.taken = taken;
				s.published = { epoch: log.epoch, taken };
				await saved(core, g);
			}
		}
		if (!s.on && s.switchEpoch !== undefined && s.switchEpoch !== log.epoch && may.switchSponsoring(log, g.session.me).ok) {
			await enqueueContent(core, g, { t: 'sponsoring', on: false });
			s.switchEpoch = log.epoch;
			await saved(core, g);
		}
	}
}

async function rememberPair(core: ClientCore, pair: string, meta: PairMeta): Promise<void> {
	const p = core.groups.get(pair);
	if (p) p.pairMeta = meta;
	await putJson(core.store, keys.pairMeta(pair), meta);
	core.emit({ type: 'groups' });
}
