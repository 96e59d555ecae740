/**
 * Quick exit: the screen is cleared synchronously (before the browser can paint again), keys are
 * wiped from memory (client.lock, then the storage key), and the tab is replaced by a neutral local page. `location.replace` keeps
 * the app's current page out of the back history, and every in-app navigation replaces its entry
 * too (data-sveltekit-replacestate in app.html), so Back does not lead into the app either.
 * Nothing is requested from any other site.
 */
export const NEUTRAL_PAGE = '/weather.html';

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
	return capped.then(() => location.replace(NEUTRAL_PAGE));
}

/** Calls `onExit` when Escape is pressed twice within `windowMs`. Returns the remover. */
export function listenForDoubleEscape(onExit: () => void, windowMs = 1000): () => void {
	let last = -Infinity;
	const onKey = (event: KeyboardEvent) => {
		if (event.key !== 'Escape') return;
		const now = performance.now();
		if (now - last <= windowMs) onExit();
		last = now;
	};
	window.addEventListener('keydown', onKey, { capture: true });
	return () => window.removeEventListener('keydown', onKey, { capture: true });
}
