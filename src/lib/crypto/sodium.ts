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

/** Nonces drawn per refill of the pool (PROTOCOL §1.1 "Random nonces"). */
const NONCES_PER_SEED = 256;
let pool: Uint8Array = new Uint8Array(0);
let used = 0;

/**
 * A fresh random nonce of `n` bytes (24 for XChaCha20-Poly1305) for a message or a stored record
 * (PROTOCOL §1.1 "Random nonces"): the next unused slice of a pool that libsodium expands from a
 * 32-byte seed (`randombytes_buf_deterministic`, ChaCha20), a fresh `randombytes_buf(32)` seed
 * per NONCES_PER_SEED nonces. libsodium's `randombytes_buf` reads the platform's source four
 * bytes per call from WebAssembly, which made a nonce per record cost a catch-up of thousands
 * of records a noticeable part of its time (issue 15). Nonces are public; the pool is not a secret.
 */
export function randomNonce(n: number): Uint8Array {
	if (used + n > pool.length) {
		const s = sodium();
		const seed = s.randombytes_buf(32);
		pool = s.randombytes_buf_deterministic(Math.max(n, 24) * NONCES_PER_SEED, seed);
		s.memzero(seed);
		used = 0;
	}
	const out = pool.slice(used, used + n);
	used += n;
	return out;
}
