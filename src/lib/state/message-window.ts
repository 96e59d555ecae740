/**
 * The part of a long transcript the chat page keeps in the DOM (issue 15 item 2): a window of
 * consecutive messages, the newest ones when a group opens, moved a page at a time as the reader
 * scrolls or moves with the keyboard. Only the rendered messages cost DOM nodes and component
 * state; the transcript itself stays whole in the client, in relay order.
 *
 * A window is held as two anchors, not indices: messages come and go at both ends (a new one
 * arrives, an old one expires, a local message settles), and an anchor keeps naming the same
 * message. `top: null` means "the newest `size` messages"; `bottom: null` means "up to the newest,
 * following new ones". An anchor whose message went is placed where that message stood, by its
 * relay order (`seq`, then local time), so the window never jumps to the other end.
 */

/** What an anchor remembers of a message: its id, and its place in relay order. */
export interface Anchor {
	id: string;
	seq?: number;
	ts: number;
}

export interface MessageWindow {
	top: Anchor | null;
	bottom: Anchor | null;
}

/** The window's bounds over the list: messages `lo` up to, not including, `hi`. */
export interface Range {
	lo: number;
	hi: number;
}

/** Messages shown when a group opens (the newest). */
export const WINDOW_SIZE = 100;
/** Of those, drawn in the first paint (more than a tall screen holds); the rest follow it. */
export const FIRST_DRAW = 24;
/** Messages added at a time when the reader reaches either end of the window. */
export const WINDOW_PAGE = 50;
/** The most messages kept in the DOM by paging; the far end is dropped beyond it. */
export const WINDOW_MAX = 200;

interface Ordered {
	id: string;
	seq?: number;
	ts: number;
}

export const anchorOf = (m: Ordered): Anchor => (m.seq === undefined ? { id: m.id, ts: m.ts } : { id: m.id, seq: m.seq, ts: m.ts });

/** The newest messages, following new ones. */
export const NEWEST: MessageWindow = { top: null, bottom: null };

const place = (m: Ordered): [number, number] => [m.seq ?? Number.MAX_SAFE_INTEGER, m.ts];
const before = (a: [number, number], b: [number, number]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/**
 * Where `anchor` stands in `list` (sorted in relay order, as History.list): its index, or where it
 * would be, the index of the first message after it.
 */
export function indexOf(list: readonly Ordered[], anchor: Anchor): number {
	const at = list.findIndex((m) => m.id === anchor.id);
	if (at >= 0) return at;
	const key = place(anchor);
	let lo = 0;
	let hi = list.length;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (before(place(list[mid]!), key)) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** The bounds of `win` over `list`; never empty while the list is not. */
export function rangeOf(list: readonly Ordered[], win: MessageWindow, size = WINDOW_SIZE): Range {
	const n = list.length;
	let hi = win.bottom === null ? n : Math.min(n, indexOf(list, win.bottom) + (list.some((m) => m.id === win.bottom!.id) ? 1 : 0));
	let lo = win.top === null ? Math.max(0, hi - size) : Math.min(indexOf(list, win.top), n);
	if (hi <= lo) {
		// The anchors crossed (the messages between them went): show the newest before `hi` instead.
		hi = Math.max(hi, Math.min(n, lo + 1));
		lo = Math.max(0, Math.min(lo, hi - 1));
	}
	return { lo, hi };
}

/** The window made of messages `lo` to `hi` (exclusive) of `list`; `bottom` follows when it reaches the newest. */
export function windowOf(list: readonly Ordered[], lo: number, hi: number): MessageWindow {
	const n = list.length;
	const h = Math.max(0, Math.min(n, hi));
	const l = Math.max(0, Math.min(lo, h - 1));
	if (n === 0) return NEWEST;
	return { top: anchorOf(list[l]!), bottom: h >= n ? null : anchorOf(list[h - 1]!) };
}

/** `page` more messages above the window; the bottom is dropped beyond `max`. */
export function earlier(list: readonly Ordered[], r: Range, page = WINDOW_PAGE, max = WINDOW_MAX): MessageWindow {
	const lo = Math.max(0, r.lo - page);
	return windowOf(list, lo, Math.min(r.hi, lo + max));
}

/** `page` more messages below the window; the top is dropped beyond `max`. */
export function later(list: readonly Ordered[], r: Range, page = WINDOW_PAGE, max = WINDOW_MAX): MessageWindow {
	const hi = Math.min(list.length, r.hi + page);
	return windowOf(list, Math.max(r.lo, hi - max), hi);
}

/** The oldest messages (for Home). */
export function oldest(list: readonly Ordered[], size = WINDOW_SIZE): MessageWindow {
	return windowOf(list, 0, size);
}

/** A window of about `size` messages around message `index` (to show one message, e.g. a replied one). */
export function around(list: readonly Ordered[], index: number, size = WINDOW_SIZE): MessageWindow {
	const lo = Math.max(0, Math.min(index - (size >> 1), list.length - size));
	return windowOf(list, lo, lo + size);
}
