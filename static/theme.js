// Applies the saved light/dark choice before the first paint (no flash). A file, not an inline
// script, so the Content-Security-Policy needs no exception for it.
try {
	const saved = localStorage.getItem('unseen-theme');
	if (saved === 'light' || saved === 'dark') document.documentElement.setAttribute('data-theme', saved);
} catch {
	// Storage blocked: the system theme applies.
}
