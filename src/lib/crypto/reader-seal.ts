/**
 * A value sealed once for several readers (docs/PROTOCOL.md §13.5, §13.8): one random key `k`
 * seals the plaintext with AEAD under the caller's associated data; `k` is sealed to each
 * reader's box key. `body = n (1 byte) ‖ wrap_1 ‖ … ‖ wrap_n ‖ nonce ‖ ct`, the wraps in a
 * random order so a position says nothing about who. Used by a moderator's warning note and a
 * newcomer's join request.
 */
import { concat, fromB64, toB64 } from '../core/bytes.ts';
import { ProtocolError } from '../core/errors.ts';
import { aeadOpen, aeadSeal } from './aead.ts';
import { sealTo } from './box-key.ts';
import { sodium } from './sodium.ts';

const WRAP = 32 + 48;

/**
 * Seals `plain` (wiped by the caller) for each distinct box key in `readers` (b64), 1 to `max`
 * of them. `fixed` (vectors only) gives the key and nonce and keeps the readers' order.
 */
export function sealForReaders(plain: Uint8Array, ad: Uint8Array, readers: readonly string[], max: number, fixed?: { key: Uint8Array; nonce: Uint8Array }): string {
	const unique = [...new Set(readers)];
	if (unique.length < 1 || unique.length > max) throw new ProtocolError('PROTOCOL_BAD_FRAME', `a note is sealed to 1 to ${max} readers`);
	const s = sodium();
	const k = fixed ? Uint8Array.from(fixed.key) : s.randombytes_buf(32);
	try {
		const wraps = unique.map((box) => sealTo(k, fromB64(box), 'note reader'));
		// Fisher-Yates with libsodium's uniform random: the position says nothing about who.
		for (let i = fixed ? 0 : wraps.length - 1; i > 0; i--) {
			const j = s.randombytes_uniform(i + 1);
			[wraps[i], wraps[j]] = [wraps[j]!, wraps[i]!];
		}
		return toB64(concat(Uint8Array.of(wraps.length), ...wraps, aeadSeal(k, plain, ad, fixed?.nonce)));
	} finally {
		s.memzero(k);
	}
}

/**
 * Opens a body of `sealForReaders` with my box key pair: the plaintext, or null when no wrap is
 * for me or the body is malformed (nothing is thrown: a note not for me is not an error).
 */
export function openForReader(body: string, ad: Uint8Array, me: { boxPk: Uint8Array; boxSk: Uint8Array }): Uint8Array | null {
	let bytes: Uint8Array;
	try {
		bytes = fromB64(body);
	} catch {
		return null;
	}
	const n = bytes[0] ?? 0;
	if (n < 1 || bytes.length < 1 + n * WRAP + 24 + 16) return null;
	const s = sodium();
	for (let i = 0; i < n; i++) {
		let k: Uint8Array;
		try {
			k = s.crypto_box_seal_open(bytes.subarray(1 + i * WRAP, 1 + (i + 1) * WRAP), me.boxPk, me.boxSk);
		} catch {
			continue;
		}
		try {
			if (k.length !== 32) return null;
			return aeadOpen(k, bytes.subarray(1 + n * WRAP), ad);
		} catch {
			return null;
		} finally {
			s.memzero(k);
		}
	}
	return null;
}
