/**
 * A moderator's warning note (docs/PROTOCOL.md §13.5): the body of a `warn` op, readable by its
 * target and the group's moderators and admins only. One random key seals the note; that key is
 * sealed to each reader's per-group box key. The target is inside, so the relay and the other
 * members learn only that a moderator sent someone a note.
 */
import * as v from 'valibot';
import { fromUtf8, utf8 } from '../core/bytes.ts';
import { canonicalJson, labelled } from '../core/cjson.ts';
import { LABEL } from '../core/labels.ts';
import { ProtocolError } from '../core/errors.ts';
import { key32 } from '../core/schema.ts';
import { openForReader, sealForReaders } from './reader-seal.ts';

/** Longest note, in UTF-16 code units. */
export const MAX_WARN_TEXT = 1000;
/** Most readers one note is sealed to (so that a body stays within 16 KiB, §3.1). */
export const MAX_WARN_READERS = 180;

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
	return sealForReaders(utf8(canonicalJson(parsed.output)), ad(group, author), readers, MAX_WARN_READERS, fixed);
}

/** Opens a `warn` body with my per-group box keys; null when it is not for me or is malformed. */
export function openWarn(group: string, author: string, me: { boxPk: Uint8Array; boxSk: Uint8Array }, body: string): WarnNote | null {
	const plain = openForReader(body, ad(group, author), me);
	if (!plain) return null;
	try {
		const parsed = v.safeParse(noteSchema, JSON.parse(fromUtf8(plain)));
		return parsed.success ? parsed.output : null;
	} catch {
		return null;
	}
}
