/**
 * Encrypted op bodies (docs/PROTOCOL.md §3.4): names, descriptions and profiles never reach the
 * relay in the clear (P1). `body = b64(nonce(24) ‖ AEAD(metaKey_e, nonce, cjson(content), AD))`
 * with `AD = labelled("unseen/v1/op-body", {group, kind, author, epoch: e})`.
 * Uses the AEAD of crypto/aead.ts: client side only (the relay never opens bodies).
 */
import * as v from 'valibot';
import { fromB64, fromUtf8, toB64, utf8 } from '../../core/bytes.ts';
import { canonicalJson, labelled, type CJson } from '../../core/cjson.ts';
import { ProtocolError } from '../../core/errors.ts';
import { LABEL } from '../../core/labels.ts';
import { aeadOpen, aeadSeal } from '../../crypto/aead.ts';


export interface OpBodyContext {
	/** Group id (b64), or "" for the genesis. */
	group: string;
	kind: string;
	author: string;
	/** The epoch the body is written under (§3.4). */
	epoch: number;
}

const name = v.pipe(v.string(), v.maxLength(64));
const description = v.pipe(v.string(), v.maxLength(1000));
const profile = v.strictObject({ name });

export const opBodySchemas = {
	genesis: v.strictObject({ name, description, profile }),
	join: v.strictObject({ profile }),
	settings: v.strictObject({ name, description }),
	hide: v.strictObject({ reason: v.optional(v.pipe(v.string(), v.maxLength(1000))) })
} as const;
export type OpBodyKind = keyof typeof opBodySchemas;
export type OpBody<K extends OpBodyKind> = v.InferOutput<(typeof opBodySchemas)[K]>;

function ad(context: OpBodyContext): Uint8Array {
	return labelled(LABEL.opBodyAd, { group: context.group, kind: context.kind, author: context.author, epoch: context.epoch });
}

export function encryptOpBody(metaKey: Uint8Array, content: CJson, context: OpBodyContext, nonce?: Uint8Array): string {
	return toB64(aeadSeal(metaKey, utf8(canonicalJson(content)), ad(context), nonce));
}

/** Opens and validates a body of a known kind; PROTOCOL_DECRYPT_FAILED or PROTOCOL_BAD_FRAME. */
export function decryptOpBody<K extends OpBodyKind>(metaKey: Uint8Array, body: string, context: OpBodyContext & { kind: K }): OpBody<K> {
	const plain = aeadOpen(metaKey, fromB64(body, 'body'), ad(context));
	let value: unknown;
	try {
		value = JSON.parse(fromUtf8(plain));
	} catch {
		throw new ProtocolError('PROTOCOL_BAD_FRAME', `${context.kind} body is not JSON`);
	}
	const result = v.safeParse(opBodySchemas[context.kind], value);
	if (!result.success) throw new ProtocolError('PROTOCOL_BAD_FRAME', `${context.kind} body does not match its schema`);
	return result.output as OpBody<K>;
}
