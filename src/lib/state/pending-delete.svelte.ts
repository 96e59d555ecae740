/**
 * Deleting one's own message, with an undo (issue 16): the message leaves the list at once, and
 * the delete is sent only when the undo time runs out. Undo within that time keeps the message
 * and sends nothing. A deletion still waiting when the app is locked (Lock now, quick exit) is
 * queued at once before the keys go: the person chose to delete it. Closing the tab within the
 * undo time keeps the message, as if undone (memory only).
 */
import { app } from './app.svelte.ts';
import { describeError } from '../words/errors.ts';
import { DELETE_UNDO_SECONDS } from '../words/first-hour.ts';

export interface PendingDelete {
	group: string;
	id: string;
	/** Counts up, so a screen can tell the newest one (to put keyboard focus on its Undo). */
	seq: number;
}

class PendingDeletes {
	list = $state<PendingDelete[]>([]);
	/** The last deletion that failed when it was sent, said under the chat. */
	failure = $state<{ group: string; text: string } | null>(null);
	#timers = new Map<string, ReturnType<typeof setTimeout>>();
	#seq = 0;

	constructor() {
		app.onBeforeLock((client) => this.#flush(client));
	}

	/** Queues every deletion still waiting (the app is locking), with no undo left. */
	async #flush(client: { deleteMessage(group: string, id: string): Promise<unknown> }): Promise<void> {
		const waiting = this.list;
		for (const timer of this.#timers.values()) clearTimeout(timer);
		this.#timers.clear();
		this.list = [];
		for (const { group, id } of waiting) await client.deleteMessage(group, id).catch(() => undefined);
	}

	#key = (group: string, id: string) => `${group}\n${id}`;

	has(group: string, id: string): boolean {
		return this.list.some((p) => p.group === group && p.id === id);
	}

	of(group: string): PendingDelete[] {
		return this.list.filter((p) => p.group === group);
	}

	/** Hides the message now and sends its deletion when the undo time is over. */
	start(group: string, id: string, ms = DELETE_UNDO_SECONDS * 1000): void {
		if (this.has(group, id)) return;
		this.failure = null;
		this.list = [...this.list, { group, id, seq: ++this.#seq }];
		this.#timers.set(this.#key(group, id), setTimeout(() => void this.#send(group, id), ms));
	}

	/** Keeps the message: nothing is sent. */
	undo(group: string, id: string): void {
		const key = this.#key(group, id);
		clearTimeout(this.#timers.get(key));
		this.#timers.delete(key);
		this.#drop(group, id);
	}

	#drop(group: string, id: string): void {
		this.list = this.list.filter((p) => !(p.group === group && p.id === id));
	}

	async #send(group: string, id: string): Promise<void> {
		this.#timers.delete(this.#key(group, id));
		try {
			if (app.phase === 'ready') await app.client.deleteMessage(group, id);
		} catch (e) {
			this.failure = { group, text: `The message could not be deleted. ${describeError(e)}` };
		} finally {
			// The list shows the message again: as deleted, or as it was when the delete failed.
			this.#drop(group, id);
		}
	}
}

export const pendingDeletes = new PendingDeletes();
