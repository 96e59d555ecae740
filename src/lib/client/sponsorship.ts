/**
 * Sponsorship in one group (docs/PROTOCOL.md §11): who is available as a sponsor, whether the
 * group offers sponsoring, and the requests between me and others (sealed notes, §11.2). One
 * record per group (`g/<group>/s`), written in the group's save batch. Contents are folded in
 * as they arrive; my own are recorded when I send them (the relay does not echo them to me).
 */
import type { Quiet } from '../core/content.ts';
import type { GroupState } from '../protocol/group/types.ts';
import * as may from '../protocol/group/may.ts';
import type { Content } from '../protocol/session/types.ts';
import { bindHolds, codeKey, openNote, type NoteBody } from '../crypto/sponsor-note.ts';
import type { FrankingRecord } from '../protocol/session/types.ts';
import type { Identity } from '../crypto/identity.ts';
import { getJson, jsonPut, keys, type StagedPart } from './store.ts';
import type { Kv, KvOp } from '../storage/kv.ts';

/** An unanswered request closes this long after it was sent (§11.3). */
export const ASK_EXPIRES_MS = 7 * 24 * 60 * 60 * 1000;

export interface Availability {
	intro: string;
	places: number;
	taken: number;
	quiet?: Quiet;
	ts: number;
}

export type AskState = 'open' | 'withdrawn' | 'declined' | 'accepting' | 'accepted';

export interface AskRecord {
	id: string;
	/** `in`: someone asked me; `out`: I asked someone. */
	dir: 'in' | 'out';
	/** The other person's per-group sign key. */
	other: string;
	note: string;
	/** The pair code (mine for `out`, theirs for `in`). */
	code: string;
	ts: number;
	state: AskState;
	/** The sponsor's kind word with a decline. */
	reply?: string;
	/** The pair made from this request. */
	pair?: string;
	/** `out` + accepted: I have joined the pair. */
	joined?: boolean;
	/** `out` + withdrawn or declined: the code's identity nonce and receive key are deleted. */
	keysGone?: true;
	/**
	 * The other person's binding of their pair pseudonym (§6.3 "Reports from a pair"): their
	 * note message (its franking data), the `r` and `bind` it carried, and their pair key once
	 * known (the code's for an ask; for an accept, checked against the pair when joining).
	 */
	bind?: TheirBind;
	/**
	 * The 32 bytes that open the pair's genesis `met` tag (§3.2, §6.3): drawn by me (`in`) when
	 * making the pair, or received in the accept (`out`).
	 */
	s?: string;
	/** `out`: the accept came without `r` or `s` (an older or modified app): the pair cannot be reported to the group. */
	unlinked?: boolean;
	/** `out` + unlinked: I read that and chose to start the conversation anyway. */
	goAhead?: boolean;
}

export interface TheirBind {
	record: FrankingRecord;
	r: string;
	bind: string;
	key?: string;
}

export interface SponsorshipData {
	/** Sponsoring is offered in this group (§11.1: on until an admin switches it off). */
	on: boolean;
	/** The epoch in which I last published the switch (I am the admin who switched it off). */
	switchEpoch?: number;
	offers: Record<string, Availability>;
	/** The epoch and `taken` of my last published availability. */
	published?: { epoch: number; taken: number };
	asks: Record<string, AskRecord>;
	/** Members whose requests I refuse in this group. */
	blocked: string[];
}

export const SPONSOR_TYPES = new Set(['sponsor', 'sponsor-off', 'sponsoring', 'note']);

/**
 * The sponsor's accept must bind the pair's other member (§6.3 "Reports from a pair"): the key
 * it binds, or null when the bind does not open to it (then I do not join).
 */
export function pairBindsOther(group: string, theirs: TheirBind, log: Pick<GroupState, 'members'>, me: string): string | null {
	const other = Object.keys(log.members).find((k) => k !== me);
	return other && bindHolds(group, other, theirs.r, theirs.bind || undefined) ? other : null;
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export class Sponsorship implements StagedPart {
	readonly #group: string;
	data: SponsorshipData;
	#dirty = false;

	constructor(group: string, data?: SponsorshipData) {
		this.#group = group;
		this.data = data ?? { on: true, offers: {}, asks: {}, blocked: [] };
	}

	static async load(store: Kv, group: string): Promise<Sponsorship> {
		return new Sponsorship(group, await getJson<SponsorshipData>(store, keys.sponsorship(group)));
	}

	touch(): void {
		this.#dirty = true;
	}

	stage(ops: KvOp[]): () => void {
		if (!this.#dirty) return () => undefined;
		this.#dirty = false;
		ops.push(jsonPut(keys.sponsorship(this.#group), this.data));
		return () => (this.#dirty = true);
	}

	/**
	 * Folds one verified content from `sender` (not me) into the record. True when something a
	 * screen shows changed.
	 */
	apply(sender: string, content: Content, ts: number, log: GroupState | null, me: Identity & { sign: string }, franking: FrankingRecord | null = null): boolean {
		const d = this.data;
		switch (content.t) {
			case 'sponsoring':
				if (!log || !may.switchSponsoring(log, sender).ok) return false;
				d.on = content.on;
				if (d.switchEpoch !== undefined) delete d.switchEpoch;
				break;
			case 'sponsor':
				if (!may.sponsor(log, sender).ok) return false;
				d.offers[sender] = { intro: content.intro, places: content.places, taken: content.taken, ...(content.quiet ? { quiet: content.quiet } : {}), ts };
				break;
			case 'sponsor-off':
				if (!has(d.offers, sender)) return false;
				delete d.offers[sender];
				break;
			case 'note': {
				const body = openNote(this.#group, sender, { sign: me.sign, boxPk: me.boxPk, boxSk: me.boxSk }, content.box);
				if (!body) return false;
				return this.#note(sender, body, ts, me.sign, content.bind, franking);
			}
			default:
				return false;
		}
		this.#dirty = true;
		return true;
	}

	#note(sender: string, body: NoteBody, ts: number, me: string, bind: string | undefined, franking: FrankingRecord | null): boolean {
		const d = this.data;
		const ask = has(d.asks, body.id) ? d.asks[body.id]! : undefined;
		switch (body.k) {
			case 'ask':
				// Not shown: a repeat, a request while I am not available, or from someone I blocked.
				if (ask || d.blocked.includes(sender) || !has(d.offers, me)) return false;
				// A bind that does not open to the asker's own pair key: not shown (§6.3 "Reports from a pair").
				if (bindHolds(this.#group, codeKey(body.code), body.r, bind) === false) return false;
				d.asks[body.id] = { id: body.id, dir: 'in', other: sender, note: body.note, code: body.code, ts, state: 'open' };
				if (body.r && bind && franking) d.asks[body.id]!.bind = { record: franking, r: body.r, bind, key: codeKey(body.code) };
				break;
			case 'withdraw':
				if (!ask || ask.dir !== 'in' || ask.other !== sender || ask.state !== 'open') return false;
				ask.state = 'withdrawn';
				break;
			case 'decline':
				if (!ask || ask.dir !== 'out' || ask.other !== sender || ask.state !== 'open') return false;
				ask.state = 'declined';
				ask.reply = body.note;
				break;
			case 'accept':
				if (!ask || ask.dir !== 'out' || ask.other !== sender || (ask.state !== 'open' && ask.state !== 'withdrawn')) return false;
				// Accepted while my withdrawal was on its way: the pair is not joined.
				if (ask.state === 'withdrawn') return false;
				ask.state = 'accepted';
				ask.pair = body.pair;
				// Checked against the pair's other member when joining (sponsor-actions.ts).
				if (body.r && franking) ask.bind = { record: franking, r: body.r, bind: bind ?? '' };
				if (body.s) ask.s = body.s;
				// Without them the pair cannot be reported to the group: said before joining (§6.3).
				if (!body.r || !body.s) ask.unlinked = true;
				break;
		}
		this.#dirty = true;
		return true;
	}

	/** My sponsor pairs from this group that are still running (by the caller's `running`). */
	taken(running: (pair: string) => boolean): number {
		return Object.values(this.data.asks).filter((a) => a.dir === 'in' && (a.state === 'accepting' || (a.state === 'accepted' && (!a.pair || running(a.pair))))).length;
	}
}
