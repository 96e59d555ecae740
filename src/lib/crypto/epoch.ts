/**
 * Epoch secrets: generation, sealed delivery with a commitment, and derivation of the epoch's
 * meta key and per-sender chain seeds (docs/PROTOCOL.md §4).
 *
 *   commit = SHA-256(labelled("unseen/v1/epoch-commit", {epoch, group}) ‖ E)
 *   keys   = [{ to: signPk_i, box: Seal(recvPk_i, E) }] sorted by `to`   (recvPk_i: §4.2, §4.4)
 *   metaKey       = KDF(E, "unseen/v1/epoch-meta", group)
 *   chain_{s,0}   = KDF(E, "unseen/v1/epoch-chain", group ‖ signPk_s)
 *
 * `group` is the group id (b64 string in the commit, 32 raw bytes in KDF contexts), or empty in
 * epoch 0. Call `ready()` from sodium.ts first.
 */
import { b64Bytes, concat, fromB64, toB64 } from '../core/bytes.ts';
import { labelled } from '../core/cjson.ts';
import { ProtocolError } from '../core/errors.ts';
import { LABEL } from '../core/labels.ts';
import { sealToMany } from './box-key.ts';
import { kdf } from './chain.ts';
import { sodium } from './sodium.ts';

export interface SealedKey {
	to: string;
	box: string;
}

export interface EpochFields {
	epoch: number;
	keys: SealedKey[];
	commit: string;
}

export interface EpochKeys {
	metaKey: Uint8Array;
	/** First chain key of every member, by sign pk (b64). */
	chains: Map<string, Uint8Array>;
}

/** A fresh random 32-byte epoch secret. */
export function newEpochSecret(): Uint8Array {
	return sodium().randombytes_buf(32);
}

/** The group id as a KDF context: empty in epoch 0 (the genesis is signed before its hash exists). */
export function groupContext(group: string): Uint8Array {
	return group === '' ? new Uint8Array(0) : b64Bytes(group, 32, 'group');
}

export function epochCommit(epoch: number, group: string, secret: Uint8Array): Uint8Array {
	return sodium().crypto_hash_sha256(concat(labelled(LABEL.epochCommit, { epoch, group }), secret));
}

/**
 * Seals `secret` to every member's `box` and commits to it. `group` is "" for genesis. `box` is
 * the key to seal to: the member's receive key, or its box key when it has none (§4.2, §4.4;
 * `sealTargets` in protocol/group/build.ts chooses). PROTOCOL_WEAK_KEY when a key is one
 * libsodium refuses (the group rules never admit one).
 */
export function sealEpochKeys(
	secret: Uint8Array,
	epoch: number,
	group: string,
	members: readonly { sign: string; box: string }[]
): EpochFields {
	if (secret.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'epoch secret must be 32 bytes');
	const boxes = sealToMany(
		secret,
		members.map((m) => b64Bytes(m.box, 32, 'member box key')),
		members.map((m) => `box key of ${m.sign}`)
	);
	const keys = members
		.map((m, i) => ({ to: m.sign, box: toB64(boxes[i]!) }))
		.sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
	return { epoch, keys, commit: toB64(epochCommit(epoch, group, secret)) };
}

/**
 * Opens the caller's sealed epoch secret and checks it against the commitment. Throws
 * PROTOCOL_BAD_KEYS when no box is addressed to `me`, it does not open, or the secret does not
 * match the commitment (an author who sealed different secrets to different members).
 */
export function openEpochSecret(
	fields: EpochFields,
	group: string,
	me: { sign: string; boxPk: Uint8Array; boxSk: Uint8Array }
): Uint8Array {
	const na = sodium();
	const mine = fields.keys.find((k) => k.to === me.sign);
	if (!mine) throw new ProtocolError('PROTOCOL_BAD_KEYS', 'no epoch key is addressed to me');
	let secret: Uint8Array;
	try {
		secret = na.crypto_box_seal_open(fromB64(mine.box, 'keys.box'), me.boxPk, me.boxSk);
	} catch {
		throw new ProtocolError('PROTOCOL_BAD_KEYS', 'my epoch key does not open');
	}
	const expected = epochCommit(fields.epoch, group, secret);
	const commit = b64Bytes(fields.commit, 32, 'commit');
	if (secret.length !== 32 || !na.memcmp(expected, commit)) {
		na.memzero(secret);
		throw new ProtocolError('PROTOCOL_BAD_KEYS', 'epoch secret does not match its commitment');
	}
	return secret;
}

/**
 * Derives the meta key and every member's first chain key, then wipes `secret` (P4): after this
 * call the epoch secret exists nowhere in this process.
 */
export function deriveEpochKeys(secret: Uint8Array, group: Uint8Array, memberSignPks: Iterable<Uint8Array | string>): EpochKeys {
	if (secret.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'epoch secret must be 32 bytes');
	if (group.length !== 0 && group.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'group must be 32 bytes or empty');
	const metaKey = kdf(secret, LABEL.epochMeta, group);
	const chains = new Map<string, Uint8Array>();
	for (const member of memberSignPks) {
		const pk = typeof member === 'string' ? b64Bytes(member, 32, 'member sign key') : member;
		if (pk.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'member sign key must be 32 bytes');
		chains.set(toB64(pk), kdf(secret, LABEL.epochChain, concat(group, pk)));
	}
	sodium().memzero(secret);
	return { metaKey, chains };
}

/** Wipes every key of an epoch that is no longer needed. */
export function wipeEpochKeys(keys: EpochKeys): void {
	const na = sodium();
	na.memzero(keys.metaKey);
	for (const chain of keys.chains.values()) na.memzero(chain);
	keys.chains.clear();
}
