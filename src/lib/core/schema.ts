/**
 * Schemas of the objects that travel inside frames: group operations (docs/PROTOCOL.md §3)
 * and message envelopes (§5.2). Parsed from `unknown` at both edges, relay and client.
 * Byte fields are base64url strings whose decoded length is checked here.
 */
import * as v from 'valibot';
import { b64Length } from './bytes.ts';

/**
 * A canonical base64url string (§1.2) that decodes to exactly `length` bytes (or within
 * `[min, max]`). One issue per bad field, saying which rule failed: another alphabet, padding or
 * non-zero tail bits are "not canonical base64url"; a canonical string of the wrong size "must
 * decode to N bytes, got M". Inside a schema both are schema failures (PROTOCOL_BAD_FRAME,
 * RELAY_BAD_FRAME), never PROTOCOL_BAD_ENCODING, which is for byte strings decoded on their own.
 */
export function b64(length: number | [number, number]) {
	const [min, max] = typeof length === 'number' ? [length, length] : length;
	const maxChars = Math.ceil((max * 4) / 3);
	const want = min === max ? `${min}` : `${min}..${max}`;
	return v.pipe(
		v.string(),
		// Bounded before decoding, so an oversized string costs nothing to refuse.
		v.maxLength(maxChars, `must decode to ${want} bytes, got more`),
		v.rawCheck(({ dataset, addIssue }) => {
			if (!dataset.typed || dataset.issues) return;
			const n = b64Length(dataset.value);
			if (n < 0) return addIssue({ message: 'is not canonical base64url' });
			if (n < min || n > max) addIssue({ message: `must decode to ${want} bytes, got ${n}` });
		})
	);
}

/**
 * Names every failed path of a schema parse (at most `max`): `entry.op.parent: must decode to
 * 32 bytes, got 33`, `entry.op.extra: unknown field`. Used for every error a schema failure
 * raises, on the relay (RELAY_BAD_FRAME) and in the client core (PROTOCOL_BAD_FRAME).
 */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[], whole: string, max = 5): string {
	return issues
		.slice(0, max)
		.map((issue) => {
			const path = v.getDotPath(issue) ?? whole;
			// A strict object reports an extra member as "Invalid key: Expected never".
			const message = issue.kind === 'schema' && issue.expected === 'never' ? 'unknown field' : issue.message;
			return `${path}: ${message}`;
		})
		.join('; ');
}

export const key32 = b64(32);
export const sig64 = b64(64);
export const uint = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

export const roleSchema = v.picklist(['admin', 'moderator', 'member', 'listener']);
export type Role = v.InferOutput<typeof roleSchema>;

/** `rk`: the member's first receive key (§4.4), only in an entry naming someone other than the op's author. */
export const memberSchema = v.strictObject({ sign: key32, box: key32, role: roleSchema, rk: v.optional(key32) });
export type Member = v.InferOutput<typeof memberSchema>;

export const settingsSchema = v.strictObject({
	retention: uint,
	rotate: uint,
	invite: v.picklist(['admins', 'members']),
	listeners: v.boolean(),
	listenersMaySpeak: v.boolean(),
	pair: v.boolean(),
	/** Slow mode (§13.7): seconds between a member's posts; absent = off. */
	slow: v.optional(v.pipe(uint, v.maxValue(86_400))),
	/** Link limit (§13.7): "none" = only moderators and admins post links; absent = any. */
	links: v.optional(v.picklist(['any', 'none'])),
	/** Approval of new members (§13.8): `true` = a newcomer asks (`request`) and a moderator approves; absent = off. */
	approve: v.optional(v.literal(true)),
	/** Only in a pair's genesis: H("unseen/v1/pair-met", {met, s}) (§3.2, §9.7). */
	met: v.optional(key32)
});
export type Settings = v.InferOutput<typeof settingsSchema>;

/** Sealed epoch secret for one member: crypto_box_seal of 32 bytes = 80 bytes. */
export const sealedKeySchema = v.strictObject({ to: key32, box: b64(80) });

const MAX_MEMBERS = 1000;
const body = b64([24 + 16, 16 * 1024]);

const common = {
	v: v.literal(1),
	author: key32,
	at: uint,
	sig: sig64
};
/** The longest mute a `mute` op may set (§13.3): one week, in seconds. */
export const MAX_MUTE_SECONDS = 604_800;

const chained = { ...common, group: key32, parent: key32 };
const epochFields = {
	epoch: uint,
	keys: v.pipe(v.array(sealedKeySchema), v.minLength(1), v.maxLength(MAX_MEMBERS)),
	commit: key32,
	/** The author's next receive key (§4.4); optional so that logs written before it stay valid. */
	rk: v.optional(key32)
};

export const opSchema = v.variant('kind', [
	v.strictObject({
		kind: v.literal('genesis'),
		...common,
		nonce: key32,
		settings: settingsSchema,
		members: v.pipe(v.array(memberSchema), v.minLength(1), v.maxLength(MAX_MEMBERS)),
		...epochFields,
		body
	}),
	v.strictObject({
		kind: v.literal('invite'),
		...chained,
		invite: v.strictObject({
			key: key32,
			expires: uint,
			maxUses: v.pipe(uint, v.minValue(1), v.maxValue(1000)),
			role: v.picklist(['member', 'listener'])
		}),
		body
	}),
	v.strictObject({ kind: v.literal('revoke'), ...chained, invite: key32 }),
	v.strictObject({
		kind: v.literal('join'),
		...chained,
		member: memberSchema,
		invite: key32,
		...epochFields,
		body,
		inviteSig: sig64
	}),
	v.strictObject({ kind: v.literal('add'), ...chained, member: memberSchema, ...epochFields }),
	v.strictObject({ kind: v.literal('remove'), ...chained, target: key32, ...epochFields }),
	v.strictObject({ kind: v.literal('leave'), ...chained }),
	v.strictObject({ kind: v.literal('rekey'), ...chained, ...epochFields }),
	v.strictObject({ kind: v.literal('role'), ...chained, target: key32, role: roleSchema }),
	v.strictObject({ kind: v.literal('settings'), ...chained, settings: settingsSchema, body }),
	v.strictObject({ kind: v.literal('hide'), ...chained, target: v.pipe(uint, v.minValue(1)), body: v.optional(body) }),
	// A moderator mutes a member for `duration` seconds of relay time (§13.3); 0 lifts it.
	v.strictObject({ kind: v.literal('mute'), ...chained, target: key32, duration: v.pipe(uint, v.maxValue(MAX_MUTE_SECONDS)) }),
	// A moderator shows a hidden message again (§13.4).
	v.strictObject({ kind: v.literal('unhide'), ...chained, target: v.pipe(uint, v.minValue(1)) }),
	// A moderator's note to one member, sealed to them and the moderators (§13.5).
	v.strictObject({ kind: v.literal('warn'), ...chained, body }),
	v.strictObject({ kind: v.literal('end'), ...chained }),
	// A listener asks to speak (§3.3): recorded in the state until their role changes.
	v.strictObject({ kind: v.literal('ask'), ...chained }),
	// Any member publishes a fresh receive key (§4.4), once per epoch, naming the current epoch.
	v.strictObject({ kind: v.literal('key'), ...chained, epoch: uint, rk: key32 }),
	// A newcomer asks to join a group with approval (§13.8): no epoch fields, a note sealed to the moderators.
	v.strictObject({ kind: v.literal('request'), ...chained, member: memberSchema, invite: key32, rk: key32, body, inviteSig: sig64 }),
	// A moderator lets a pending requester in (§13.8): a new epoch sealed to the members and to it.
	v.strictObject({ kind: v.literal('approve'), ...chained, target: key32, ...epochFields }),
	// A moderator refuses a pending request, or the requester withdraws it (§13.8).
	v.strictObject({ kind: v.literal('decline'), ...chained, target: key32 })
]);
export type Op = v.InferOutput<typeof opSchema>;

/** Message envelope (§5.2): clear header plus nonce and ciphertext. */
export const envelopeSchema = v.strictObject({
	v: v.literal(1),
	group: key32,
	epoch: uint,
	sender: key32,
	ctr: uint,
	state: key32,
	c: key32,
	n: b64(24),
	ct: b64([16 + 256, 48 * 1024])
});
export type Envelope = v.InferOutput<typeof envelopeSchema>;
export type EnvelopeHeader = Omit<Envelope, 'n' | 'ct'>;

const opEntry = v.strictObject({ op: opSchema });
const msgEntry = v.strictObject({ msg: envelopeSchema });
/**
 * A log entry is `{op}` or `{msg}`. Chosen by its member rather than tried as a union, so that a
 * failure names the path inside the op or envelope (a union of two strict objects only says
 * "Expected Object but received Object").
 */
export const entrySchema = v.lazy((input: unknown) =>
	typeof input === 'object' && input !== null && Object.hasOwn(input, 'msg') && !Object.hasOwn(input, 'op') ? msgEntry : opEntry
);
export type Entry = v.InferOutput<typeof entrySchema>;

/** The signed erase a tombstone carries in place of the message its sender deleted (§9.8a). */
export const erasedSchema = v.strictObject({ sender: key32, epoch: uint, ctr: uint, by: uint, sig: sig64 });
export type Erased = v.InferOutput<typeof erasedSchema>;
const erasedEntry = v.strictObject({ erased: erasedSchema });
/** What the relay serves in the log (§9.5): an entry, or a tombstone (§9.8a). Appends are `entrySchema` only. */
export const storedEntrySchema = v.lazy((input: unknown) =>
	typeof input === 'object' && input !== null && Object.hasOwn(input, 'erased') && !Object.hasOwn(input, 'op') && !Object.hasOwn(input, 'msg') ? erasedEntry : entrySchema
);
export type StoredEntry = Entry | { erased: Erased };
