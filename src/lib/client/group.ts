/**
 * One group inside the client: its pure GroupSession plus the parts the device keeps around it,
 * each in its own file with its own records: the transcript and warnings (transcript.ts), the
 * outbox (outbox-queue.ts), franking material for reports (franking-store.ts), invite links
 * (invite-links.ts) and verifications (verifications.ts). Entries from the relay are applied here
 * in relay order; saving is coalesced so a long backlog does not write once per entry. A save
 * writes every record changed since the last one, each part staging its own, in ONE atomic
 * batch: the session (which holds the sync cursor) never lands on the device without the
 * messages it has seen, nor a send chain without the outbox step built from it.
 */
import type { Warning } from './api.ts';
import type { History, MessageContent } from './history.ts';
import { messageId } from './history.ts';
import { getJson, jsonPut, keys } from './store.ts';
import { ProtocolError } from '../core/errors.ts';
import { Transcript } from './transcript.ts';
import { OutboxQueue } from './outbox-queue.ts';
import { FrankingStore } from './franking-store.ts';
import { InviteLinks } from './invite-links.ts';
import { Verifications } from './verifications.ts';
import { Sponsorship, SPONSOR_TYPES } from './sponsorship.ts';
import { Blocks } from './blocks.ts';
import { Cases, CASE_TYPES } from './cases.ts';
import { GroupSession, type SessionOptions } from '../protocol/session/session.ts';
import { receiveBacklog } from '../protocol/session/backlog.ts';
import type { FrankingRecord, RelayEntry, SessionEvent } from '../protocol/session/types.ts';
import type { Identity } from '../crypto/identity.ts';
import type { Primitives } from '../protocol/group/types.ts';
import type { Kv, KvOp } from '../storage/kv.ts';
import { sameName } from './names.ts';
import { opNotice } from '../words/notices.ts';
import { warnedMember, warnedYou } from '../words/warn.ts';
import { personLabel } from '../words/people.ts';
import { warningSentence } from '../words/warnings.ts';

export type { OutboxItem } from './outbox-queue.ts';

/** Where a pair came from and who the other person is (§11.3); kept only on this device. */
export interface PairMeta {
	/** The other person's part: "Sponsor: Ash" when they sponsor me. */
	other: 'sponsor' | 'mentee';
	name: string;
	/** The group where we met, its name then, the other's key there and the request's id. */
	met: string;
	metName: string;
	otherInGroup: string;
	ask: string;
	/**
	 * The other person's binding of their pair key to them in the met group (§6.3 "Reports from
	 * a pair"): absent when their app sent none (an older version); then only the service can be
	 * told.
	 */
	bind?: { record: FrankingRecord; key: string; r: string };
	/**
	 * The 32 bytes (b64) that open the pair's genesis `met` tag (§3.2): drawn by the sponsor, sent
	 * in the accept. Absent for a pair with no tag; then it cannot be reported to the group.
	 */
	s?: string;
}

export interface GroupEvents {
	messages(): void;
	members(): void;
	warning(warning: Warning): void;
	removed(): void;
}

export class GroupHandle {
	readonly id: string;
	session: GroupSession;
	readonly transcript: Transcript;
	readonly outbox: OutboxQueue;
	readonly franking: FrankingStore;
	readonly invites: InviteLinks;
	readonly verifications: Verifications;
	readonly sponsorship: Sponsorship;
	pairMeta: PairMeta | null = null;
	readonly blocks: Blocks;
	readonly cases: Cases;
	sync: { start: number; head: number } | null = null;
	readonly #store: Kv;
	#waiters: { seq: number; resolve(): void }[] = [];
	#saving: Promise<void> = Promise.resolve();
	#sessionDirty = false;
	/**
	 * Transcript events that need stored messages not read yet (a reaction to an old message, a
	 * hide of one), and every transcript event after the first of them, in arrival order: applied
	 * once the whole history is read (`#readForDeferred`). A save waits for them, so the session's
	 * cursor is never written past an entry whose effect on the transcript is not.
	 */
	#deferred: { event: SessionEvent; on: GroupEvents }[] = [];
	#readingForDeferred: Promise<void> | null = null;

	private constructor(store: Kv, session: GroupSession, parts: { transcript: Transcript; outbox: OutboxQueue; franking: FrankingStore; invites: InviteLinks; verifications: Verifications; sponsorship: Sponsorship; blocks: Blocks; cases: Cases }) {
		this.#store = store;
		this.id = session.data.group;
		this.session = session;
		this.transcript = parts.transcript;
		this.outbox = parts.outbox;
		this.franking = parts.franking;
		this.invites = parts.invites;
		this.verifications = parts.verifications;
		this.sponsorship = parts.sponsorship;
		this.blocks = parts.blocks;
		this.cases = parts.cases;
	}

	static fresh(store: Kv, session: GroupSession): GroupHandle {
		const group = session.data.group;
		const transcript = new Transcript(group);
		const franking = new FrankingStore(store, group, transcript);
		return new GroupHandle(store, session, { transcript, outbox: new OutboxQueue(group), franking, invites: new InviteLinks(group), verifications: new Verifications(group), sponsorship: new Sponsorship(group), blocks: new Blocks(group), cases: new Cases(group) });
	}

	static async load(store: Kv, group: string, id: Identity, primitives: Primitives, options: SessionOptions = {}): Promise<GroupHandle | null> {
		const data = await getJson(store, keys.session(group));
		if (!data) return null;
		const session = GroupSession.fromJSON(data, id, primitives, options);
		const transcript = await Transcript.load(store, group);
		const g = new GroupHandle(store, session, {
			transcript,
			outbox: await OutboxQueue.load(store, group),
			franking: await FrankingStore.load(store, group, transcript),
			invites: await InviteLinks.load(store, group),
			verifications: await Verifications.load(store, group),
			sponsorship: await Sponsorship.load(store, group),
			blocks: await Blocks.load(store, group),
			cases: await Cases.load(store, group)
		});
		g.pairMeta = (await getJson<PairMeta>(store, keys.pairMeta(group))) ?? null;
		return g;
	}

	/** The transcript's history (the notices below write to it). */
	private get history(): History {
		return this.transcript.history;
	}

	get cursor(): number {
		return this.session.data.cursor;
	}

	/** Resolves once every entry up to `seq` has been applied. */
	waitFor(seq: number, timeoutMs = 15_000): Promise<boolean> {
		if (this.cursor >= seq) return Promise.resolve(true);
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.#waiters = this.#waiters.filter((w) => w !== waiter);
				resolve(false);
			}, timeoutMs);
			const waiter = { seq, resolve: () => (clearTimeout(timer), resolve(true)) };
			this.#waiters.push(waiter);
		});
	}

	/**
	 * Applies one relay entry and reports what changed. `live`: it came after the relay's `live`
	 * frame, so the session also checks that seq follows on and ts is near this device's clock.
	 */
	apply(item: RelayEntry, on: GroupEvents, live = false): void {
		this.#handle(this.session.receive(item, { live }), on);
	}

	/** Applies a run of backlog entries (relay order) with linked verification (session/backlog.ts). */
	applyBacklog(items: readonly RelayEntry[], on: GroupEvents): void {
		if (items.length) this.#handle(receiveBacklog(this.session, items), on);
	}

	/** Events the session raised outside any entry (a stalled key op, §4.4). */
	raise(events: SessionEvent[], on: GroupEvents): void {
		this.#handle(events, on);
	}

	#handle(events: SessionEvent[], on: GroupEvents): void {
		let messages = false;
		let members = false;
		for (const event of events) {
			if (this.#waits(event)) {
				this.#deferred.push({ event, on });
				if (event.type === 'profile' || event.type === 'op') members = true;
				void this.#readForDeferred().catch(() => undefined);
				continue;
			}
			switch (event.type) {
				case 'message':
					messages = this.applyContent(event) || messages;
					break;
				case 'profile':
					this.history.rename(event.sender, event.name);
					this.franking.keepProfile(event);
					members = true;
					break;
				case 'op':
					members = true;
					messages = this.opNotice(event) || messages;
					break;
				case 'hidden':
					messages = this.history.hideSeq(event.seq) || messages;
					break;
				case 'unhidden':
					messages = this.history.unhideSeq(event.seq) || messages;
					break;
				case 'warned': {
					const mine = event.target === this.session.me;
					const text = mine ? warnedYou(event.text) : warnedMember(this.namedText(event.author), this.namedText(event.target), event.text);
					messages = this.history.addSystem(event.seq, event.ts, text, 'warn') || messages;
					break;
				}
				case 'removed':
					on.removed();
					break;
				case 'warning': {
					const warning: Warning = { kind: event.kind, text: warningSentence(event, (sender) => this.namedText(sender)), at: event.at, code: event.code };
					this.transcript.addWarning(warning);
					on.warning(warning);
					break;
				}
				case 'own':
					break;
			}
		}
		this.#sessionDirty = true;
		if (messages) on.messages();
		if (members) on.members();
		this.#release();
	}

	/** True when `event` changes the transcript and must wait for messages not read yet (see #deferred). */
	#waits(event: SessionEvent): boolean {
		const history = this.history;
		switch (event.type) {
			case 'message':
				if (SPONSOR_TYPES.has(event.content.t) || CASE_TYPES.has(event.content.t)) return false;
				return this.#deferred.length > 0 || history.waitsFor(event.content as MessageContent);
			case 'hidden':
			case 'unhidden':
				return this.#deferred.length > 0 || history.waitsForSeq(event.seq);
			case 'profile':
			case 'op':
			case 'warned':
				return this.#deferred.length > 0;
			default:
				return false;
		}
	}

	/** Reads the whole history, then applies the transcript events that waited for it, in order. */
	#readForDeferred(): Promise<void> {
		this.#readingForDeferred ??= (async () => {
			try {
				await this.transcript.readAll();
				const waiting = this.#deferred.splice(0);
				const byOn = new Map<GroupEvents, SessionEvent[]>();
				for (const { event, on } of waiting) byOn.set(on, [...(byOn.get(on) ?? []), event]);
				for (const [on, events] of byOn) this.#handle(events, on);
			} finally {
				this.#readingForDeferred = null;
			}
		})();
		return this.#readingForDeferred;
	}

	/** Reads every stored message of the group (the progress screens, reports; a slice at a time). */
	async readHistory(): Promise<void> {
		await this.transcript.readAll();
		if (this.#deferred.length) await this.#readForDeferred();
	}

	/** The relay's backlog covered everything up to `seq` (its `live` frame, §9.5, §9.8a). */
	caughtUp(seq: number): void {
		if (seq <= this.cursor) return;
		this.session.caughtUp(seq);
		this.#sessionDirty = true;
		this.#release();
	}

	#release(): void {
		const ready = this.#waiters.filter((w) => w.seq <= this.cursor);
		this.#waiters = this.#waiters.filter((w) => w.seq > this.cursor);
		for (const w of ready) w.resolve();
	}

	private applyContent(event: Extract<SessionEvent, { type: 'message' }>): boolean {
		if (SPONSOR_TYPES.has(event.content.t)) {
			const me = { ...this.session.id, sign: this.session.me };
			return this.sponsorship.apply(event.address.sender, event.content, event.ts, this.session.state, me, event.franking);
		}
		if (CASE_TYPES.has(event.content.t)) {
			const me = { ...this.session.id, sign: this.session.me };
			return this.cases.apply(event.address.sender, event.content, event.ts, this.session.state, me);
		}
		const name = this.session.data.profiles[event.address.sender] ?? null;
		const changed = this.history.apply(
			{ address: event.address, content: event.content as MessageContent, seq: event.seq, ts: event.ts, self: false, ...(event.noLinks ? { noLinks: true as const } : {}) },
			name
		);
		// Every content that changes what is shown (a text, an edit, a reaction) stays reportable
		// while it is shown (review findings 3 and 14).
		if (event.franking && changed) this.franking.keep(messageId(event.address), event.franking);
		return changed;
	}

	/** A system line in the transcript for membership changes people should see. */
	private opNotice(event: Extract<SessionEvent, { type: 'op' }>): boolean {
		const names = this.session.data.profiles;
		const text = opNotice(event.op, this.session.me, (key) => names[key], event.linkWithdrawn);
		if (!text) return false;
		return this.history.addSystem(event.seq, event.ts, text);
	}

	/**
	 * The core names a sender by its key; a person reads the display name the group knows for
	 * that key, when there is one, with the key's fragment beside it when another member goes by
	 * the same name (words/people.ts).
	 */
	private namedText(sender: string): string {
		const profiles = this.session.data.profiles;
		const name = Object.prototype.hasOwnProperty.call(profiles, sender) ? profiles[sender] : undefined;
		const shared = !!name && Object.entries(profiles).some(([sign, other]) => sign !== sender && sameName(other) === sameName(name));
		return personLabel(sender, name, shared);
	}

	/** After lock: drops the franking keys and transcript held in memory (already saved). */
	forgetSecrets(): void {
		this.franking.reset();
		this.transcript.forgetMessages();
		this.outbox.reset();
		this.invites.reset();
	}

	/** The session changed (a send chain, the read mark, pruned keys): the next save writes it. */
	markDirty(): void {
		this.#sessionDirty = true;
	}

	/**
	 * Writes everything changed since the last save, plus `extra` ops, in one atomic batch.
	 * Saves are serialised; a failed one leaves its changes to the next.
	 */
	save(extra: readonly KvOp[] = []): Promise<void> {
		const run = this.#saving.then(() => this.#write(extra));
		this.#saving = run.catch(() => undefined);
		return run;
	}

	async #write(extra: readonly KvOp[]): Promise<void> {
		const log = this.session.state;
		if (this.#deferred.length) {
			await this.#readForDeferred();
			if (this.#deferred.length) throw new ProtocolError('PROTOCOL_LOCKED', 'the group history could not be read; nothing was saved');
		}
		// Messages past the group's retention go even when nobody scrolled back to them.
		const oldest = this.history.oldestNotRead;
		if (log && log.settings.retention > 0 && oldest !== undefined && Date.now() - oldest > log.settings.retention * 1000) await this.transcript.readAll();
		if (log) this.history.expire(log.settings.retention, Date.now());
		const ops: KvOp[] = [];
		const session = this.#sessionDirty;
		this.#sessionDirty = false;
		if (session) ops.push(jsonPut(keys.session(this.id), this.session.toJSON()));
		const undo = [this.transcript, this.franking, this.outbox, this.invites, this.verifications, this.sponsorship, this.blocks, this.cases].map((part) => part.stage(ops));
		ops.push(...extra);
		if (ops.length === 0) return;
		try {
			await this.#store.batch(ops);
		} catch (error) {
			// Nothing was written: everything staged stays due for the next save.
			if (session) this.#sessionDirty = true;
			for (const back of undo) back();
			throw error;
		}
	}
}
