/**
 * Invites (docs/PROTOCOL.md §7). The secret travels only in the link's fragment (P9); the relay
 * sees the invite's public key, never the secret.
 *
 *   inviteSeed = KDF(secret, "unseen/v1/invite-sign", group) → Ed25519 (invitePk, inviteSk)
 *   inviteKey  = KDF(secret, "unseen/v1/invite-enc", group)
 *   link       = origin + "/join#" + b64(0x02 ‖ group(32) ‖ secret(32) ‖ head(32))
 *
 * `head` is the log head on the inviter's device when the link is given out; a joiner refuses a
 * fetched log that does not contain it (§7 head check). Version 0x01 links (no head) still parse.
 */
import * as v from 'valibot';
import { b64Bytes, concat, fromB64, fromUtf8, toB64, utf8 } from '../core/bytes.ts';
import { canonicalJson, labelled } from '../core/cjson.ts';
import { ProtocolError } from '../core/errors.ts';
import { LABEL } from '../core/labels.ts';
import { aeadOpen, aeadSeal } from './aead.ts';
import { kdf } from './chain.ts';
import { sodium } from './sodium.ts';

const LINK_V1 = 1;
const LINK_VERSION = 2;

export interface InviteKeys {
	/** Ed25519 public key: the invite's name in the log (`invite.key`). */
	signPk: Uint8Array;
	signSk: Uint8Array;
	/** AEAD key of the invite body. */
	encKey: Uint8Array;
}

export const inviteBodySchema = v.strictObject({
	name: v.pipe(v.string(), v.maxLength(64)),
	description: v.pipe(v.string(), v.maxLength(1000)),
	inviter: v.strictObject({ name: v.pipe(v.string(), v.maxLength(64)) })
});
export type InviteBody = v.InferOutput<typeof inviteBodySchema>;

/** A new invite for `group` (b64): its secret and the public key that names it. */
export function newInvite(group: string): { secret: Uint8Array; key: string } {
	const secret = sodium().randombytes_buf(32);
	const keys = inviteKeys(secret, group);
	const key = toB64(keys.signPk);
	wipeInviteKeys(keys);
	return { secret, key };
}

export function inviteKeys(secret: Uint8Array, group: string): InviteKeys {
	if (secret.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'invite secret must be 32 bytes');
	const groupBytes = b64Bytes(group, 32, 'group');
	const seed = kdf(secret, LABEL.inviteSign, groupBytes);
	const pair = sodium().crypto_sign_seed_keypair(seed);
	sodium().memzero(seed);
	return { signPk: pair.publicKey, signSk: pair.privateKey, encKey: kdf(secret, LABEL.inviteEnc, groupBytes) };
}

export function wipeInviteKeys(keys: InviteKeys): void {
	sodium().memzero(keys.signSk);
	sodium().memzero(keys.encKey);
}

/** The link to give out now: it names `head`, the op hash of the group log's head on this device. */
export function inviteLink(origin: string, group: string, secret: Uint8Array, head: string): string {
	if (secret.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'invite secret must be 32 bytes');
	const payload = concat(new Uint8Array([LINK_VERSION]), b64Bytes(group, 32, 'group'), secret, b64Bytes(head, 32, 'head'));
	return `${origin.replace(/\/+$/, '')}/join#${toB64(payload)}`;
}

/** The same invite's link naming another head (a stored link given out again later). */
export function inviteLinkAt(link: string, head: string): string {
	const { group, secret } = parseInviteLink(link);
	const hash = link.indexOf('#');
	const origin = hash >= 0 ? link.slice(0, hash).replace(/\/join$/, '') : '';
	try {
		return inviteLink(origin, group, secret, head);
	} finally {
		secret.fill(0);
	}
}

/**
 * Accepts a full link or its fragment alone. PROTOCOL_INVITE_INVALID for anything else. `head`
 * is absent for a version-0x01 link.
 */
export function parseInviteLink(link: string): { group: string; secret: Uint8Array; head?: string } {
	const hash = link.indexOf('#');
	const fragment = (hash >= 0 ? link.slice(hash + 1) : link).trim();
	let payload: Uint8Array;
	try {
		payload = fromB64(fragment, 'invite link');
	} catch {
		throw new ProtocolError('PROTOCOL_INVITE_INVALID', 'this is not an Unseen invite link');
	}
	if (payload[0] !== LINK_VERSION && payload[0] !== LINK_V1) throw new ProtocolError('PROTOCOL_INVITE_INVALID', 'this invite link is from another version');
	if (payload.length !== (payload[0] === LINK_V1 ? 65 : 97)) throw new ProtocolError('PROTOCOL_INVITE_INVALID', 'this invite link is cut short or too long');
	const parsed = { group: toB64(payload.subarray(1, 33)), secret: payload.slice(33, 65) };
	return payload[0] === LINK_V1 ? parsed : { ...parsed, head: toB64(payload.subarray(65, 97)) };
}

function bodyAd(group: string, key: string): Uint8Array {
	return labelled(LABEL.inviteBodyAd, { group, key });
}

/** The invite op's `body`: what a newcomer sees before joining. */
export function sealInviteBody(keys: InviteKeys, group: string, content: InviteBody, nonce?: Uint8Array): string {
	return toB64(aeadSeal(keys.encKey, utf8(canonicalJson(content)), bodyAd(group, toB64(keys.signPk)), nonce));
}

export function openInviteBody(keys: InviteKeys, group: string, body: string): InviteBody {
	const plain = aeadOpen(keys.encKey, fromB64(body, 'body'), bodyAd(group, toB64(keys.signPk)));
	let value: unknown;
	try {
		value = JSON.parse(fromUtf8(plain));
	} catch {
		throw new ProtocolError('PROTOCOL_BAD_FRAME', 'invite body is not JSON');
	}
	const result = v.safeParse(inviteBodySchema, value);
	if (!result.success) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'invite body does not match its schema');
	return result.output;
}

/** `Sign(inviteSk, labelled("unseen/v1/invite-fetch", {challenge, group, key}))` for the relay's `invite` frame (§9.6). */
export function inviteFetchSignature(keys: InviteKeys, challenge: string, group: string): string {
	const message = labelled(LABEL.inviteFetch, { challenge, group, key: toB64(keys.signPk) });
	return toB64(sodium().crypto_sign_detached(message, keys.signSk));
}
