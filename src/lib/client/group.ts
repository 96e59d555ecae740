/**
 * One group inside the client: its pure GroupSession plus what the device keeps around it
 * (transcript, warnings, outbox, franking material for reports, invite links, verifications),
 * loaded from and saved to the Kv. Entries from the relay are applied here in relay order;
 * saving is coalesced so a long backlog does not write once per entry. A save writes every
 * record changed since the last one in ONE atomic batch: the session (which holds the sync
 * cursor) never lands on the device without the messages it has seen, nor a send chain without
 * the outbox step built from it.
 */
import type { ChatMessage, Warning } from './api.ts';
import { History, messageId, type MessageContent } from './history.ts';
import { getJson, jsonPut, keys, listJson } from './store.ts';
import { del, type Kv, type KvOp } from '../storage/kv.ts';
import { GroupSession, type SessionOptions } from '../protocol/session/session.ts';
import { receiveBacklog } from '../protocol/session/backlog.ts';
import type { Content, FrankingRecord, RelayEntry, SessionEvent, SendStep } from '../protocol/session/types.ts';
import type { Identity } from '../crypto/identity.ts';
import type { Primitives } from '../protocol/group/types.ts';
import { sameName } from './names.ts';

export interface OutboxItem {
	/** Local id (also the history id while sending). */
	id: string;
	n: number;
	content: Content;
	createdAt: number;
	status: 'sending' | 'failed';
	/** The prepared entry: resent byte for byte (same mid) until the relay acknowledges it. */
	step?: SendStep;
	error?: string;
}

export interface GroupEvents {
	messages(): void;
	members(): void;
	warning(warning: Warning): void;
	removed(): void;
}

const MAX_WARNINGS = 200;

export class GroupHandle {
	readonly id: string;
	session: GroupSession;
	history: History;
	warnings: Warning[];
	outbox: OutboxItem[];
	inviteLinks: Record<string, string>;
	verified: Record<string, { name: string | null }>;
	/** Id of the hello each member's shown display name came from (its franking record is kept: reportable). */
	profileIds: Record<string, string> = {};
	sync: { start: number; head: number } | null = null;
	readonly #store: Kv;
	#waiters: { seq: number; resolve(): void }[] = [];
	#saving: Promise<void> = Promise.resolve();
	/** What changed since the last save, by record. */
	#dirty = { session: false, warnings: false, profileIds: false, verified: false };
	#dirtyOutbox = new Set<OutboxItem>();
	#goneOutbox = new Set<number>();
	#dirtyInvites = new Set<string>();
	#newFranking = new Map<string, FrankingRecord>();
	#goneProfiles: string[] = [];

	private constructor(store: Kv, session: GroupSession, history: History) {
		this.#store = store;
		this.id = session.data.group;
		this.session = session;
		this.history = history;
		this.warnings = [];
		this.outbox = [];
		this.inviteLinks = {};
		this.verified = {};
	}

	static fresh(store: Kv, session: GroupSession): GroupHandle {
		return new GroupHandle(store, session, new History(session.data.group));
	}

	static async load(store: Kv, group: string, id: Identity, primitives: Primitives, options: SessionOptions = {}): Promise<GroupHandle | null> {
		const data = await getJson(store, keys.session(group));
		if (!data) return null;
		const session = GroupSession.fromJSON(data, id, primitives, options);
		const records = (await listJson<ChatMessage>(store, keys.messages(group))).map((r) => r.value);
		const handle = new GroupHandle(store, session, new History(group, records));
		handle.warnings = (await getJson<Warning[]>(store, keys.warnings(group))) ?? [];
		handle.outbox = (await listJson<OutboxItem>(store, keys.outboxAll(group))).map((r) => r.value);
		for (const { key, value } of await listJson<{ link: string }>(store, keys.invites(group))) {
			handle.inviteLinks[key.slice(keys.invites(group).length)] = value.link;
		}
		handle.verified = (await getJson(store, keys.verified(group))) ?? {};
		handle.profileIds = (await getJson(store, keys.profileIds(group))) ?? {};
		return handle;
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

	#handle(events: SessionEvent[], on: GroupEvents): void {
		let messages = false;
		let members = false;
		for (const event of events) {
			switch (event.type) {
				case 'message':
					messages = this.applyContent(event) || messages;
					break;
				case 'profile':
					this.history.rename(event.sender, event.name);
					this.keepProfileFranking(event);
					members = true;
					break;
				case 'op':
					members = true;
					messages = this.opNotice(event) || messages;
					break;
				case 'hidden':
					messages = this.history.hideSeq(event.seq) || messages;
					break;
				case 'removed':
					on.removed();
					break;
				case 'warning': {
					const warning: Warning = { kind: event.kind, text: this.namedText(event.text, event.detail?.sender), at: event.at, code: event.code };
					this.warnings = [...this.warnings.slice(-(MAX_WARNINGS - 1)), warning];
					this.#dirty.warnings = true;
					on.warning(warning);
					break;
				}
				case 'own':
					break;
			}
		}
		this.#dirty.session = true;
		if (messages) on.messages();
		if (members) on.members();
		const ready = this.#waiters.filter((w) => w.seq <= this.cursor);
		this.#waiters = this.#waiters.filter((w) => w.seq > this.cursor);
		for (const w of ready) w.resolve();
	}

	private applyContent(event: Extract<SessionEvent, { type: 'message' }>): boolean {
		const name = this.session.data.profiles[event.address.sender] ?? null;
		const changed = this.history.apply(
			{ address: event.address, content: event.content as MessageContent, seq: event.seq, ts: event.ts, self: false },
			name
		);
		// Every content that changes what is shown (a text, an edit, a reaction) stays reportable
		// while it is shown (review findings 3 and 14).
		const id = messageId(event.address);
		if (event.franking && changed && this.history.shows(id)) this.#newFranking.set(id, event.franking);
		return changed;
	}

	/**
	 * A display name from a hello stays reportable (P8) under the hello's id while it is the name
	 * shown; the record of the hello it replaces is deleted with it.
	 */
	private keepProfileFranking(event: Extract<SessionEvent, { type: 'profile' }>): void {
		if (!event.address) return;
		const id = messageId(event.address);
		const before = this.profileIds[event.sender];
		if (before === id) return;
		if (before) this.#goneProfiles.push(before);
		if (event.franking) {
			this.profileIds[event.sender] = id;
			this.#newFranking.set(id, event.franking);
		} else delete this.profileIds[event.sender];
		this.#dirty.profileIds = true;
	}

	/** A system line in the transcript for membership changes people should see. */
	private opNotice(event: Extract<SessionEvent, { type: 'op' }>): boolean {
		const { op } = event;
		const names = this.session.data.profiles;
		const who = (key: string) => names[key] ?? 'someone';
		let text: string | null = null;
		if (op.kind === 'join' && op.author === this.session.me) text = 'You joined. Messages sent before you joined are not shared with you.';
		else if (op.kind === 'join') text = `${who(op.author)} joined${op.member.role === 'listener' ? ' as a listener' : ''}.`;
		else if (op.kind === 'remove') text = `${who(op.target)} was removed. Keys were changed.`;
		else if (op.kind === 'leave') text = `${who(op.author)} left.`;
		else if (op.kind === 'role') text = `${who(op.target)} is now ${op.role === 'admin' ? 'an admin' : `a ${op.role}`}.`;
		else if (op.kind === 'rekey') text = null;
		if (!text) return false;
		return this.history.addSystem(event.seq, event.ts, text);
	}

	/**
	 * The core names a sender by the first 8 characters of its key; a person reads the display
	 * name the group knows for that key, when there is one. When another member goes by the same
	 * name, the key fragment stays beside it, so that a warning is not pinned on the wrong person.
	 */
	private namedText(text: string, sender: unknown): string {
		if (typeof sender !== 'string') return text;
		const profiles = this.session.data.profiles;
		const name = Object.prototype.hasOwnProperty.call(profiles, sender) ? profiles[sender] : undefined;
		if (!name) return text;
		const fragment = sender.slice(0, 8);
		const shared = Object.entries(profiles).some(([sign, other]) => sign !== sender && sameName(other) === sameName(name));
		const shown = shared ? `${name} (${fragment})` : name;
		// A function, not a string: a name holding "$&" or "$'" must not be read as a pattern.
		return text.replace(fragment, () => shown);
	}

	addWarning(warning: Warning): void {
		this.warnings = [...this.warnings.slice(-(MAX_WARNINGS - 1)), warning];
		this.#dirty.warnings = true;
	}

	/** Stores franking material of a message I sent (reports may include my own messages' context). */
	keepFranking(id: string, record: FrankingRecord): void {
		if (this.history.shows(id)) this.#newFranking.set(id, record);
	}

	franking(id: string): Promise<FrankingRecord | undefined> {
		const pending = this.#newFranking.get(id);
		return pending ? Promise.resolve(pending) : getJson<FrankingRecord>(this.#store, keys.franking(this.id, id));
	}

	/** After lock: drops the franking keys and transcript held in memory (already saved). */
	forgetSecrets(): void {
		this.#newFranking.clear();
		this.profileIds = {};
		this.history = new History(this.id);
		this.outbox = [];
		this.inviteLinks = {};
	}

	/** The session changed (a send chain, the read mark, pruned keys): the next save writes it. */
	markDirty(): void {
		this.#dirty.session = true;
	}

	/** An outbox item was added or changed: the next save writes it. */
	touchOutbox(item: OutboxItem): void {
		this.#goneOutbox.delete(item.n);
		this.#dirtyOutbox.add(item);
	}

	/** The item left the outbox (sent): the next save deletes it. */
	dropOutbox(item: OutboxItem): void {
		this.outbox = this.outbox.filter((o) => o !== item);
		this.#dirtyOutbox.delete(item);
		this.#goneOutbox.add(item.n);
	}

	setInviteLink(key: string, link: string): void {
		this.inviteLinks[key] = link;
		this.#dirtyInvites.add(key);
	}

	/** `verified` changed: the next save writes it. */
	touchVerified(): void {
		this.#dirty.verified = true;
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
		const g = this.id;
		const log = this.session.state;
		if (log) this.history.expire(log.settings.retention, Date.now());
		const ops: KvOp[] = [];
		const dirty = { ...this.#dirty };
		this.#dirty = { session: false, warnings: false, profileIds: false, verified: false };
		const messages = this.history.takeDirty();
		const goneContents = this.history.takeGone();
		const gone = [...goneContents, ...this.#goneProfiles.splice(0)];
		for (const id of gone) this.#newFranking.delete(id);
		const franking = [...this.#newFranking];
		this.#newFranking.clear();
		const outbox = [...this.#dirtyOutbox];
		this.#dirtyOutbox.clear();
		const goneOutbox = [...this.#goneOutbox];
		this.#goneOutbox.clear();
		const invites = [...this.#dirtyInvites];
		this.#dirtyInvites.clear();

		if (dirty.session) ops.push(jsonPut(keys.session(g), this.session.toJSON()));
		for (const id of messages) {
			const record = this.history.get(id);
			ops.push(record ? jsonPut(keys.message(g, id), record) : del(keys.message(g, id)));
		}
		for (const [id, record] of franking) ops.push(jsonPut(keys.franking(g, id), record));
		// A deleted, hidden or expired message takes its franking records (its words) with it.
		for (const id of gone) ops.push(del(keys.franking(g, id)));
		for (const item of outbox) ops.push(jsonPut(keys.outbox(g, item.n), item));
		for (const n of goneOutbox) ops.push(del(keys.outbox(g, n)));
		for (const key of invites) ops.push(jsonPut(keys.invite(g, key), { link: this.inviteLinks[key] }));
		if (dirty.warnings) ops.push(jsonPut(keys.warnings(g), this.warnings));
		if (dirty.profileIds) ops.push(jsonPut(keys.profileIds(g), this.profileIds));
		if (dirty.verified) ops.push(jsonPut(keys.verified(g), this.verified));
		ops.push(...extra);
		if (ops.length === 0) return;
		try {
			await this.#store.batch(ops);
		} catch (error) {
			// Nothing was written: everything taken stays due for the next save.
			for (const [k, v] of Object.entries(dirty)) if (v) this.#dirty[k as keyof typeof dirty] = true;
			this.history.untake(messages, goneContents);
			this.#goneProfiles.push(...gone.slice(goneContents.length));
			for (const [id, record] of franking) if (!this.#newFranking.has(id)) this.#newFranking.set(id, record);
			for (const item of outbox) if (this.outbox.includes(item)) this.#dirtyOutbox.add(item);
			for (const n of goneOutbox) if (!this.outbox.some((o) => o.n === n)) this.#goneOutbox.add(n);
			for (const key of invites) this.#dirtyInvites.add(key);
			throw error;
		}
	}
}
