/**
 * The chat transcript of one group as the UI shows it: verified contents from the session
 * (§5.3) folded into `ChatMessage` views. Reactions, edits and deletes address a message by
 * `(sender, epoch, ctr)`; edits and deletes count only from the message's own sender.
 * Records are plain JSON so the client can persist each changed message on its own.
 */
import { MAX_TEXT } from '../core/content.ts';
import type { ChatMessage } from './api.ts';
import type { ProgressItem } from '../core/progress.ts';
import type { IndexEntry } from './message-index.ts';

export type MessageContent =
	| { t: 'text'; text: string; cw?: string; reply?: Address }
	| { t: 'react'; to: Address; emoji: string }
	| { t: 'edit'; to: Address; text: string }
	| { t: 'delete'; to: Address }
	| { t: 'ask-to-speak' }
	| { t: 'profile'; name: string }
	| { t: 'group-profile'; name: string; description: string }
	| { t: 'progress'; item: ProgressItem };

export interface Address {
	sender: string;
	epoch: number;
	ctr: number;
}

export const messageId = (a: Address): string => `${a.sender}:${a.epoch}:${a.ctr}`;

export function parseMessageId(id: string): Address | null {
	const m = /^([A-Za-z0-9_-]{43}):(\d{1,15}):(\d{1,15})$/.exec(id);
	return m ? { sender: m[1]!, epoch: Number(m[2]), ctr: Number(m[3]) } : null;
}

export interface Incoming {
	address: Address;
	content: MessageContent;
	seq: number;
	ts: number;
	self: boolean;
	warning?: string;
	/** The group's link limit does not allow this text's link from its sender (§13.7). */
	noLinks?: true;
}

const MAX_EMOJI = 16;

export class History {
	readonly group: string;
	private readonly byId = new Map<string, ChatMessage>();
	/** Ids changed since the last `takeDirty()`, for incremental persistence. */
	private readonly dirty = new Set<string>();
	/** Contents (messages, edits, reactions) no longer shown since the last `takeGone()`. */
	private readonly gone = new Set<string>();

	/**
	 * Stored messages not read yet (§8 "Message index"): a group opens with its newest page read,
	 * and these, the ones before it in relay order, are read a page at a time (transcript.ts).
	 */
	#older: IndexEntry[];
	readonly #unloaded = new Map<string, IndexEntry>();
	/** Display names learned while older messages were not read: applied as they are read. */
	readonly #names = new Map<string, string>();

	constructor(group: string, records: ChatMessage[] = [], older: readonly IndexEntry[] = []) {
		this.group = group;
		for (const r of records) this.byId.set(r.id, r);
		this.#older = [...older];
		for (const e of older) this.#unloaded.set(e.id, e);
	}

	/** True once every stored message has been read. */
	get complete(): boolean {
		return this.#older.length === 0;
	}

	/** Local time of the oldest message not read yet (a save reads them before they expire). */
	get oldestNotRead(): number | undefined {
		return this.#older[0]?.ts;
	}

	/** Ids of the `n` newest messages not read yet, oldest first. */
	olderIds(n: number): string[] {
		return this.#older.slice(Math.max(0, this.#older.length - n)).map((e) => e.id);
	}

	/**
	 * Messages read from the store (a page of older ones): shown from now on. A display name that
	 * changed while they were not read is applied (and written by the next save).
	 */
	merge(records: readonly ChatMessage[], missing: readonly string[] = []): void {
		const read = new Set<string>(missing);
		for (const id of missing) this.#unloaded.delete(id);
		for (const r of records) {
			if (!this.#unloaded.has(r.id)) continue;
			this.#unloaded.delete(r.id);
			read.add(r.id);
			const name = r.sender ? this.#names.get(r.sender) : undefined;
			if (name !== undefined && r.senderName !== name) this.put({ ...r, senderName: name });
			else this.byId.set(r.id, r);
		}
		this.#older = this.#older.filter((e) => !read.has(e.id));
	}

	/**
	 * True when applying `content` needs a message not read yet (the one it reacts to, edits,
	 * deletes or quotes): the group reads the rest of its history first (group.ts).
	 */
	waitsFor(content: MessageContent): boolean {
		if (this.#unloaded.size === 0) return false;
		switch (content.t) {
			case 'text':
				return !!content.reply && this.#unloaded.has(messageId(content.reply));
			case 'react':
			case 'edit':
			case 'delete':
				return this.#unloaded.has(messageId(content.to));
			default:
				return false;
		}
	}

	/** True when the message at relay seq `seq` is one not read yet (a hide or unhide waits for it). */
	waitsForSeq(seq: number): boolean {
		if (this.#unloaded.size === 0) return false;
		for (const e of this.#unloaded.values()) if (e.seq === seq) return true;
		return false;
	}

	/** True when the transcript holds `id`, read or not. */
	#knows(id: string): boolean {
		return this.byId.has(id) || this.#unloaded.has(id);
	}

	/** Messages in relay order (the ones read so far); ones still sending (no seq) last, by local time. */
	list(): ChatMessage[] {
		return [...this.byId.values()].sort(
			(a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER) || a.ts - b.ts
		);
	}

	get(id: string): ChatMessage | undefined {
		return this.byId.get(id);
	}

	/** Ids changed (or removed) since the last call, for incremental persistence. */
	takeDirty(): string[] {
		const out = [...this.dirty];
		this.dirty.clear();
		return out;
	}

	/**
	 * Ids of contents that stopped being shown (deleted, hidden, expired, a reaction taken
	 * back), since the last call: their franking records must go too (review finding 14).
	 */
	takeGone(): string[] {
		const out = [...this.gone];
		this.gone.clear();
		return out;
	}

	/** A save that took `dirty` and `gone` failed: they are written by the next one. */
	untake(dirty: readonly string[], gone: readonly string[]): void {
		for (const id of dirty) this.dirty.add(id);
		for (const id of gone) this.gone.add(id);
	}

	/**
	 * True while the content `id` (a message, one of its edits or a reaction) is shown. A message
	 * its sender deleted is not shown, though its kept records stay reportable (§6.3).
	 */
	shows(id: string): boolean {
		const address = parseMessageId(id);
		if (!address) return false;
		if (this.byId.has(id)) return !this.byId.get(id)!.deleted && !this.byId.get(id)!.hidden;
		for (const m of this.byId.values()) {
			if (m.edits?.includes(id)) return !m.deleted && !m.hidden;
			for (const ids of Object.values(m.reactionIds ?? {})) if (ids.includes(id)) return !m.deleted && !m.hidden;
		}
		return false;
	}

	/** Every content id shown as part of `m`: itself, its edits and the reactions on it. */
	private contentIds(m: ChatMessage): string[] {
		return [m.id, ...(m.edits ?? []), ...Object.values(m.reactionIds ?? {}).flat()];
	}

	/** Forgets every message (each becomes a deletion for the next save, and its franking goes). */
	clear(): void {
		for (const m of this.byId.values()) {
			this.dirty.add(m.id);
			for (const id of this.contentIds(m)) this.gone.add(id);
		}
		// Messages not read yet go too (their franking records go by prefix, subscriptions.ts).
		for (const id of this.#unloaded.keys()) this.dirty.add(id);
		this.#unloaded.clear();
		this.#older = [];
		this.byId.clear();
	}

	/** A line about the group itself (joins, removals), named after the op's relay seq. */
	addSystem(seq: number, ts: number, text: string, note?: 'warn'): boolean {
		const id = `op:${seq}`;
		if (this.#knows(id)) return false;
		this.put({ id, group: this.group, sender: '', senderName: null, self: false, kind: 'system', text, reactions: {}, edited: false, deleted: false, hidden: false, ts, seq, status: 'sent', ...(note ? { note } : {}) });
		return true;
	}

	/** A local message the user just wrote, shown at once as `sending`. */
	addLocal(record: ChatMessage): void {
		this.put(record);
	}

	/** Replaces the local id of a sent message with its network address, keeping its place. */
	settle(localId: string, address: Address, seq: number, ts: number): ChatMessage | undefined {
		const local = this.byId.get(localId);
		if (!local) return undefined;
		this.byId.delete(localId);
		this.dirty.add(localId);
		const sent: ChatMessage = { ...local, id: messageId(address), seq, ts, status: 'sent' };
		this.put(sent);
		return sent;
	}

	setStatus(id: string, status: ChatMessage['status']): void {
		const m = this.byId.get(id);
		if (m && m.status !== status) this.put({ ...m, status });
	}

	/** Folds one verified content into the transcript. Returns true when something visible changed. */
	apply(input: Incoming, senderName: string | null): boolean {
		const { content, address } = input;
		const id = messageId(address);
		switch (content.t) {
			// No `system` content exists on the wire (§5.3): system lines are only made locally (addSystem).
			case 'text': {
				if (this.#knows(id)) return false;
				const text = content.text.slice(0, MAX_TEXT);
				const record: ChatMessage = {
					id,
					group: this.group,
					sender: address.sender,
					senderName,
					self: input.self,
					kind: 'text',
					text,
					reactions: {},
					edited: false,
					deleted: false,
					hidden: false,
					ts: input.ts,
					seq: input.seq,
					status: 'sent'
				};
				if (content.cw) record.cw = content.cw.slice(0, 200);
				if (content.reply) {
					const target = this.byId.get(messageId(content.reply));
					record.replyTo = {
						id: messageId(content.reply),
						senderName: target?.senderName ?? null,
						text: target && !target.deleted && !target.hidden && !target.noLinks ? target.text.slice(0, 200) : ''
					};
				}
				if (input.warning) record.warning = input.warning;
				if (input.noLinks) record.noLinks = true;
				this.put(record);
				return true;
			}
			case 'react': {
				const target = this.byId.get(messageId(content.to));
				if (!target || content.emoji.length === 0 || content.emoji.length > MAX_EMOJI) return false;
				if (target.deleted || target.hidden) return false;
				const reactions = { ...target.reactions };
				const reactionIds = { ...(target.reactionIds ?? {}) };
				const who = reactions[content.emoji] ?? [];
				const ids = reactionIds[content.emoji] ?? who.map(() => '');
				const at = who.indexOf(address.sender);
				// Reacting again with the same emoji takes the reaction back.
				if (at >= 0) {
					if (ids[at]) this.gone.add(ids[at]!);
					reactions[content.emoji] = who.filter((_, i) => i !== at);
					reactionIds[content.emoji] = ids.filter((_, i) => i !== at);
				} else {
					reactions[content.emoji] = [...who, address.sender];
					reactionIds[content.emoji] = [...ids, id];
				}
				if (reactions[content.emoji]!.length === 0) {
					delete reactions[content.emoji];
					delete reactionIds[content.emoji];
				}
				this.put({ ...target, reactions, reactionIds });
				return true;
			}
			case 'edit': {
				const target = this.byId.get(messageId(content.to));
				if (!target || target.sender !== address.sender || target.deleted || target.hidden) return false;
				this.put({ ...target, text: content.text.slice(0, MAX_TEXT), edited: true, edits: [...(target.edits ?? []), id] });
				return true;
			}
			case 'delete': {
				const target = this.byId.get(messageId(content.to));
				if (!target || target.sender !== address.sender) return false;
				// Receivers keep the message and its edits reportable until retention (§6.3, P8): a
				// sender cannot take abuse back out of reach by deleting it. The sender's own device
				// lets the words go; the reactions on it go everywhere.
				const reactions = Object.values(target.reactionIds ?? {}).flat();
				for (const gone of target.self ? this.contentIds(target) : reactions) this.gone.add(gone);
				this.put({ ...target, text: '', cw: undefined, deleted: true, reactions: {}, reactionIds: {}, edits: target.self ? [] : (target.edits ?? []) });
				return true;
			}
			case 'progress': {
				// Shared progress (§12): kept as its own kind; the screens fold a sender's items into a chart.
				if (this.#knows(id)) return false;
				this.put({
					id,
					group: this.group,
					sender: address.sender,
					senderName,
					self: input.self,
					kind: 'progress',
					text: '',
					progress: content.item,
					reactions: {},
					edited: false,
					deleted: false,
					hidden: false,
					ts: input.ts,
					seq: input.seq,
					status: 'sent',
					...(input.warning ? { warning: input.warning } : {})
				});
				return true;
			}
			default:
				return false;
		}
	}

	/**
	 * A moderator's `hide` op names the relay seq of a message (§3.3). A seq that names an op (a
	 * "joined" or "was removed" line is named after its op's seq) hides nothing: notices about the
	 * group are not a moderator's to erase.
	 */
	hideSeq(seq: number): boolean {
		return this.setHidden(seq, true);
	}

	/**
	 * A moderator's `unhide` (§13.4): the message, its edits and reactions show again. A hide kept
	 * them all on this device (sealed at rest, not shown), franking records included, until the
	 * group's retention.
	 */
	unhideSeq(seq: number): boolean {
		return this.setHidden(seq, false);
	}

	private setHidden(seq: number, hidden: boolean): boolean {
		for (const m of this.byId.values()) {
			if (m.seq === seq && m.kind !== 'system' && m.hidden !== hidden) {
				this.put({ ...m, hidden });
				return true;
			}
		}
		return false;
	}

	/** Updates the display name shown on a sender's messages once their profile arrives. */
	rename(sender: string, name: string): void {
		if (this.#unloaded.size > 0) this.#names.set(sender, name);
		for (const m of this.byId.values()) if (m.sender === sender && m.senderName !== name) this.put({ ...m, senderName: name });
	}

	/** Drops messages older than the group's retention (seconds; 0 keeps everything). */
	expire(retention: number, now: number): void {
		// The oldest messages are the ones not read yet: they expire once read (transcript.ts reads them).
		if (retention <= 0 || !this.complete) return;
		for (const m of [...this.byId.values()]) {
			if (m.status === 'sent' && now - m.ts > retention * 1000) {
				if (m.kind !== 'system') for (const gone of this.contentIds(m)) this.gone.add(gone);
				this.byId.delete(m.id);
				this.dirty.add(m.id);
			}
		}
	}

	private put(record: ChatMessage): void {
		this.byId.set(record.id, record);
		this.dirty.add(record.id);
	}
}
