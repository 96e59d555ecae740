/**
 * One group inside the client: its pure GroupSession plus what the device keeps around it
 * (transcript, warnings, outbox, franking material for reports, invite links, verifications),
 * loaded from and saved to the Store. Entries from the relay are applied here in relay order;
 * saving is coalesced so a long backlog does not write once per entry.
 */
import type { ChatMessage, Store, Warning } from './api.ts';
import { History, messageId, type MessageContent } from './history.ts';
import { getJson, keys, listJson, putJson } from './store.ts';
import { GroupSession, type SessionOptions } from '../protocol/session/session.ts';
import { receiveBacklog } from '../protocol/session/backlog.ts';
import type { Content, FrankingRecord, RelayEntry, SessionEvent, SendStep } from '../protocol/session/types.ts';
import type { Identity } from '../crypto/identity.ts';
import type { Primitives } from '../protocol/group/types.ts';
import { sameName } from './names.ts';
import { opNotice } from '../words/notices.ts';
import { personLabel } from '../words/people.ts';
import { warningSentence } from '../words/warnings.ts';

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
	readonly #store: Store;
	#waiters: { seq: number; resolve(): void }[] = [];
	#saving: Promise<void> = Promise.resolve();
	#dirty = false;
	#newFranking = new Map<string, FrankingRecord>();
	#goneProfiles: string[] = [];

	private constructor(store: Store, session: GroupSession, history: History) {
		this.#store = store;
		this.id = session.data.group;
		this.session = session;
		this.history = history;
		this.warnings = [];
		this.outbox = [];
		this.inviteLinks = {};
		this.verified = {};
	}

	static fresh(store: Store, session: GroupSession): GroupHandle {
		return new GroupHandle(store, session, new History(session.data.group));
	}

	static async load(store: Store, group: string, id: Identity, primitives: Primitives, options: SessionOptions = {}): Promise<GroupHandle | null> {
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
					const warning: Warning = { kind: event.kind, text: warningSentence(event, (sender) => this.namedText(sender)), at: event.at, code: event.code };
					this.warnings = [...this.warnings.slice(-(MAX_WARNINGS - 1)), warning];
					on.warning(warning);
					break;
				}
				case 'own':
					break;
			}
		}
		this.#dirty = true;
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
		this.#dirty = true;
	}

	/** A system line in the transcript for membership changes people should see. */
	private opNotice(event: Extract<SessionEvent, { type: 'op' }>): boolean {
		const names = this.session.data.profiles;
		const text = opNotice(event.op, this.session.me, (key) => names[key]);
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

	addWarning(warning: Warning): void {
		this.warnings = [...this.warnings.slice(-(MAX_WARNINGS - 1)), warning];
		this.#dirty = true;
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

	markDirty(): void {
		this.#dirty = true;
	}

	/** Writes everything changed since the last save. Saves are serialised. */
	save(): Promise<void> {
		this.#saving = this.#saving.then(() => this.#write());
		return this.#saving;
	}

	async saveOutbox(item: OutboxItem): Promise<void> {
		await putJson(this.#store, keys.outbox(this.id, item.n), item);
	}

	async dropOutbox(item: OutboxItem): Promise<void> {
		this.outbox = this.outbox.filter((o) => o !== item);
		await this.#store.delete(keys.outbox(this.id, item.n));
	}

	async saveInviteLink(key: string, link: string): Promise<void> {
		this.inviteLinks[key] = link;
		await putJson(this.#store, keys.invite(this.id, key), { link });
	}

	async saveVerified(): Promise<void> {
		await putJson(this.#store, keys.verified(this.id), this.verified);
	}

	async #write(): Promise<void> {
		const store = this.#store;
		const log = this.session.state;
		if (log) this.history.expire(log.settings.retention, Date.now());
		const dirtyMessages = this.history.takeDirty();
		const gone = [...this.history.takeGone(), ...this.#goneProfiles.splice(0)];
		for (const id of gone) this.#newFranking.delete(id);
		const franking = [...this.#newFranking];
		this.#newFranking.clear();
		if (!this.#dirty && dirtyMessages.length === 0 && franking.length === 0 && gone.length === 0) return;
		this.#dirty = false;
		await putJson(store, keys.session(this.id), this.session.toJSON());
		for (const id of dirtyMessages) {
			const record = this.history.get(id);
			if (record) await putJson(store, keys.message(this.id, id), record);
			else await store.delete(keys.message(this.id, id));
		}
		for (const [id, record] of franking) await putJson(store, keys.franking(this.id, id), record);
		// A deleted, hidden or expired message takes its franking records (its words) with it.
		for (const id of gone) await store.delete(keys.franking(this.id, id));
		await putJson(store, keys.warnings(this.id), this.warnings);
		await putJson(store, keys.profileIds(this.id), this.profileIds);
	}
}
