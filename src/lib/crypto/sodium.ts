/**
 * The one libsodium instance (sumo build: Argon2id lives only there). Every crypto module
 * awaits `ready()` once and then uses the returned object synchronously.
 */
import sodiumModule from 'libsodium-wrappers-sumo';

export type Sodium = typeof sodiumModule;

let readyPromise: Promise<Sodium> | undefined;

export function ready(): Promise<Sodium> {
	readyPromise ??= sodiumModule.ready.then(() => sodiumModule);
	return readyPromise;
}

/** For code that runs after `await ready()`; throws if libsodium is not loaded yet. */
export function sodium(): Sodium {
	if (!readyPromise) throw new Error('libsodium used before ready()');
	return sodiumModule;
}
