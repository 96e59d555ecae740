/**
 * A moderator's warning note (docs/PROTOCOL.md §13.5): the body of a `warn` op, readable by its
 * target and the group's moderators and admins only. One random key seals the note; that key is
 * sealed to each reader's per-group box key. The target is inside, so the relay and the other
 * members learn only that a moderator sent someone a note.
 */
import * as v from 'valibot';
import { concat, fromB64, fromUtf8, toB64, utf8 } from '../core/bytes.ts';
import { canonicalJson, labelled } from '../core/cjson.ts';
import { LABEL } from '../core/labels.ts';
import { ProtocolError } from '../core/errors.ts';
import { key32 } from '../core/schema.ts';
import { aeadOpen, aeadSeal } from './aead.ts';
import { sealTo } from './box-key.ts';
import { sodium } from './sodium.ts';

/** Longest note, in UTF-16 code units. */
export const MAX_WARN_TEXT = 1000;
/** Most readers one note is sealed to (so that a body stays within 16 KiB, §3.1). */
export const MAX_WARN_READERS = 180;
const WRAP = 32 + 48;

const noteSchema = v.strictObject({ target: key32, text: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_WARN_TEXT)) });
export type WarnNote = v.InferOutput<typeof noteSchema>;

const ad = (group: string, author: string) => labelled(LABEL.warn, { group, author });

/**
 * The body of a `warn` op from `author` in `group`, sealed to `readers` (each `{box}` a per-group
 * box key: the target and every moderator and admin, §13.5), in a random order. `fixed` (vectors
 * only) gives the note key and nonce and keeps the readers' order.
 */
export function sealWarn(group: string, author: string, note: WarnNote, readers: readonly string[], fixed?: { key: Uint8Array; nonce: Uint8Array }): string {
	const parsed = v.safeParse(noteSchema, note);
	if (!parsed.success) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'a note needs 1 to 1,000 characters and a member');
	const unique = [...new Set(readers)];
	if (unique.length < 1 || unique.length > MAX_WARN_READERS) throw new ProtocolError('PROTOCOL_BAD_FRAME', `a note is sealed to 1 to ${MAX_WARN_READERS} readers`);
	const s = sodium();
	const k = fixed ? Uint8Array.from(fixed.key) : s.randombytes_buf(32);
	try {
		const wraps = unique.map((box) => sealTo(k, fromB64(box), 'note reader'));
		// Fisher-Yates with libsodium's uniform random: the position says nothing about who.
		for (let i = fixed ? 0 : wraps.length - 1; i > 0; i--) {
			const j = s.randombytes_uniform(i + 1);
			[wraps[i], wraps[j]] = [wraps[j]!, wraps[i]!];
		}
		const sealed = aeadSeal(k, utf8(canonicalJson(parsed.output)), ad(group, author), fixed?.nonce);
		return toB64(concat(Uint8Array.of(wraps.length), ...wraps, sealed));
	} finally {
		s.memzero(k);
	}
}

/** Opens a `warn` body with my per-group box keys; null when it is not for me or is malformed. */
export function openWarn(group: string, author: string, me: { boxPk: Uint8Array; boxSk: Uint8Array }, body: string): WarnNote | null {
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
			const plain = fromUtf8(aeadOpen(k, bytes.subarray(1 + n * WRAP), ad(group, author)));
			const parsed = v.safeParse(noteSchema, JSON.parse(plain));
			return parsed.success ? parsed.output : null;
		} catch {
			return null;
		} finally {
			s.memzero(k);
		}
	}
	return null;
}
