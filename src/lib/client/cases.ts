/**
 * The report inbox's shared state in one group (docs/PROTOCOL.md §13.6), on this device: for a
 * moderator, each case's state (new, in review by whom, resolved by whom and how) and the notes
 * between moderators; for a reporter, each of my reports' one-time reply key and what the
 * moderators told me (received, acted, reviewed). Folded from `case` contents in relay order.
 */
import type { Content } from '../core/content.ts';
import type { GroupState } from '../protocol/group/types.ts';
import type { Identity } from '../crypto/identity.ts';
import type { Kv, KvOp } from '../storage/kv.ts';
import * as may from '../protocol/group/may.ts';
import { openCaseNote, openFeedback, type CaseBody, type Feedback, type Outcome } from '../crypto/report-case.ts';
import { getJson, jsonPut, keys, type StagedPart } from './store.ts';

export type CaseState = 'new' | 'review' | 'resolved';

export interface CaseRecord {
	state: CaseState;
	/** Who took it (in review) or resolved it. */
	by?: string;
	outcome?: Outcome;
	/** Resolutions that came after the first (two moderators at once): shown, never applied. */
	also?: { by: string; outcome: Outcome }[];
	notes: { by: string; text: string; ts: number }[];
	/** From the report, once this device fetched it: the reply key and the senders it is about. */
	reply?: string;
	about?: string[];
	fetched?: boolean;
	/**
	 * A pair report's definite stamp answers (§6.3 "Reports from a pair"), by the fields asked:
	 * its stamps are asked of the relay once, not on every inbox open.
	 */
	stamps?: Record<string, boolean>;
}

export type ReporterStatus = 'sent' | Feedback;

export interface MyReport {
	/** One-time reply key (b64); the secret half is dropped once the report is resolved. */
	pk: string;
	sk?: string;
	status: ReporterStatus;
	ts: number;
	/** Ids of the messages reported, to show the status beside them. */
	messages: string[];
	/** Dismissed from the screen by the reporter. */
	dismissed?: boolean;
	/** A report from this sponsor pair (§6.3 "Reports from a pair"): its status is shown there. */
	pair?: string;
}

export interface CasesData {
	cases: Record<string, CaseRecord>;
	mine: Record<string, MyReport>;
}

export const CASE_TYPES = new Set(['case']);

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export class Cases implements StagedPart {
	readonly #group: string;
	data: CasesData;
	#dirty = false;

	constructor(group: string, data?: CasesData) {
		this.#group = group;
		this.data = data ?? { cases: {}, mine: {} };
	}

	static async load(store: Kv, group: string): Promise<Cases> {
		return new Cases(group, await getJson<CasesData>(store, keys.cases(group)));
	}

	touch(): void {
		this.#dirty = true;
	}

	stage(ops: KvOp[]): () => void {
		if (!this.#dirty) return () => undefined;
		this.#dirty = false;
		ops.push(jsonPut(keys.cases(this.#group), this.data));
		return () => (this.#dirty = true);
	}

	case(id: string): CaseRecord {
		if (!has(this.data.cases, id)) this.data.cases[id] = { state: 'new', notes: [] };
		return this.data.cases[id]!;
	}

	/** Open reports this device knows of (new or in review), for the moderators' counts. */
	openCount(): number {
		return Object.values(this.data.cases).filter((c) => c.fetched && c.state !== 'resolved').length;
	}

	/**
	 * Folds one case body from `by` (already checked to be a moderator). True when something a
	 * screen shows changed. The first resolve this device learns wins (§13.6).
	 */
	fold(by: string, body: CaseBody, ts: number): boolean {
		const c = this.case(body.id);
		switch (body.k) {
			case 'take':
				if (c.state === 'resolved') return false;
				c.state = 'review';
				c.by = by;
				break;
			case 'resolve':
				if (c.state === 'resolved') {
					if (c.by === by && c.outcome === body.outcome) return false;
					c.also = [...(c.also ?? []), { by, outcome: body.outcome }];
					break;
				}
				c.state = 'resolved';
				c.by = by;
				c.outcome = body.outcome;
				break;
			case 'note':
				c.notes.push({ by, text: body.text, ts });
				break;
		}
		this.#dirty = true;
		return true;
	}

	/** A feedback for my report `id`: the status only moves forward; a final one drops the key. */
	feedback(id: string, k: Feedback): boolean {
		const mine = this.data.mine[id];
		if (!mine || mine.status === 'acted' || mine.status === 'reviewed') return false;
		if (k === 'received' && mine.status === 'received') return false;
		mine.status = k;
		if (k !== 'received') delete mine.sk;
		this.#dirty = true;
		return true;
	}

	/** One verified `case` content from `sender` (not me). */
	apply(sender: string, content: Content, ts: number, log: GroupState | null, me: Identity & { sign: string }): boolean {
		if (content.t !== 'case') return false;
		// Only a moderator's boxes count (§13.6): a member cannot resolve a case nor send feedback.
		if (!log || !may.moderate(log, sender).ok) return false;
		let changed = false;
		const pending = Object.entries(this.data.mine).filter(([, m]) => m.sk);
		for (const box of content.boxes) {
			const body = openCaseNote(this.#group, sender, { sign: me.sign, boxPk: me.boxPk, boxSk: me.boxSk }, box);
			if (body) {
				changed = this.fold(sender, body, ts) || changed;
				continue;
			}
			for (const [id, m] of pending) {
				const k = openFeedback(this.#group, id, { pk: m.pk, sk: m.sk! }, box);
				if (k) {
					changed = this.feedback(id, k) || changed;
					break;
				}
			}
		}
		return changed;
	}
}
