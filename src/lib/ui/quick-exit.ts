/**
 * Quick exit, like GOV.UK's "Exit this page": the screen is cleared synchronously (before the
 * browser can paint again), keys are wiped from memory (client.lock, then the storage key), and
 * the tab is replaced by a neutral page. `location.replace` keeps the app's current page out of the
 * back history, and every in-app navigation replaces its entry too (data-sveltekit-replacestate in
 * app.html), so Back does not lead into the app either. Nothing is requested from any other site
 * unless exitTarget() is changed to point there.
 *
 * What it cannot do: erase the browser's history or downloads (the help page says so).
 */
export const NEUTRAL_PAGE = '/weather.html';

/** Where quick exit goes. The one place to change it (e.g. to a configurable external address). */
export function exitTarget(): string {
	return NEUTRAL_PAGE;
}

/** Longest wait for the keys to be wiped before leaving anyway (leaving also drops them). */
const LOCK_WAIT_MS = 1500;

export function quickExit(lock: () => Promise<void>): Promise<void> {
	document.title = 'Weather';
	document.body.replaceChildren();
	let locking: Promise<void>;
	try {
		locking = lock();
	} catch {
		locking = Promise.resolve();
	}
	// The client writes what is pending and wipes its keys first; leaving the page before that
	// would also drop them, so a slow flush never holds the exit up for long.
	const capped = Promise.race([locking.catch(() => undefined), new Promise<void>((done) => setTimeout(done, LOCK_WAIT_MS))]);
	return capped.then(() => location.replace(exitTarget()));
}

export const SHIFT_PRESSES = 3;
export const SHIFT_WINDOW_MS = 5000;

/**
 * GOV.UK's shortcut: Shift pressed on its own three times within 5 seconds. `onCount` hears each
 * press that counts (1, 2) and 0 when the count lapses; `onExit` runs on the third. Shift held for
 * a capital letter does not count (any other key resets the count), nor does a key held down.
 * Escape is deliberately not a shortcut: it closes dialogs and menus and stops page loads, so it
 * is pressed by accident. Returns the remover.
 */
export function listenForShiftPresses(onCount: (pressed: number) => void, onExit: () => void): () => void {
	let pressed = 0;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const reset = () => {
		clearTimeout(timer);
		if (pressed !== 0) {
			pressed = 0;
			onCount(0);
		}
	};
	const onKey = (event: KeyboardEvent) => {
		if (event.key !== 'Shift') return reset();
		if (event.repeat) return;
		pressed += 1;
		if (pressed >= SHIFT_PRESSES) {
			clearTimeout(timer);
			pressed = 0;
			onExit();
			return;
		}
		if (pressed === 1) timer = setTimeout(reset, SHIFT_WINDOW_MS);
		onCount(pressed);
	};
	window.addEventListener('keydown', onKey, { capture: true });
	return () => {
		clearTimeout(timer);
		window.removeEventListener('keydown', onKey, { capture: true });
	};
}
