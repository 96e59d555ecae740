/**
 * Slow mode at the relay (PROTOCOL §13.7): the relay times of each sender's last few stored
 * messages in one group, which `may.slowWait` judges a new message against, on the entry's own
 * relay time, as every client judges it. Every client remembers these posts for good, so after a
 * restart or an eviction the relay reads them back from the stored entries (sender and relay time
 * are in the clear, §9.4) rather than starting the window again.
 */
import * as may from '../src/lib/protocol/group/may.ts';
import type { GroupState } from '../src/lib/protocol/group/types.ts';
import type { RelayStore, StoredGroup } from './store.ts';

/** Entries read per page when rebuilding the recent posts. */
const RECENT_POSTS_PAGE = 256;

export class RecentPosts {
	readonly #posts = new Map<string, may.Post[]>();

	/**
	 * The recent posts of a group loaded from the store: the last SLOW_BURST message entries of
	 * each sender within the longest window (SLOW_MAX_S) before `now`, read newest first, in
	 * pages, stopping early once every current member has SLOW_BURST.
	 */
	static async read(store: RelayStore, group: string, stored: StoredGroup, now: number): Promise<RecentPosts> {
		const recent = new RecentPosts();
		const posts = recent.#posts;
		const since = now - may.SLOW_MAX_S * 1000;
		const members = Object.keys(stored.state.members);
		const full = () => members.every((m) => (posts.get(m)?.length ?? 0) >= may.SLOW_BURST);
		let before = stored.head.seq + 1;
		for (;;) {
			const page = await store.rangeBack(group, before, RECENT_POSTS_PAGE);
			for (const record of page) {
				if (record.ts <= since) return recent;
				if (record.kind !== 'msg') continue;
				const sender = senderOf(record.frame);
				if (sender === undefined || (posts.get(sender)?.length ?? 0) >= may.SLOW_BURST) continue;
				recent.note(sender, record.seq, record.ts);
			}
			if (page.length < RECENT_POSTS_PAGE) return recent;
			before = page[page.length - 1]!.seq;
			if (full()) return recent;
		}
	}

	/** The sender's remembered posts, oldest first (at most SLOW_BURST). */
	get(sender: string): readonly may.Post[] | undefined {
		return this.#posts.get(sender);
	}

	/** Counts a message of `sender` numbered `seq` at relay time `ts` (stored, or being stored). */
	note(sender: string, seq: number, ts: number): void {
		this.#posts.set(sender, may.notePost(this.#posts.get(sender), seq, ts));
	}

	/**
	 * Counts the message in a committed entry's frame: another process's, from the store's feed.
	 * It counts whatever the setting is now: every client counts it, and slow mode may be
	 * switched on next.
	 */
	noteFrame(frame: string, seq: number, ts: number): void {
		const sender = senderOf(frame);
		if (sender) this.note(sender, seq, ts);
	}

	/** The message at `seq` was not stored after all: it does not count against its sender. */
	forget(sender: string, seq: number): void {
		this.#posts.set(sender, (this.#posts.get(sender) ?? []).filter((p) => p[0] !== seq));
	}

	/** Milliseconds `sender` must still wait before a message at relay time `ts`; 0 when it may go. */
	wait(state: GroupState, sender: string, ts: number): number {
		return may.slowWait(state, sender, ts, this.#posts.get(sender));
	}
}

/** The sender of a stored message entry's frame (in the clear, §9.4). */
function senderOf(frame: string): string | undefined {
	try {
		const sender = (JSON.parse(frame) as { entry?: { msg?: { sender?: unknown } } }).entry?.msg?.sender;
		return typeof sender === 'string' ? sender : undefined;
	} catch {
		return undefined;
	}
}
