/**
 * Message envelopes (docs/PROTOCOL.md §5.2):
 *
 *   header   = { v: 1, group, epoch, sender, ctr, state, c }
 *   ad       = labelled("unseen/v1/msg", header)
 *   signed   = ctr > 0 and the sender links ? { ...header, prev: b64(link of its message ctr - 1) } : header
 *   link     = SHA-256(labelled("unseen/v1/msg-link", signed))   of each message
 *   inner    = cjson({ body: b64(contentBytes), fk: b64(fk), prev?, sig: b64(Sign(eskSk, labelled("unseen/v1/msg-sig", signed))) })
 *   padded   = inner ‖ 0x80 ‖ 0x00*  (ISO/IEC 7816-4, to the next multiple of 256 bytes)
 *   envelope = { ...header, n: b64(nonce), ct: b64(XChaCha20-Poly1305(msgKey, n, padded, ad)) }
 *
 * `decryptMessage` opens, unpads, and checks the franking commitment before it returns
 * anything (P8); the signature is checked with `verifyMessageSignature` against the sender's
 * eskPk from its hello (hello.ts), or in one step with `openMessage`. `prev` links each message
 * to the sender's previous one, so a backlog can be verified with one signature per sender
 * (history.ts `verifyLinked`).
 */
import * as v from 'valibot';
import { b64Bytes, fromUtf8, toB64, utf8 } from '../core/bytes.ts';
import { canonicalJson, labelled } from '../core/cjson.ts';
import { ProtocolError } from '../core/errors.ts';
import { LABEL } from '../core/labels.ts';
import { b64, key32, sig64, type Envelope, type EnvelopeHeader } from '../core/schema.ts';
import { MAX_CONTENT_BYTES, encodeContent, parseContent, type Content } from '../core/content.ts';
import { AEAD_NONCE_BYTES, aeadDecrypt, aeadEncrypt } from './aead.ts';
import { checkCommitment, commit, newFrankingKey } from './franking.ts';
import { randomNonce, sodium } from './sodium.ts';

export { buildHello, buildHelloFor, verifyHello, newEpochSigningKey, pairMacKey } from './hello.ts';
export type { Content, HelloContent, MessageRef } from '../core/content.ts';

export const PAD_BLOCK = 256;

/** ISO/IEC 7816-4: append 0x80 then zeros up to the next multiple of `block` (always ≥ 1 byte added). */
export function pad(data: Uint8Array, block = PAD_BLOCK): Uint8Array {
	const out = new Uint8Array((Math.floor(data.length / block) + 1) * block);
	out.set(data);
	out[data.length] = 0x80;
	return out;
}

/** Inverse of `pad`. Throws PROTOCOL_BAD_FRAME if the padding is malformed. */
export function unpad(padded: Uint8Array, block = PAD_BLOCK): Uint8Array {
	if (padded.length === 0 || padded.length % block !== 0) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'padded length is not a whole block');
	let i = padded.length - 1;
	while (i >= 0 && padded[i] === 0) i--;
	if (i < 0 || padded[i] !== 0x80 || padded.length - i > block) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'bad padding');
	return padded.subarray(0, i);
}

export function headerOf(envelope: EnvelopeHeader): EnvelopeHeader {
	const { v: version, group, epoch, sender, ctr, state, c } = envelope;
	return { v: version, group, epoch, sender, ctr, state, c };
}

const adOf = (header: EnvelopeHeader) => labelled(LABEL.msgAd, headerOf(header));
/** The value a message signature covers: the header, plus `prev` when the sender links. */
const signedValue = (header: EnvelopeHeader, prev?: Uint8Array) => (prev ? { ...headerOf(header), prev: toB64(prev) } : headerOf(header));
const sigInput = (header: EnvelopeHeader, prev?: Uint8Array) => labelled(LABEL.msgSig, signedValue(header, prev));

/**
 * SHA-256(labelled("unseen/v1/msg-link", signed)): what the sender's next message names as
 * `prev`. It covers this message's own `prev`, so a chain of links is as strong as a signature.
 */
export function messageLink(header: EnvelopeHeader, prev?: Uint8Array): Uint8Array {
	return sodium().crypto_hash_sha256(labelled(LABEL.msgLink, signedValue(header, prev)));
}

const innerSchema = v.strictObject({ body: b64([1, MAX_CONTENT_BYTES]), fk: key32, prev: v.optional(key32), sig: sig64 });

export interface EncryptInput {
	group: string;
	epoch: number;
	sender: string;
	ctr: number;
	/** Op hash (b64) of the group head the sender had seen. */
	state: string;
	content: Content;
	msgKey: Uint8Array;
	eskSk: Uint8Array;
	/** `messageLink` of the sender's own message ctr - 1 in this epoch (optional; never at ctr 0). */
	prev?: Uint8Array;
	/** Test vectors only: fixed franking key and nonce. */
	frankingKey?: Uint8Array;
	nonce?: Uint8Array;
}

export interface Encrypted {
	envelope: Envelope;
	frankingKey: Uint8Array;
	contentBytes: Uint8Array;
}

/** Builds an envelope. Throws PROTOCOL_BAD_FRAME for invalid content; hello only at counter 0. */
export function encryptMessage(input: EncryptInput): Encrypted {
	const s = sodium();
	if ((input.content.t === 'hello') !== (input.ctr === 0)) {
		throw new ProtocolError('PROTOCOL_BAD_FRAME', 'a hello is sent at counter 0 and only there');
	}
	if (input.prev && (input.ctr === 0 || input.prev.length !== 32)) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'prev links a 32-byte hash, never at counter 0');
	const contentBytes = encodeContent(input.content);
	const frankingKey = input.frankingKey?.slice() ?? newFrankingKey();
	const ctx = { group: input.group, epoch: input.epoch, sender: input.sender, ctr: input.ctr };
	const c = commit(frankingKey, ctx, contentBytes);
	const header: EnvelopeHeader = { v: 1, ...ctx, state: input.state, c: toB64(c) };
	const sig = s.crypto_sign_detached(sigInput(header, input.prev), input.eskSk);
	const prev = input.prev ? toB64(input.prev) : undefined;
	const inner = utf8(canonicalJson({ body: toB64(contentBytes), fk: toB64(frankingKey), prev, sig: toB64(sig) }));
	const padded = pad(inner);
	const nonce = input.nonce ?? randomNonce(AEAD_NONCE_BYTES);
	const ct = aeadEncrypt(input.msgKey, nonce, padded, adOf(header));
	s.memzero(inner);
	s.memzero(padded);
	return { envelope: { ...header, n: toB64(nonce), ct: toB64(ct) }, frankingKey, contentBytes };
}

export interface Decrypted {
	header: EnvelopeHeader;
	content: Content;
	contentBytes: Uint8Array;
	frankingKey: Uint8Array;
	sig: Uint8Array;
	/** The sender's link to its previous envelope, when it sent one (part of the signed data). */
	prev?: Uint8Array;
}

/**
 * Opens an envelope with its message key. Errors, in order: PROTOCOL_BAD_LENGTH /
 * PROTOCOL_BAD_ENCODING (header fields), PROTOCOL_DECRYPT_FAILED (AEAD), PROTOCOL_BAD_FRAME
 * (padding, inner object), PROTOCOL_BAD_COMMITMENT (franking, checked before the content is
 * parsed or returned), PROTOCOL_BAD_FRAME (content). The signature is NOT checked here.
 */
export function decryptMessage(envelope: Envelope, msgKey: Uint8Array): Decrypted {
	const s = sodium();
	const header = headerOf(envelope);
	const c = b64Bytes(header.c, 32, 'c');
	const nonce = b64Bytes(envelope.n, 24, 'n');
	const ct = b64Bytes(envelope.ct, [16 + PAD_BLOCK, 48 * 1024], 'ct');
	const padded = aeadDecrypt(msgKey, nonce, ct, adOf(header));
	let raw: unknown;
	try {
		raw = JSON.parse(fromUtf8(unpad(padded)));
	} catch {
		throw new ProtocolError('PROTOCOL_BAD_FRAME', 'message plaintext is not a padded JSON object');
	} finally {
		s.memzero(padded);
	}
	const inner = v.safeParse(innerSchema, raw);
	if (!inner.success) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'message plaintext has the wrong shape');
	const contentBytes = b64Bytes(inner.output.body, [1, MAX_CONTENT_BYTES], 'body');
	const frankingKey = b64Bytes(inner.output.fk, 32, 'fk');
	checkCommitment(frankingKey, header, contentBytes, c);
	const content = parseContent(contentBytes);
	if ((content.t === 'hello') !== (header.ctr === 0)) {
		throw new ProtocolError('PROTOCOL_BAD_FRAME', 'a hello is sent at counter 0 and only there');
	}
	const prev = inner.output.prev === undefined ? undefined : b64Bytes(inner.output.prev, 32, 'prev');
	if (prev && header.ctr === 0) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'a hello links to nothing');
	const sig = b64Bytes(inner.output.sig, 64, 'sig');
	return prev ? { header, content, contentBytes, frankingKey, sig, prev } : { header, content, contentBytes, frankingKey, sig };
}

/** Throws PROTOCOL_BAD_SIGNATURE unless `sig` is the epoch signing key's signature over `header` (and `prev`). */
export function verifyMessageSignature(header: EnvelopeHeader, sig: Uint8Array, eskPk: Uint8Array, prev?: Uint8Array): void {
	let ok = false;
	try {
		ok = sig.length === 64 && eskPk.length === 32 && sodium().crypto_sign_verify_detached(sig, sigInput(header, prev), eskPk);
	} catch {
		ok = false;
	}
	if (!ok) throw new ProtocolError('PROTOCOL_BAD_SIGNATURE', 'message signature does not verify with the sender key');
}

/**
 * Decrypt, check the commitment and the signature in one step. For a hello (counter 0) the
 * signature is checked with the eskPk it carries (the caller must still `verifyHello` its MAC
 * before trusting that key); otherwise with `eskPk`, and a missing eskPk (no verified hello
 * yet) is PROTOCOL_UNVERIFIED_SENDER, so a chain `receive` callback can hold the message.
 */
export function openMessage(envelope: Envelope, msgKey: Uint8Array, eskPk: Uint8Array | null): Decrypted {
	const opened = decryptMessage(envelope, msgKey);
	const key = opened.content.t === 'hello' ? b64Bytes(opened.content.esk, 32, 'esk') : eskPk;
	if (!key) throw new ProtocolError('PROTOCOL_UNVERIFIED_SENDER', 'no verified hello from this sender in this epoch');
	verifyMessageSignature(opened.header, opened.sig, key, opened.prev);
	return opened;
}
