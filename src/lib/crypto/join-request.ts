/**
 * A newcomer's word to the moderators (docs/PROTOCOL.md §13.8): the body of a `request` op,
 * readable by the group's moderators and admins only. The newcomer holds no epoch key yet, so
 * its name and optional note are sealed to the moderators' box keys, the warning note's
 * construction (§13.5) under the label `unseen/v1/join-request`.
 */
import * as v from 'valibot';
import { fromUtf8, utf8 } from '../core/bytes.ts';
import { canonicalJson, labelled } from '../core/cjson.ts';
import { LABEL } from '../core/labels.ts';
import { ProtocolError } from '../core/errors.ts';
import { openForReader, sealForReaders } from './reader-seal.ts';

/** Longest note, in UTF-16 code units. */
export const MAX_REQUEST_NOTE = 500;
/** Most readers (§13.8): 160 wraps plus the longest content fit a 16 KiB body (§3.1). */
export const MAX_REQUEST_READERS = 160;

const requestSchema = v.strictObject({
	profile: v.strictObject({ name: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) }),
	note: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_REQUEST_NOTE)))
});
export type RequestNote = v.InferOutput<typeof requestSchema>;

const ad = (group: string, author: string, invite: string) => labelled(LABEL.joinRequest, { group, author, invite });

/** The body of a `request` by `author` through `invite` in `group`, sealed to `readers` (box keys). */
export function sealRequest(group: string, author: string, invite: string, note: RequestNote, readers: readonly string[], fixed?: { key: Uint8Array; nonce: Uint8Array }): string {
	const clean: RequestNote = { profile: { name: note.profile.name }, ...(note.note ? { note: note.note } : {}) };
	const parsed = v.safeParse(requestSchema, clean);
	if (!parsed.success) throw new ProtocolError('PROTOCOL_BAD_FRAME', `a request needs a name of 1 to 64 characters and a note of at most ${MAX_REQUEST_NOTE}`);
	const plain = utf8(canonicalJson(parsed.output));
	return sealForReaders(plain, ad(group, author, invite), readers, MAX_REQUEST_READERS, fixed);
}

/** Opens a `request` body with my per-group box keys; null when it is not for me or is malformed. */
export function openRequest(group: string, author: string, invite: string, me: { boxPk: Uint8Array; boxSk: Uint8Array }, body: string): RequestNote | null {
	const plain = openForReader(body, ad(group, author, invite), me);
	if (!plain) return null;
	try {
		const parsed = v.safeParse(requestSchema, JSON.parse(fromUtf8(plain)));
		return parsed.success ? parsed.output : null;
	} catch {
		return null;
	}
}
