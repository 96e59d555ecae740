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

/**
 * `n` bytes from the platform's CSPRNG (Web Crypto `getRandomValues`, in browsers and Node 22),
 * the same source libsodium.js draws from. libsodium's own `randombytes_buf` calls into it four
 * bytes at a time from WebAssembly; nonces for the many records of a catch-up are drawn here in
 * one call each instead (issue 15).
 */
export function randomBytes(n: number): Uint8Array {
	const out = new Uint8Array(n);
	// getRandomValues fills at most 65,536 bytes per call.
	for (let at = 0; at < n; at += 65_536) globalThis.crypto.getRandomValues(out.subarray(at, Math.min(n, at + 65_536)));
	return out;
}
