/**
 * Epoch signing key and deniable sender authentication (docs/PROTOCOL.md §5.1, property P3).
 *
 * At its first message in an epoch a sender makes an ephemeral Ed25519 key (eskPk, eskSk) and
 * sends a `hello` (counter 0) carrying eskPk and, for each other member r, a pairwise MAC:
 *
 *   k_r   = KDF(DH(boxSk_s, boxPk_r), "unseen/v1/pair-mac-key", group ‖ u64be(epoch) ‖ signPk_s ‖ signPk_r)
 *   mac_r = HMAC-SHA256(k_r, labelled("unseen/v1/pair-mac", {group, epoch, sender, esk}))
 *
 * r computes the same k_r from DH(boxSk_r, boxPk_s). Only the sender holds eskSk, so no member
 * can sign as another; the binding is a MAC r could have made itself, so it convinces r only.
 */
import { b64Bytes, concat, fromB64, toB64, u64be } from '../core/bytes.ts';
import { labelled } from '../core/cjson.ts';
import { isProtocolError, ProtocolError } from '../core/errors.ts';
import { LABEL } from '../core/labels.ts';
import { sharedSecret } from './box-key.ts';
import { kdf } from './chain.ts';
import type { HelloContent } from '../core/content.ts';
import { sodium } from './sodium.ts';

export interface EpochSigningKey {
	eskPk: Uint8Array;
	eskSk: Uint8Array;
}

/** A fresh epoch signing key; `seed` (32 bytes) only for test vectors. */
export function newEpochSigningKey(seed?: Uint8Array): EpochSigningKey {
	const pair = seed ? sodium().crypto_sign_seed_keypair(seed) : sodium().crypto_sign_keypair();
	return { eskPk: pair.publicKey, eskSk: pair.privateKey };
}

interface PairContext {
	group: string;
	epoch: number;
	sender: string;
	receiver: string;
}

/** k_r from one side's box secret key and the other side's box public key. PROTOCOL_WEAK_KEY for a peer key libsodium refuses. */
export function pairMacKey(ownBoxSk: Uint8Array, peerBoxPk: Uint8Array, ctx: PairContext): Uint8Array {
	const dh = sharedSecret(ownBoxSk, peerBoxPk, 'peer box key');
	try {
		const info = concat(
			b64Bytes(ctx.group, 32, 'group'),
			u64be(ctx.epoch),
			b64Bytes(ctx.sender, 32, 'sender'),
			b64Bytes(ctx.receiver, 32, 'receiver')
		);
		return kdf(dh, LABEL.pairMacKey, info);
	} finally {
		sodium().memzero(dh);
	}
}

function pairMac(key: Uint8Array, ctx: PairContext, esk: string): Uint8Array {
	return sodium().crypto_auth_hmacsha256(
		labelled(LABEL.pairMac, { group: ctx.group, epoch: ctx.epoch, sender: ctx.sender, esk }),
		key
	);
}

export interface BuildHelloInput {
	group: string;
	epoch: number;
	/** The sender's signPk (b64) and box secret key. */
	sender: string;
	senderBoxSk: Uint8Array;
	/** Every member of the epoch; the sender itself is skipped. */
	members: { sign: string; box: string }[];
	eskPk: Uint8Array;
	name: string;
	/** My last counter in the previous epoch I sent in, so receivers can spot a dropped tail (§5.4). */
	prev?: { epoch: number; ctr: number };
}

export interface BuiltHello {
	hello: HelloContent;
	/** Members (sign pk, b64) left out because their box key cannot be used (PROTOCOL_WEAK_KEY). */
	skipped: string[];
}

/**
 * The hello content for `members`, MACs sorted by recipient key. A member whose box key libsodium
 * refuses gets no MAC (it will see this sender as unverified) and is listed in `skipped`, so one
 * bad key never stops the sender from speaking to everyone else.
 */
export function buildHelloFor(input: BuildHelloInput): BuiltHello {
	const esk = toB64(input.eskPk);
	const skipped: string[] = [];
	const macs: { to: string; mac: string }[] = [];
	for (const m of input.members) {
		if (m.sign === input.sender) continue;
		const ctx = { group: input.group, epoch: input.epoch, sender: input.sender, receiver: m.sign };
		let key: Uint8Array;
		try {
			key = pairMacKey(input.senderBoxSk, b64Bytes(m.box, 32, 'member box key'), ctx);
		} catch (error) {
			if (!isProtocolError(error, 'PROTOCOL_WEAK_KEY')) throw error;
			skipped.push(m.sign);
			continue;
		}
		macs.push({ to: m.sign, mac: toB64(pairMac(key, ctx, esk)) });
		sodium().memzero(key);
	}
	macs.sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
	const hello: HelloContent = { t: 'hello', esk, macs, profile: { name: input.name } };
	if (input.prev) hello.prev = { epoch: input.prev.epoch, ctr: input.prev.ctr };
	return { hello, skipped };
}

/** The hello content for `members` (`buildHelloFor` without the list of skipped members). */
export function buildHello(input: BuildHelloInput): HelloContent {
	return buildHelloFor(input).hello;
}

export interface VerifyHelloInput {
	group: string;
	epoch: number;
	/** Sender's signPk and boxPk (b64) from the group state. */
	sender: string;
	senderBox: string;
	/** The receiver's own signPk (b64) and box secret key. */
	me: string;
	myBoxSk: Uint8Array;
}

/**
 * Checks the receiver's own MAC in a hello and returns the sender's eskPk for this epoch.
 * Throws PROTOCOL_UNVERIFIED_SENDER when there is no MAC for us or it does not match.
 */
export function verifyHello(hello: HelloContent, input: VerifyHelloInput): Uint8Array {
	const mine = hello.macs.filter((m) => m.to === input.me);
	if (mine.length !== 1) throw new ProtocolError('PROTOCOL_UNVERIFIED_SENDER', 'hello carries no MAC for this member');
	const ctx = { group: input.group, epoch: input.epoch, sender: input.sender, receiver: input.me };
	let key: Uint8Array;
	try {
		key = pairMacKey(input.myBoxSk, b64Bytes(input.senderBox, 32, 'sender box key'), ctx);
	} catch (error) {
		// A sender whose box key cannot be used can never be verified by anyone.
		if (isProtocolError(error, 'PROTOCOL_WEAK_KEY')) throw new ProtocolError('PROTOCOL_UNVERIFIED_SENDER', 'sender box key is not usable');
		throw error;
	}
	try {
		const expected = pairMac(key, ctx, hello.esk);
		let presented: Uint8Array;
		try {
			presented = fromB64(mine[0]!.mac, 'mac');
		} catch {
			presented = new Uint8Array(0);
		}
		if (presented.length !== 32 || !sodium().memcmp(expected, presented)) {
			throw new ProtocolError('PROTOCOL_UNVERIFIED_SENDER', 'hello MAC does not match the sender');
		}
	} finally {
		sodium().memzero(key);
	}
	return b64Bytes(hello.esk, 32, 'esk');
}
