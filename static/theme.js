// Applies the saved light/dark choice before the first paint (no flash), and the neutral name and
// icon when chosen (Settings → Name on this device), so the tab never shows "Unseen" first. A
// file, not an inline script, so the Content-Security-Policy needs no exception for it.
try {
	const saved = localStorage.getItem('unseen-theme');
	if (saved === 'light' || saved === 'dark') document.documentElement.setAttribute('data-theme', saved);
	if (localStorage.getItem('unseen-neutral') === '1') {
		document.title = 'Notes';
		document.querySelector('link[rel="icon"]')?.setAttribute('href', '/icons/notes-192.png');
		document.querySelector('link[rel="manifest"]')?.setAttribute('href', '/manifest-neutral.webmanifest');
		document.querySelector('link[rel="apple-touch-icon"]')?.setAttribute('href', '/icons/notes-192.png');
	}
} catch {
	// Storage blocked: the system theme and the usual name apply.
}
