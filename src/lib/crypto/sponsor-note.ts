/**
 * Sealed sponsorship notes (docs/PROTOCOL.md §11.2): a request and its answer travel as an
 * ordinary group message whose content holds a box sealed to one member. Everyone tries to open
 * every note; only the addressee can, and only a note naming this group, the envelope's sender
 * and the reader counts.
 */
import * as v from 'valibot';
import { fromB64, toB64 } from '../core/bytes.ts';
import { labelled, type CJson } from '../core/cjson.ts';
import { LABEL } from '../core/labels.ts';
import { MAX_NOTE_BOX } from '../core/content.ts';
import { ProtocolError } from '../core/errors.ts';
import { key32 } from '../core/schema.ts';
import { sealTo } from './box-key.ts';
import { openSealedValue } from './sealed-value.ts';
import { sodium } from './sodium.ts';

export const MAX_NOTE = 500;
const note = v.pipe(v.string(), v.maxLength(MAX_NOTE));
const noteId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/));
const pairCode = v.pipe(v.string(), v.regex(/^unseen-pair-2\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/));

export const noteBodySchema = v.variant('k', [
	v.strictObject({ k: v.literal('ask'), id: noteId, note, code: pairCode, r: v.optional(key32) }),
	v.strictObject({ k: v.literal('withdraw'), id: noteId }),
	v.strictObject({ k: v.literal('decline'), id: noteId, note }),
	v.strictObject({ k: v.literal('accept'), id: noteId, pair: key32, r: v.optional(key32), s: v.optional(key32) })
]);
export type NoteBody = v.InferOutput<typeof noteBodySchema>;

const plainSchema = v.strictObject({ group: key32, from: key32, to: key32, body: noteBodySchema });

/**
 * A note's `bind` (§6.3 "Reports from a pair"): H("unseen/v1/pair-bind", {group, key, r}), b64.
 * `key` is the sender's pair pseudonym, `r` 32 random bytes sealed in the note's body.
 */
export function pairBind(group: string, key: string, r: string): string {
	return toB64(sodium().crypto_hash_sha256(labelled(LABEL.pairBind, { group, key, r })));
}

/**
 * A pair genesis's `settings.met` tag (§3.2): H("unseen/v1/pair-met", {met, s}), b64. `met` is
 * the id of the group where the two met, `s` the 32 random bytes the sponsor draws and seals in
 * the accept; the relay answers a pair's stamp checks only to a moderator of `met` holding `s`.
 */
export function pairMetTag(met: string, s: string): string {
	return toB64(sodium().crypto_hash_sha256(labelled(LABEL.pairMet, { met, s })));
}

/** Whether `s` opens a pair genesis's `met` tag for group `met` (constant time); false without a tag. */
export function pairMetHolds(met: string, s: string, tag: string | undefined): boolean {
	if (tag === undefined) return false;
	const a = fromB64(pairMetTag(met, s));
	const b = fromB64(tag);
	return a.length === b.length && sodium().memcmp(a, b);
}

/** A fresh `r` for a note's bind, or the random `bind` of a note that binds nothing: 32 random bytes. */
export function randomBind(): string {
	return toB64(sodium().randombytes_buf(32));
}

/** The signPk of the pseudonym a pair code names (the asker's key in the pair, §7.1). */
export function codeKey(code: string): string {
	return code.split('.')[1]!;
}

/**
 * Whether a note's `bind` opens with its body's `r` to `key` in `group` (constant time). A note
 * without `r` (an older version) binds nothing: undefined.
 */
export function bindHolds(group: string, key: string, r: string | undefined, bind: string | undefined): boolean | undefined {
	if (r === undefined) return undefined;
	if (bind === undefined) return false;
	const a = fromB64(pairBind(group, key, r));
	const b = fromB64(bind);
	return a.length === b.length && sodium().memcmp(a, b);
}

/** A fresh request id: 16 random bytes. */
export function newNoteId(): string {
	return toB64(sodium().randombytes_buf(16));
}

/** `box` for a `note` content from `from` to `to` (per-group sign keys) in `group`. */
export function sealNote(group: string, from: string, to: { sign: string; box: string }, body: NoteBody): string {
	const parsed = v.safeParse(noteBodySchema, body);
	if (!parsed.success) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'bad sponsorship note');
	const plain = labelled(LABEL.sponsorNote, { group, from, to: to.sign, body: parsed.output as CJson });
	const box = sealTo(plain, fromB64(to.box), 'note recipient');
	if (box.length > MAX_NOTE_BOX) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'sponsorship note too long');
	return toB64(box);
}

/**
 * Opens a note's `box` as `me` (its per-group keys) in `group`, sent by `from`. Null when it is
 * not for me or is not a well-formed note of this group from this sender (§11.2).
 */
export function openNote(group: string, from: string, me: { sign: string; boxPk: Uint8Array; boxSk: Uint8Array }, box: string): NoteBody | null {
	const parsed = openSealedValue(box, me.boxPk, me.boxSk, LABEL.sponsorNote, plainSchema);
	if (!parsed) return null;
	const { group: g, from: f, to, body } = parsed;
	if (g !== group || f !== from || to !== me.sign) return null;
	return body;
}
