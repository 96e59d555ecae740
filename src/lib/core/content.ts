/**
 * Message contents (docs/PROTOCOL.md §5.3): the plaintext inside an envelope is
 * `utf8(cjson(content))`. One valibot schema, a discriminated union on `t`; anything else, and
 * any non-canonical encoding, is PROTOCOL_BAD_FRAME so that one byte string has one meaning.
 */
import * as v from 'valibot';
import { fromUtf8, utf8 } from './bytes.ts';
import { canonicalJson, type CJson } from './cjson.ts';
import { ProtocolError } from './errors.ts';
import { b64, key32, uint } from './schema.ts';
import { progressContentSchema } from './progress.ts';

/** Longest text in characters (UTF-16 code units, as the UI counts). */
export const MAX_TEXT = 8000;
/**
 * Largest encoded content. Chosen so the padded, encrypted, base64url envelope of the largest
 * content still fits a 64 KiB relay frame (§9.1): 35 KiB → ≤ 48,384 padded → ≈ 64.5 K chars.
 */
export const MAX_CONTENT_BYTES = 35 * 1024;
/**
 * Largest sealed report box (§6.3, §9.8): a message and its shown edit, both of the largest
 * size (2 × 47,787 base64url characters), their headers and the note fit with room to spare,
 * so any message the relay accepts can be reported.
 */
export const MAX_REPORT_BOX = 128 * 1024;
/** Longest pseudonym or group name. */
export const MAX_NAME = 64;

const text = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_TEXT));
const name = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_NAME));
/** Largest reaction in UTF-8 bytes: one emoji, with its modifiers and joiners (§5.3). */
export const MAX_EMOJI_BYTES = 16;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** A pictograph, a flag (regional indicators) or a keycap starts the grapheme. */
const EMOJI_START = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|[#*0-9]\uFE0F?\u20E3)/u;

/**
 * A reaction is exactly one emoji grapheme of at most 16 bytes, so a reaction cannot carry a
 * sentence (text belongs in a message, where it is shown as one and can be edited or deleted).
 */
export function isSingleEmoji(value: string): boolean {
	if (value.length === 0 || utf8(value).length > MAX_EMOJI_BYTES) return false;
	const segments = [...graphemes.segment(value)];
	return segments.length === 1 && EMOJI_START.test(value);
}

const emoji = v.pipe(v.string(), v.check(isSingleEmoji, 'a reaction is a single emoji of at most 16 bytes'));
/** A message is addressed by (sender, epoch, ctr). */
export const messageRefSchema = v.strictObject({ sender: key32, epoch: uint, ctr: uint });
export type MessageRef = v.InferOutput<typeof messageRefSchema>;

export const helloContentSchema = v.strictObject({
	t: v.literal('hello'),
	esk: key32,
	macs: v.pipe(v.array(v.strictObject({ to: key32, mac: key32 })), v.maxLength(1000)),
	profile: v.strictObject({ name }),
	/** The sender's last counter in the previous epoch it sent in (§5.4 tail check); optional. */
	prev: v.optional(v.strictObject({ epoch: uint, ctr: uint }))
});
export type HelloContent = v.InferOutput<typeof helloContentSchema>;

/** Sponsorship limits (§11.1). */
export const MAX_INTRO = 500;
export const MAX_PLACES = 20;
export const MAX_NOTE_BOX = 4096;
/** Report inbox (§13.6): boxes per `case` content and the size of each. */
export const MAX_CASE_BOXES = 32;
export const MAX_CASE_BOX = 2048;
const minuteOfDay = v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(1439));
export const quietSchema = v.pipe(
	v.strictObject({ from: minuteOfDay, to: minuteOfDay }),
	v.check((q) => q.from !== q.to, 'quiet hours start and end at different times')
);
export type Quiet = v.InferOutput<typeof quietSchema>;

export const contentSchema = v.variant('t', [
	helloContentSchema,
	v.strictObject({
		t: v.literal('text'),
		text,
		cw: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
		reply: v.optional(messageRefSchema)
	}),
	v.strictObject({ t: v.literal('react'), to: messageRefSchema, emoji }),
	v.strictObject({ t: v.literal('edit'), to: messageRefSchema, text }),
	v.strictObject({ t: v.literal('delete'), to: messageRefSchema }),
	v.strictObject({ t: v.literal('profile'), name }),
	v.strictObject({
		t: v.literal('group-profile'),
		name,
		description: v.pipe(v.string(), v.maxLength(1000))
	}),
	v.strictObject({ t: v.literal('ask-to-speak') }),
	/** Progress shared with a sponsor or a milestone celebrated in a group (§12). */
	progressContentSchema,
	// Sponsorship (§11.1): availability, the group's switch, and sealed notes between two members.
	v.strictObject({
		t: v.literal('sponsor'),
		intro: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_INTRO)),
		places: v.pipe(uint, v.minValue(1), v.maxValue(MAX_PLACES)),
		taken: v.pipe(uint, v.maxValue(100)),
		quiet: v.optional(quietSchema)
	}),
	v.strictObject({ t: v.literal('sponsor-off') }),
	v.strictObject({ t: v.literal('sponsoring'), on: v.boolean() }),
	v.strictObject({ t: v.literal('note'), box: b64([48 + 1, MAX_NOTE_BOX]), bind: v.optional(b64(32)) }),
	/** Report inbox (§13.6): sealed case notes to the moderators and feedback to a reporter. */
	v.strictObject({ t: v.literal('case'), boxes: v.pipe(v.array(b64([48 + 1, MAX_CASE_BOX])), v.minLength(1), v.maxLength(MAX_CASE_BOXES)) })
	// No `system` type: notices ("X was removed", "keys changed") are made only by the local client,
	// so no member can forge one (review finding 4). A remote `{t: "system"}` is PROTOCOL_BAD_FRAME.
]);
export type Content = v.InferOutput<typeof contentSchema>;

function describe(issues: v.BaseIssue<unknown>[]): string {
	return issues
		.slice(0, 3)
		.map((i) => `${v.getDotPath(i) ?? '(content)'}: ${i.message}`)
		.join('; ');
}

/** Validates `content` and returns its bytes. Throws PROTOCOL_BAD_FRAME (with the bad paths). */
export function encodeContent(content: Content): Uint8Array {
	const parsed = v.safeParse(contentSchema, content);
	if (!parsed.success) throw new ProtocolError('PROTOCOL_BAD_FRAME', `bad content: ${describe(parsed.issues)}`);
	const bytes = utf8(canonicalJson(parsed.output as CJson));
	if (bytes.length > MAX_CONTENT_BYTES) {
		throw new ProtocolError('PROTOCOL_BAD_FRAME', `content is ${bytes.length} bytes, over ${MAX_CONTENT_BYTES}`);
	}
	return bytes;
}

/** Parses content bytes from a decrypted message. Throws PROTOCOL_BAD_FRAME. */
export function parseContent(bytes: Uint8Array): Content {
	if (bytes.length > MAX_CONTENT_BYTES) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'content too large');
	let raw: unknown;
	let textForm: string;
	try {
		textForm = fromUtf8(bytes);
		raw = JSON.parse(textForm);
	} catch {
		throw new ProtocolError('PROTOCOL_BAD_FRAME', 'content is not UTF-8 JSON');
	}
	const parsed = v.safeParse(contentSchema, raw);
	if (!parsed.success) throw new ProtocolError('PROTOCOL_BAD_FRAME', `bad content: ${describe(parsed.issues)}`);
	if (canonicalJson(parsed.output as CJson) !== textForm) {
		throw new ProtocolError('PROTOCOL_BAD_FRAME', 'content is not canonical JSON');
	}
	return parsed.output;
}
