/**
 * Schemas of the objects that travel inside frames: group operations (docs/PROTOCOL.md §3)
 * and message envelopes (§5.2). Parsed from `unknown` at both edges, relay and client.
 * Byte fields are base64url strings whose decoded length is checked here.
 */
import * as v from 'valibot';
import { fromB64 } from './bytes.ts';

const B64_RE = /^[A-Za-z0-9_-]*$/;

/** A base64url string that decodes to exactly `length` bytes (or within `[min, max]`). */
export function b64(length: number | [number, number]) {
	const [min, max] = typeof length === 'number' ? [length, length] : length;
	const maxChars = Math.ceil((max * 4) / 3);
	return v.pipe(
		v.string(),
		v.maxLength(maxChars),
		v.regex(B64_RE, 'not base64url'),
		v.check((s) => {
			try {
				const n = fromB64(s).length;
				return n >= min && n <= max;
			} catch {
				return false;
			}
		}, `must decode to ${min === max ? min : `${min}..${max}`} bytes`)
	);
}

export const key32 = b64(32);
export const sig64 = b64(64);
export const uint = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

export const roleSchema = v.picklist(['admin', 'moderator', 'member', 'listener']);
export type Role = v.InferOutput<typeof roleSchema>;

export const memberSchema = v.strictObject({ sign: key32, box: key32, role: roleSchema });
export type Member = v.InferOutput<typeof memberSchema>;

export const settingsSchema = v.strictObject({
	retention: uint,
	rotate: uint,
	invite: v.picklist(['admins', 'members']),
	listeners: v.boolean(),
	listenersMaySpeak: v.boolean(),
	pair: v.boolean()
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
const chained = { ...common, group: key32, parent: key32 };
const epochFields = {
	epoch: uint,
	keys: v.pipe(v.array(sealedKeySchema), v.minLength(1), v.maxLength(MAX_MEMBERS)),
	commit: key32
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
	v.strictObject({ kind: v.literal('end'), ...chained }),
	// A listener asks to speak (§3.3): recorded in the state until their role changes.
	v.strictObject({ kind: v.literal('ask'), ...chained })
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

export const entrySchema = v.union([v.strictObject({ op: opSchema }), v.strictObject({ msg: envelopeSchema })]);
export type Entry = v.InferOutput<typeof entrySchema>;
