/**
 * The report inbox's sealed boxes (docs/PROTOCOL.md §13.6): a case note from one moderator to
 * another (take, resolve with an outcome, a short note), sealed to the reader's per-group box
 * key, and a feedback to the reporter, sealed to the one-time reply key the report carried.
 * Both travel inside an ordinary group message (`{t: "case", boxes}`); only their readers can
 * open them, and a box that is not for the reader opens to null, silently.
 */
import * as v from 'valibot';
import { fromB64, toB64 } from '../core/bytes.ts';
import { labelled, type CJson } from '../core/cjson.ts';
import { LABEL } from '../core/labels.ts';
import { MAX_CASE_BOX } from '../core/content.ts';
import { ProtocolError } from '../core/errors.ts';
import { key32 } from '../core/schema.ts';
import { sealTo } from './box-key.ts';
import { openSealedValue } from './sealed-value.ts';
import { sodium } from './sodium.ts';

export const MAX_CASE_NOTE = 500;
export const OUTCOMES = ['none', 'hidden', 'warned', 'muted', 'removed'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export type Feedback = 'received' | 'acted' | 'reviewed';

export const caseIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/));
export const caseBodySchema = v.variant('k', [
	v.strictObject({ id: caseIdSchema, k: v.literal('take') }),
	v.strictObject({ id: caseIdSchema, k: v.literal('resolve'), outcome: v.picklist(OUTCOMES) }),
	v.strictObject({ id: caseIdSchema, k: v.literal('note'), text: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_CASE_NOTE)) })
]);
export type CaseBody = v.InferOutput<typeof caseBodySchema>;

const modPlain = v.strictObject({ group: key32, from: key32, to: key32, body: caseBodySchema });
const ackPlain = v.strictObject({ group: key32, id: caseIdSchema, k: v.picklist(['received', 'acted', 'reviewed'] as const) });

/** A fresh case id: 16 random bytes. */
export function newCaseId(): string {
	return toB64(sodium().randombytes_buf(16));
}

/** A fresh one-time reply key pair for one report (§13.6). */
export function newReplyKey(): { pk: string; sk: string } {
	const kp = sodium().crypto_box_keypair();
	return { pk: toB64(kp.publicKey), sk: toB64(kp.privateKey) };
}

function seal(label: string, value: CJson, to: string, field: string): string {
	const plain = labelled(label, value);
	try {
		const box = sealTo(plain, fromB64(to, field), field);
		if (box.length > MAX_CASE_BOX) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'case note too long');
		return toB64(box);
	} finally {
		sodium().memzero(plain);
	}
}

/** A case note from `from` to moderator `to` (per-group keys) in `group`. */
export function sealCaseNote(group: string, from: string, to: { sign: string; box: string }, body: CaseBody): string {
	const parsed = v.safeParse(caseBodySchema, body);
	if (!parsed.success) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'bad report case note');
	return seal(LABEL.reportCase, { group, from, to: to.sign, body: parsed.output as CJson }, to.box, 'moderator key');
}

/** The feedback for the reporter of case `id`, sealed to its one-time reply key. */
export function sealFeedback(group: string, id: string, reply: string, k: Feedback): string {
	return seal(LABEL.reportFeedback, { group, id, k }, reply, 'reply key');
}

/** A case note for `me` in `group` from the envelope's sender `from`; null when not one (§13.6). */
export function openCaseNote(group: string, from: string, me: { sign: string; boxPk: Uint8Array; boxSk: Uint8Array }, box: string): CaseBody | null {
	const plain = openSealedValue(box, me.boxPk, me.boxSk, LABEL.reportCase, modPlain);
	if (!plain || plain.group !== group || plain.from !== from || plain.to !== me.sign) return null;
	return plain.body;
}

/** A feedback for my case `id` in `group`, opened with its reply key pair (b64); null when not one. */
export function openFeedback(group: string, id: string, reply: { pk: string; sk: string }, box: string): Feedback | null {
	const plain = openSealedValue(box, fromB64(reply.pk), fromB64(reply.sk), LABEL.reportFeedback, ackPlain);
	if (!plain || plain.group !== group || plain.id !== id) return null;
	return plain.k;
}
