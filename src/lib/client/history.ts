/**
 * The chat transcript of one group as the UI shows it: verified contents from the session
 * (§5.3) folded into `ChatMessage` views. Reactions, edits and deletes address a message by
 * `(sender, epoch, ctr)`; edits and deletes count only from the message's own sender.
 * Records are plain JSON so the client can persist each changed message on its own.
 */
import type { ChatMessage } from './api.ts';

export type MessageContent =
	| { t: 'text'; text: string; cw?: string; reply?: Address }
	| { t: 'react'; to: Address; emoji: string }
	| { t: 'edit'; to: Address; text: string }
	| { t: 'delete'; to: Address }
	| { t: 'ask-to-speak' }
	| { t: 'profile'; name: string }
	| { t: 'group-profile'; name: string; description: string };

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
}

const MAX_TEXT = 8000;
const MAX_EMOJI = 16;

export class History {
	readonly group: string;
	private readonly byId = new Map<string, ChatMessage>();
	/** Ids changed since the last `takeDirty()`, for incremental persistence. */
	private readonly dirty = new Set<string>();

	constructor(group: string, records: ChatMessage[] = []) {
		this.group = group;
		for (const r of records) this.byId.set(r.id, r);
	}

	/** Messages in relay order; ones still sending (no seq) last, by local time. */
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

	/** A line about the group itself (joins, removals), named after the op's relay seq. */
	addSystem(seq: number, ts: number, text: string): boolean {
		const id = `op:${seq}`;
		if (this.byId.has(id)) return false;
		this.put({ id, group: this.group, sender: '', senderName: null, self: false, kind: 'system', text, reactions: {}, edited: false, deleted: false, hidden: false, ts, seq, status: 'sent' });
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
				if (this.byId.has(id)) return false;
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
						text: target && !target.deleted ? target.text.slice(0, 200) : ''
					};
				}
				if (input.warning) record.warning = input.warning;
				this.put(record);
				return true;
			}
			case 'react': {
				const target = this.byId.get(messageId(content.to));
				if (!target || content.emoji.length === 0 || content.emoji.length > MAX_EMOJI) return false;
				const reactions = { ...target.reactions };
				const who = reactions[content.emoji] ?? [];
				// Reacting again with the same emoji takes the reaction back.
				reactions[content.emoji] = who.includes(address.sender) ? who.filter((s) => s !== address.sender) : [...who, address.sender];
				if (reactions[content.emoji]!.length === 0) delete reactions[content.emoji];
				this.put({ ...target, reactions });
				return true;
			}
			case 'edit': {
				const target = this.byId.get(messageId(content.to));
				if (!target || target.sender !== address.sender || target.deleted) return false;
				this.put({ ...target, text: content.text.slice(0, MAX_TEXT), edited: true });
				return true;
			}
			case 'delete': {
				const target = this.byId.get(messageId(content.to));
				if (!target || target.sender !== address.sender) return false;
				this.put({ ...target, text: '', cw: undefined, deleted: true, reactions: {} });
				return true;
			}
			default:
				return false;
		}
	}

	/** A moderator's `hide` op names the relay seq of the message. */
	hideSeq(seq: number): boolean {
		for (const m of this.byId.values()) {
			if (m.seq === seq && !m.hidden) {
				this.put({ ...m, hidden: true, text: '' });
				return true;
			}
		}
		return false;
	}

	/** Updates the display name shown on a sender's messages once their profile arrives. */
	rename(sender: string, name: string): void {
		for (const m of this.byId.values()) if (m.sender === sender && m.senderName !== name) this.put({ ...m, senderName: name });
	}

	/** Drops messages older than the group's retention (seconds; 0 keeps everything). */
	expire(retention: number, now: number): void {
		if (retention <= 0) return;
		for (const m of [...this.byId.values()]) {
			if (m.status === 'sent' && now - m.ts > retention * 1000) {
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
