/**
 * For a vitest file of malicious-relay tests: libsodium ready, and `start(names)` gives a world
 * (setup.ts) that is closed after each test. Kept apart from setup.ts, which Playwright imports.
 */
import { afterEach, beforeAll } from 'vitest';
import { startWorld, type World } from './setup.ts';
import { ready } from '../../src/lib/crypto/sodium.ts';

export function worldPerTest(): { start(names: string[]): Promise<World> } {
	let world: World | null = null;
	beforeAll(() => ready());
	afterEach(async () => {
		await world?.close();
		world = null;
	});
	return { start: async (names) => (world = await startWorld(names)) };
}
