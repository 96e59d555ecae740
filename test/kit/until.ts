/** Polls `check` every 20 ms until it holds; fails after `ms` naming `what` was awaited. */
export async function until(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
		await new Promise((r) => setTimeout(r, 20));
	}
}
