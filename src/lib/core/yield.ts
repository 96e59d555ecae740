/**
 * Lets the page breathe between slices of long work (reading a long history, verifying a
 * backlog): `scheduler.yield()` where the browser has it (the work resumes ahead of other
 * tasks), else a zero-delay timer. Input, painting and other tasks run in between.
 */
export function yieldToPage(): Promise<void> {
	const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
	if (typeof scheduler?.yield === 'function') return scheduler.yield();
	return new Promise((resolve) => setTimeout(resolve, 0));
}
