/**
 * For a vitest file of malicious-relay tests: libsodium ready, and a world (setup.ts) per test,
 * closed after it. Kept apart from setup.ts, which Playwright imports (and vitest must not be).
 */
import { afterEach, beforeAll } from 'vitest';
import { groupWithVictim, startWorld, type Tamperer, type World } from './setup.ts';
import { ready } from '../../src/lib/crypto/sodium.ts';

export interface WorldPerTest {
	/** Starts this test's world: the real relay, the tampering proxy, one client per name. */
	start(names: string[]): Promise<World>;
	/**
	 * Starts this test's world of `names`; the first makes a group that the others join, and
	 * every entry on its way to `victim` passes through `tamper`, from before the group exists.
	 */
	withVictim(names: string[], victim: string): Promise<{ world: World; tamper: Tamperer; group: string }>;
	/** The running test's world (for helpers outside the test's own scope). */
	readonly current: World;
}

/** Call once at the top of a test file. */
export function useWorld(): WorldPerTest {
	let world: World | null = null;
	beforeAll(() => ready());
	afterEach(async () => {
		await world?.close();
		world = null;
	});
	const start = async (names: string[]) => (world = await startWorld(names));
	return {
		start,
		async withVictim(names, victim) {
			const started = await start(names);
			const [admin, ...others] = names;
			return { world: started, ...(await groupWithVictim(started, victim, admin!, others)) };
		},
		get current() {
			if (!world) throw new Error('no world started in this test');
			return world;
		}
	};
}
