/**
 * Encrypted op bodies (docs/PROTOCOL.md §3.4): names, descriptions and profiles never reach the
 * relay in the clear (P1). `body = b64(nonce(24) ‖ AEAD(metaKey_e, nonce, cjson(content), AD))`
 * with `AD = labelled("unseen/v1/op-body", {group, kind, author, epoch: e})`.
 * Uses libsodium: client side only (the relay never opens bodies).
 */
import * as v from 'valibot';
import { concat, fromB64, fromUtf8, toB64, utf8 } from '../bytes.ts';
import { canonicalJson, labelled, type CJson } from '../cjson.ts';
import { ProtocolError } from '../errors.ts';
import { LABEL } from '../labels.ts';
import { sodium } from '../../crypto/sodium.ts';

const NONCE = 24;

/** `nonce ‖ XChaCha20-Poly1305(key, nonce, plaintext, ad)`; `nonce` is random unless given (vectors). */
export function aeadSeal(key: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, nonce?: Uint8Array): Uint8Array {
	const na = sodium();
	const n = nonce ?? na.randombytes_buf(NONCE);
	if (n.length !== NONCE) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'nonce must be 24 bytes');
	return concat(n, na.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, n, key));
}

/** Inverse of `aeadSeal`; PROTOCOL_DECRYPT_FAILED on any tampering or wrong key. */
export function aeadOpen(key: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array {
	if (sealed.length < NONCE + 16) throw new ProtocolError('PROTOCOL_DECRYPT_FAILED', 'ciphertext too short');
	try {
		return sodium().crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed.subarray(NONCE), ad, sealed.subarray(0, NONCE), key);
	} catch {
		throw new ProtocolError('PROTOCOL_DECRYPT_FAILED', 'ciphertext does not open under this key and context');
	}
}

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
