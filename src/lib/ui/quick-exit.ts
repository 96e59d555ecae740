/**
 * Quick exit: the screen is cleared synchronously (before the browser can paint again), keys are
 * dropped from memory, and the tab is replaced by a neutral local page. `location.replace` keeps
 * the app's current page out of the back history, and every in-app navigation replaces its entry
 * too (data-sveltekit-replacestate in app.html), so Back does not lead into the app either.
 * Nothing is requested from any other site.
 */
export const NEUTRAL_PAGE = '/weather.html';

export function quickExit(lock: () => void): void {
	document.title = 'Weather';
	document.body.replaceChildren();
	try {
		lock();
	} finally {
		location.replace(NEUTRAL_PAGE);
	}
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
