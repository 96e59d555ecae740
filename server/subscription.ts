/**
 * One `sub` (docs/PROTOCOL.md §9.5): the backlog from the cursor, in pages that wait for the
 * socket to drain, then `live`, then entries as they are committed. The subscription joins the
 * group's fan-out BEFORE the backlog is read, at a known committed seq (`liveFrom`): entries up
 * to it come from storage, later ones from fan-out (held until the backlog is done), and a seq
 * filter drops anything already sent. So no entry is missed or sent twice across the switch.
 */
import type { Closable, Connection } from './connection.ts';
import { CLOSE_SLOW } from './connection.ts';
import type { RelayStore } from './store.ts';
import { BATCH_BYTES, MAX_BATCH_ITEMS } from '../src/lib/protocol/wire.ts';

/**
 * Where the subscriber stands after an op (§9.5): a member, a pending requester (§13.8), or
 * neither (removed, declined): its subscription then ends after that op.
 */
export type Standing = 'member' | 'pending' | 'out';

/** `as`'s standing in a state after an op: its members and its pending join requests. */
export function standingIn(state: { members: object; pending?: object } | { members: readonly string[]; pending?: readonly string[] }, as: string): Standing {
	const has = (c: object | readonly string[] | undefined) => (Array.isArray(c) ? c.includes(as) : c !== undefined && Object.hasOwn(c, as));
	return has(state.members) ? 'member' : has(state.pending) ? 'pending' : 'out';
}

/**
 * The epoch of a stored message entry (`entry.msg.epoch`) or tombstone (`entry.erased.epoch`),
 * read from the parsed frame's structure (review R2-3: never the first `"epoch"` in the text);
 * null when the frame has neither (a member is then not served it).
 */
export function recordEpoch(frame: string): number | null {
	let parsed: unknown;
	try {
		parsed = JSON.parse(frame);
	} catch {
		return null;
	}
	const entry = (parsed as { entry?: { msg?: { epoch?: unknown }; erased?: { epoch?: unknown } } } | null)?.entry;
	const epoch = entry?.msg?.epoch ?? entry?.erased?.epoch;
	return typeof epoch === 'number' && Number.isSafeInteger(epoch) && epoch >= 0 ? epoch : null;
}

/** Where the subscription is fanned out from (GroupLog): told when it ends. */
export interface FanOut {
	unsubscribe(sub: Subscription): void;
}

interface Held {
	seq: number;
	wire: Buffer;
	ends: boolean;
}

export class Subscription implements Closable {
	readonly conn: Connection;
	readonly group: string;
	readonly as: string;
	#mode: 'backlog' | 'live' | 'closed' = 'backlog';
	#last: number;
	/** Entries from fan-out waiting for the backlog to finish; none once live. */
	#held: Held[] | undefined = [];
	#heldBytes = 0;
	readonly #limit: number;
	readonly #fanOut: FanOut;
	/**
	 * Fixed when the subscription starts (§9.5): `pending`, a requester waiting for approval
	 * (§13.8), gets op entries only and its subscription ends after the op that answers it;
	 * a member (`since` = the epoch it joined in) gets no message entry of an earlier epoch.
	 */
	readonly #standing: { pending: true } | { pending: false; since: number };

	constructor(conn: Connection, group: string, as: string, after: number, heldLimit: number, fanOut: FanOut, standing: { pending: true } | { pending: false; since: number } = { pending: false, since: 0 }) {
		this.conn = conn;
		this.group = group;
		this.as = as;
		this.#last = after;
		this.#limit = heldLimit;
		this.#fanOut = fanOut;
		this.#standing = standing;
	}

	/** A pending requester's subscription (ops only, §9.5). */
	get pending(): boolean {
		return this.#standing.pending;
	}

	/** Whether a stored record of the backlog is for this subscriber (§9.5). */
	#serves(record: { kind: string; frame: string }): boolean {
		if (record.kind === 'op') return true;
		if (this.#standing.pending) return false;
		if (this.#standing.since === 0) return true;
		// A member gets no message (nor tombstone) of an epoch before it joined: their senders,
		// times and sizes are for those who were there. The epoch is in the clear in the frame.
		const epoch = recordEpoch(record.frame);
		return epoch !== null && epoch >= this.#standing.since;
	}

	get closed(): boolean {
		return this.#mode === 'closed';
	}

	/**
	 * A committed entry from fan-out, as `wireFrame` built it once for every subscriber.
	 * `after`: for an op, where the subscriber stands after it (`out` ends the subscription after
	 * this entry); absent for a message, which a pending requester never receives.
	 */
	offer(seq: number, wire: Buffer, after?: Standing): void {
		if (this.#mode === 'closed') return;
		if (after === undefined && this.#standing.pending) return;
		// A pending requester's feed ends after the op that answers it: its approve (it then
		// subscribes again as a member), its decline or the revocation of its link (§9.5).
		const ends = after === 'out' || (this.#standing.pending && after === 'member');
		if (this.#mode === 'backlog') {
			this.#held!.push({ seq, wire, ends });
			this.#heldBytes += wire.length;
			// Entries piling up behind a backlog that does not drain: the reader is too slow.
			if (this.#heldBytes > this.#limit) this.conn.close(CLOSE_SLOW, 'reader too slow');
			return;
		}
		this.#deliver(seq, wire, ends);
	}

	/**
	 * Streams the backlog `(after, liveFrom]`, then switches to live. `batch`: the backlog goes
	 * as `entries` frames, several entries each (§9.5 "Backlog in batches").
	 */
	async run(store: RelayStore, liveFrom: number, pageSize: number, batch = false): Promise<void> {
		let cursor = this.#last;
		while (cursor < liveFrom && this.#mode === 'backlog') {
			const page = await store.range(this.group, cursor, Math.min(pageSize, liveFrom - cursor));
			if (this.#mode !== 'backlog') return;
			if (page.length === 0) break;
			const frames: string[] = [];
			for (const record of page) {
				// Past the backlog: whatever lay between the cursor and `liveFrom` is gone (retention,
				// §9.10), so the backlog is done. Without moving the cursor the same page was read
				// again, forever (review of issue 15, finding 1).
				if (record.seq > liveFrom) {
					cursor = liveFrom;
					break;
				}
				cursor = record.seq;
				if (!this.#serves(record)) continue;
				// A tombstone (§9.8a) is served with the sender's signed erase; one stored before that
				// (no frame) is skipped like an entry removed by retention, `live` moving the cursor past it.
				if (record.kind === 'erased' && record.frame === '') continue;
				frames.push(record.frame);
			}
			const texts = batch ? batches(this.group, frames) : frames;
			let written: Promise<void> | undefined;
			for (const [i, text] of texts.entries()) {
				if (i === texts.length - 1) {
					let queued = false;
					written = new Promise((resolve) => {
						queued = this.conn.send(text, () => resolve());
					});
					// A connection that is closing never calls back: stop here instead of waiting.
					if (!queued) return;
				} else if (!this.conn.send(text)) {
					return;
				}
			}
			// Backpressure: the next page is read only once this one has left the process.
			if (written) await written;
		}
		if (this.#mode !== 'backlog') return;
		this.#last = Math.max(this.#last, liveFrom);
		this.conn.send(JSON.stringify({ t: 'live', group: this.group, seq: this.#last }));
		this.#mode = 'live';
		const held = this.#held!;
		this.#held = undefined;
		this.#heldBytes = 0;
		for (const h of held) this.#deliver(h.seq, h.wire, h.ends);
	}

	close(): void {
		if (this.#mode === 'closed') return;
		this.#mode = 'closed';
		this.#held = undefined;
		this.#fanOut.unsubscribe(this);
		this.conn.unsubscribed(this.group, this);
	}

	#deliver(seq: number, wire: Buffer, ends: boolean): void {
		if (this.#mode === 'closed' || seq <= this.#last) return;
		this.#last = seq;
		this.conn.sendWire(wire);
		// A removed member receives its removal op and nothing after it.
		if (ends) this.close();
	}
}

/**
 * One page's entry frames as `entries` frames (§9.5): each item is the stored entry frame as it
 * is, so nothing is parsed or serialised again; a batch closes at MAX_BATCH_ITEMS items or before
 * its text would pass BATCH_BYTES, and a larger entry travels alone.
 */
export function batches(group: string, frames: readonly string[]): string[] {
	const head = `{"t":"entries","group":${JSON.stringify(group)},"items":[`;
	const out: string[] = [];
	let items: string[] = [];
	let bytes = 0;
	const close = () => {
		if (items.length > 0) out.push(`${head}${items.join(',')}]}`);
		items = [];
		bytes = Buffer.byteLength(head) + 2;
	};
	close();
	for (const frame of frames) {
		const size = Buffer.byteLength(frame) + 1;
		if (items.length >= MAX_BATCH_ITEMS || (items.length > 0 && bytes + size > BATCH_BYTES)) close();
		items.push(frame);
		bytes += size;
	}
	close();
	return out;
}
