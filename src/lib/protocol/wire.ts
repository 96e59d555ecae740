/**
 * Relay protocol v1 frames (docs/PROTOCOL.md §9). One schema per direction, a discriminated
 * union on `t`; both the relay and the client parse every frame with `parseClientFrame` /
 * `parseRelayFrame` and never touch an unparsed one.
 */
import * as v from 'valibot';
import { b64, describeIssues, entrySchema, key32, opSchema, sig64, storedEntrySchema, uint } from '../core/schema.ts';
import { MAX_REPORT_BOX } from '../core/content.ts';

const requestId = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const sealedFor = v.pipe(
	v.array(v.strictObject({ to: key32, box: b64([48, MAX_REPORT_BOX]) })),
	v.minLength(1),
	v.maxLength(64)
);

export const clientFrameSchema = v.variant('t', [
	v.strictObject({ t: v.literal('auth'), id: requestId, key: key32, sig: sig64 }),
	v.strictObject({ t: v.literal('append'), id: requestId, group: key32, mid: b64(16), entry: entrySchema }),
	// `batch`: the backlog comes as `entries` frames (§9.5 "Backlog in batches").
	v.strictObject({ t: v.literal('sub'), id: requestId, group: key32, as: key32, after: uint, batch: v.optional(v.literal(true)) }),
	v.strictObject({ t: v.literal('unsub'), id: requestId, group: key32 }),
	v.strictObject({ t: v.literal('invite'), id: requestId, group: key32, key: key32, sig: sig64, after: v.optional(uint) }),
	v.strictObject({
		t: v.literal('verify'),
		id: requestId,
		as: key32,
		group: key32,
		seq: uint,
		ts: uint,
		sender: key32,
		c: key32,
		stamp: key32,
		// A pair's stamps, asked by a moderator of the group where the two met with the pair's `s` (§9.7).
		via: v.optional(key32),
		s: v.optional(key32)
	}),
	v.strictObject({ t: v.literal('report'), id: requestId, group: v.optional(key32), sealed: sealedFor }),
	v.strictObject({ t: v.literal('reports'), id: requestId, as: key32, group: v.optional(key32), after: uint }),
	// The sender of a message it deleted asks the relay to erase the stored bytes (§9.8a).
	v.strictObject({ t: v.literal('erase'), id: requestId, group: key32, seq: v.pipe(uint, v.minValue(1)), by: v.pipe(uint, v.minValue(2)), sig: sig64 }),
	// The deployment moderator bans or unbans a per-group identity key on this relay (§9.8b).
	v.strictObject({ t: v.literal('ban'), id: requestId, key: key32, banned: v.boolean(), ts: uint, sig: sig64 }),
	v.strictObject({ t: v.literal('bans'), id: requestId, as: key32 })
]);
export type ClientFrame = v.InferOutput<typeof clientFrameSchema>;
export type ClientFrameType = ClientFrame['t'];
export const CLIENT_FRAME_TYPES: readonly ClientFrameType[] = [
	'auth',
	'append',
	'sub',
	'unsub',
	'invite',
	'verify',
	'report',
	'reports',
	'erase',
	'ban',
	'bans'
];

export const relayErrorCodes = [
	'RELAY_BAD_FRAME',
	'RELAY_UNKNOWN_TYPE',
	'RELAY_TOO_LARGE',
	'RELAY_NOT_AUTHENTICATED',
	'RELAY_AUTH_FAILED',
	'RELAY_FORBIDDEN',
	'RELAY_NO_GROUP',
	'RELAY_GROUP_EXISTS',
	'RELAY_CONFLICT',
	'RELAY_STALE_EPOCH',
	'RELAY_INVALID_OP',
	'RELAY_INVITE_INVALID',
	'RELAY_RATE_LIMITED',
	'RELAY_OP_LIMIT',
	'RELAY_SLOW_MODE',
	'RELAY_STORAGE_FULL',
	'RELAY_STORAGE_UNAVAILABLE',
	'RELAY_BANNED',
	'RELAY_SHUTTING_DOWN',
	'RELAY_INTERNAL'
] as const;
export type RelayErrorCode = (typeof relayErrorCodes)[number];

const storedOp = v.strictObject({ seq: uint, ts: uint, op: opSchema });

const entryFrameSchema = v.strictObject({
	t: v.literal('entry'),
	group: key32,
	seq: uint,
	ts: uint,
	entry: storedEntrySchema,
	stamp: v.optional(key32)
});

/** At most this many entries in one `entries` frame: one storage page (§9.5). */
export const MAX_BATCH_ITEMS = 256;
/** An `entries` frame closes before its text would pass this many bytes (§9.5). */
export const BATCH_BYTES = 128 * 1024;
const storedReport = v.strictObject({ seq: uint, ts: uint, sealed: sealedFor });

export const relayFrameSchema = v.variant('t', [
	v.strictObject({
		t: v.literal('hello'),
		v: v.literal(1),
		challenge: b64(32),
		time: uint,
		limits: v.strictObject({ maxPayload: uint, maxKeys: uint }),
		moderator: v.optional(v.strictObject({ sign: key32, box: key32 }))
	}),
	v.strictObject({
		t: v.literal('ok'),
		re: requestId,
		seq: v.optional(uint),
		ts: v.optional(uint),
		stamp: v.optional(key32),
		head: v.optional(uint),
		ops: v.optional(v.array(storedOp)),
		more: v.optional(v.boolean()),
		valid: v.optional(v.boolean()),
		reports: v.optional(v.array(storedReport)),
		/** `sub` answer: banned keys that are members of the group (§9.8b). */
		banned: v.optional(v.pipe(v.array(key32), v.maxLength(10_000))),
		/** `bans` answer: the keys banned now (§9.8b). */
		bans: v.optional(v.array(v.strictObject({ key: key32, ts: uint })))
	}),
	v.strictObject({
		t: v.literal('err'),
		re: v.optional(requestId),
		code: v.picklist(relayErrorCodes),
		message: v.pipe(v.string(), v.maxLength(1000)),
		head: v.optional(key32),
		/** RELAY_SLOW_MODE: ms until the append may pass (§13.7). */
		retry: v.optional(uint)
	}),
	entryFrameSchema,
	/**
	 * A batch of backlog entries, each exactly its `entry` frame (§9.5 "Backlog in batches"). The
	 * items are parsed one by one (`parseBatchItem`), so one the client cannot read is dropped like
	 * a single malformed frame, not with its neighbours.
	 */
	v.strictObject({ t: v.literal('entries'), group: key32, items: v.pipe(v.array(v.unknown()), v.minLength(1), v.maxLength(MAX_BATCH_ITEMS)) }),
	v.strictObject({ t: v.literal('live'), group: key32, seq: uint }),
	/** Pushed to a group's subscribers when the deployment moderator bans one of its members (§9.8b). */
	v.strictObject({ t: v.literal('banned'), group: key32, keys: v.pipe(v.array(key32), v.minLength(1), v.maxLength(10_000)) })
]);
export type RelayFrame = v.InferOutput<typeof relayFrameSchema>;

export type ParseResult<T> = { ok: true; frame: T } | { ok: false; code: 'RELAY_BAD_FRAME' | 'RELAY_UNKNOWN_TYPE'; message: string };

function parseWith<T>(schema: v.GenericSchema<unknown, T>, types: readonly string[] | null, raw: unknown): ParseResult<T> {
	let value: unknown = raw;
	if (typeof raw === 'string') {
		try {
			value = JSON.parse(raw);
		} catch {
			return { ok: false, code: 'RELAY_BAD_FRAME', message: 'frame is not JSON' };
		}
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return { ok: false, code: 'RELAY_BAD_FRAME', message: 'frame is not a JSON object' };
	}
	const t = (value as { t?: unknown }).t;
	if (types && (typeof t !== 'string' || !types.includes(t))) {
		return { ok: false, code: 'RELAY_UNKNOWN_TYPE', message: 'unknown frame type' };
	}
	const result = v.safeParse(schema, value);
	if (!result.success) return { ok: false, code: 'RELAY_BAD_FRAME', message: describeIssues(result.issues, '(frame)') };
	return { ok: true, frame: result.output };
}

/** Relay side: a frame from a client, as text. */
export const parseClientFrame = (raw: unknown): ParseResult<ClientFrame> =>
	parseWith(clientFrameSchema, CLIENT_FRAME_TYPES, raw);

/** Client side: one item of an `entries` batch of `group` (§9.5): an entry frame of that group, or null. */
export function parseBatchItem(item: unknown, group: string): v.InferOutput<typeof entryFrameSchema> | null {
	const parsed = v.safeParse(entryFrameSchema, item);
	return parsed.success && parsed.output.group === group ? parsed.output : null;
}

/** Client side: a frame from the relay, as text. */
export const parseRelayFrame = (raw: unknown): ParseResult<RelayFrame> => parseWith(relayFrameSchema, null, raw);

export { opSchema };
