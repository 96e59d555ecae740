/**
 * Known-answer vectors for the GROUP-LOG constructions (docs/PROTOCOL.md §2 identities and
 * safety numbers, §3 group log: one op of every kind, §4.1-§4.2 epoch delivery and derivation,
 * §7 invites) and for relay login (§9.3), from fixed inputs and explicit nonces. Sealed boxes
 * (crypto_box_seal) are randomised by design: they are stored as produced and checked in the
 * open direction. Regenerating reuses a stored box whenever it still opens to exactly what is
 * being sealed (see `reuseStoredSeals`), so an unchanged protocol rewrites identical files.
 *
 * Regenerate (only when the protocol changes on purpose):
 *   node test/vectors/grouplog-vectors.ts
 * src/lib/protocol/group/vectors.test.ts recomputes every value of identity, group, epoch,
 * invite and safety and compares; test/vectors/relay-auth.test.ts checks relay-auth.json against
 * the client's login code and the relay's check.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveEpochKeys, epochCommit, sealEpochKeys } from '../../src/lib/crypto/epoch.ts';
import { deriveIdentity, identityMember, type Identity } from '../../src/lib/crypto/identity.ts';
import { inviteFetchSignature, inviteKeys, inviteLink, sealInviteBody } from '../../src/lib/crypto/invite.ts';
import { sodiumPrimitives } from '../../src/lib/crypto/primitives.ts';
import { safetyNumber } from '../../src/lib/crypto/safety.ts';
import { ready, sodium } from '../../src/lib/crypto/sodium.ts';
import { fromB64, toB64 } from '../../src/lib/core/bytes.ts';
import { labelled } from '../../src/lib/core/cjson.ts';
import { LABEL } from '../../src/lib/core/labels.ts';
import * as b from '../../src/lib/protocol/group/build.ts';
import { applyOp, opHashB64, opSigningBytes } from '../../src/lib/protocol/group/state.ts';
import type { Op } from '../../src/lib/core/schema.ts';
import type { GroupState } from '../../src/lib/protocol/group/types.ts';

export const fill = (n: number, length = 32) => new Uint8Array(length).fill(n);
const T = 1_700_000_000_000;

export const GROUP_INPUTS = {
	settings: { retention: 604800, rotate: 0, invite: 'admins', listeners: true, listenersMaySpeak: true, pair: false },
	genesis: { name: 'Tuesday circle', description: 'A quiet place', profile: { name: 'Sam' } },
	invite: { name: 'Tuesday circle', description: 'A quiet place', inviter: { name: 'Sam' } },
	join: { profile: { name: 'River' } },
	origin: 'https://unseen.example',
	/** The `settings` op: new clear settings and the new name and description in its body. */
	newSettings: { retention: 86400, rotate: 2592000, invite: 'members', listeners: true, listenersMaySpeak: false, pair: false },
	settingsBody: { name: 'Tuesday evening circle', description: 'Still a quiet place' },
	hide: { reason: 'shared someone else’s details' },
	warn: { text: 'Please have another look at the group’s guidelines.' },
	/** §13.8: settings with approval on, and the two requests' notes. */
	approveSettings: { retention: 86400, rotate: 2592000, invite: 'members', listeners: true, listenersMaySpeak: false, pair: false, approve: true },
	request: { profile: { name: 'Kai' }, note: 'A friend from the Thursday meeting sent me the link.' },
	request2: { profile: { name: 'Lee' } },
	/** A pair's genesis: the settings `buildPair` writes, and its body. */
	pairSettings: { retention: 0, rotate: 0, invite: 'admins', listeners: false, listenersMaySpeak: false, pair: true },
	pairGenesis: { name: '', description: '', profile: { name: 'Sam' } }
} as const;

/** Person n: root = fill(n), nonce = fill(n + 0x80). */
export const personOf = (n: number) => deriveIdentity(fill(n), fill(n + 0x80));

/** Every `{ to, box }` sealed key found anywhere in `value` (a previously written vector file). */
export function storedSeals(value: unknown): string[] {
	if (Array.isArray(value)) return value.flatMap(storedSeals);
	if (value === null || typeof value !== 'object') return [];
	const o = value as Record<string, unknown>;
	if (typeof o.to === 'string' && typeof o.box === 'string') return [o.box];
	// A `warn` or `request` body (§13.5, §13.8): n, then n sealed note keys of 80 bytes each.
	if ((o.kind === 'warn' || o.kind === 'request') && typeof o.body === 'string') {
		const bytes = fromB64(o.body);
		return Array.from({ length: bytes[0] ?? 0 }, (_, i) => toB64(bytes.subarray(1 + i * 80, 1 + (i + 1) * 80)));
	}
	return Object.values(o).flatMap(storedSeals);
}

/**
 * crypto_box_seal draws a fresh ephemeral key per box, so a sealed epoch key cannot be
 * recomputed. So that regenerating rewrites only what the code changed, libsodium's
 * crypto_box_seal is wrapped while `run` executes: sealing `message` to a recipient in
 * `recipients` returns a box from `stored` (each at most once) when that box opens, under the
 * recipient's key, to exactly `message`; it is then an output the real code could have produced.
 * Anything else is sealed afresh. The real code calls crypto_box_seal as usual throughout.
 */
export function reuseStoredSeals<T>(stored: readonly string[], recipients: readonly Identity[], run: () => T): T {
	const na = sodium();
	const original = na.crypto_box_seal;
	const pool = stored.map((box) => fromB64(box));
	const secretKeys = new Map(recipients.map((r) => [toB64(r.boxPk), r.boxSk]));
	const opensTo = (box: Uint8Array, pk: Uint8Array, sk: Uint8Array, message: Uint8Array) => {
		try {
			const opened = na.crypto_box_seal_open(box, pk, sk);
			return opened.length === message.length && na.memcmp(opened, message);
		} catch {
			return false;
		}
	};
	na.crypto_box_seal = ((message: Uint8Array, publicKey: Uint8Array) => {
		const sk = secretKeys.get(toB64(publicKey));
		const i = sk ? pool.findIndex((box) => opensTo(box, publicKey, sk, message)) : -1;
		return i >= 0 ? pool.splice(i, 1)[0]! : original(message, publicKey);
	}) as typeof na.crypto_box_seal;
	try {
		return run();
	} finally {
		na.crypto_box_seal = original;
	}
}

type Entry = { now: number; op: Op; hash: string; signingBytes: string; secret?: string; bodyNonce?: string; content?: unknown; inviteSecret?: string; state: GroupState };
type Extra = { secret?: Uint8Array; bodyNonce?: Uint8Array; content?: unknown; inviteSecret?: Uint8Array };

/** Applies each op as the relay would (ctx.now = `now`) and records it with what a checker needs. */
class VectorLog {
	entries: Entry[] = [];
	state: GroupState | null = null;
	private readonly primitives = sodiumPrimitives();
	push(op: Op, now: number, extra: Extra = {}): GroupState {
		this.state = applyOp(this.state, op, { now, primitives: this.primitives });
		this.entries.push({
			now,
			op,
			hash: opHashB64(op, this.primitives),
			signingBytes: toB64(opSigningBytes(op)),
			secret: extra.secret && toB64(extra.secret),
			bodyNonce: extra.bodyNonce && toB64(extra.bodyNonce),
			content: extra.content,
			inviteSecret: extra.inviteSecret && toB64(extra.inviteSecret),
			// The state after this op (§3.5), so a checker finds the first op it disagrees on.
			state: this.state
		});
		return this.state;
	}
}

/** Previously written files (for `reuseStoredSeals`); empty when generating from scratch. */
export interface PreviousVectors {
	group?: unknown;
	epoch?: unknown;
}

export async function groupLogVectors(previous: PreviousVectors = {}): Promise<Record<string, unknown>> {
	await ready();
	const primitives = sodiumPrimitives();

	const identity = [1, 2].map((n) => {
		const id = personOf(n);
		return { root: toB64(fill(n)), nonce: toB64(fill(n + 0x80)), signPk: toB64(id.signPk), signSk: toB64(id.signSk), boxPk: toB64(id.boxPk), boxSk: toB64(id.boxSk) };
	});

	const [sam, alex, river, jo, kai, lee] = [1, 2, 3, 4, 5, 6].map(personOf) as [Identity, Identity, Identity, Identity, Identity, Identity];
	const people = [sam, alex, river, jo, kai, lee];
	const inviteSecret = fill(0x1a);
	// Receive keys (§4.4): rk n = crypto_box_seed_keypair(fill(0xd0 + n)), as an Identity-shaped pair for the seal reuse.
	const rkPair = (n: number) => {
		const kp = sodium().crypto_box_seed_keypair(fill(0xd0 + n));
		return { boxPk: kp.publicKey, boxSk: kp.privateKey } as Identity;
	};
	const rks = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(rkPair);
	const rk = (n: number) => rks[n - 1]!.boxPk;
	const group = reuseStoredSeals(storedSeals(previous.group), [...people, ...rks], () => {
		// Group log, one op of every kind but `end`: genesis (sam admin, alex member; rk 1) → key
		// (alex, rk 2) → invite → join (river, rk 3) → remove alex (rk 4) → role (river moderator) →
		// settings → hide → revoke → add (jo listener, rk 5) → ask (jo) → leave (river) → key (jo,
		// rk 6, while the rekey is pending) → rekey (rk 7) → mute (jo, one hour).
		const log = new VectorLog();
		let s: GroupState;
		const genesis = b.buildGenesis(sam, { settings: GROUP_INPUTS.settings, others: [identityMember(alex, 'member')], content: GROUP_INPUTS.genesis, genesisNonce: fill(0x6e) }, { at: T, secret: fill(0xe0), nonce: fill(0xb0, 24), rk: rk(1) });
		s = log.push(genesis.op, T, { secret: fill(0xe0), bodyNonce: fill(0xb0, 24), content: GROUP_INPUTS.genesis });
		s = log.push(b.buildKey(s, alex, rk(2), { at: T + 500 }), T + 500);
		const invite = b.buildInvite(s, sam, { secret: inviteSecret, expires: T + 86_400_000, maxUses: 5, role: 'member', content: GROUP_INPUTS.invite }, { at: T + 1000, nonce: fill(0xb1, 24) });
		s = log.push(invite, T + 1000, { bodyNonce: fill(0xb1, 24), content: GROUP_INPUTS.invite, inviteSecret });
		s = log.push(b.buildJoin(s, river, inviteSecret, GROUP_INPUTS.join, { at: T + 2000, secret: fill(0xe1), nonce: fill(0xb2, 24), rk: rk(3) }).op, T + 2000, { secret: fill(0xe1), bodyNonce: fill(0xb2, 24), content: GROUP_INPUTS.join });
		s = log.push(b.buildRemove(s, sam, toB64(alex.signPk), { at: T + 3000, secret: fill(0xe2), rk: rk(4) }).op, T + 3000, { secret: fill(0xe2) });
		s = log.push(b.buildRole(s, sam, toB64(river.signPk), 'moderator', { at: T + 4000 }), T + 4000);
		// Settings and hide bodies are sealed under the current epoch's (2) meta key.
		const metaKey2 = b.metaKeyOf(fill(0xe2), s.group);
		s = log.push(b.buildSettings(s, sam, GROUP_INPUTS.newSettings, GROUP_INPUTS.settingsBody, metaKey2, { at: T + 5000, nonce: fill(0xb3, 24) }), T + 5000, { bodyNonce: fill(0xb3, 24), content: GROUP_INPUTS.settingsBody });
		s = log.push(b.buildHide(s, river, 7, { text: GROUP_INPUTS.hide.reason, metaKey: metaKey2 }, { at: T + 6000, nonce: fill(0xb4, 24) }), T + 6000, { bodyNonce: fill(0xb4, 24), content: GROUP_INPUTS.hide });
		s = log.push(b.buildRevoke(s, sam, invite.invite.key, { at: T + 7000 }), T + 7000);
		s = log.push(b.buildAdd(s, sam, identityMember(jo, 'listener'), { at: T + 8000, secret: fill(0xe3), rk: rk(5) }).op, T + 8000, { secret: fill(0xe3) });
		s = log.push(b.buildAsk(s, jo, { at: T + 9000 }), T + 9000);
		s = log.push(b.buildLeave(s, river, { at: T + 10_000 }), T + 10_000);
		s = log.push(b.buildKey(s, jo, rk(6), { at: T + 10_500 }), T + 10_500);
		s = log.push(b.buildRekey(s, sam, { at: T + 11_000, secret: fill(0xe4), rk: rk(7) }).op, T + 11_000, { secret: fill(0xe4) });
		// Issue 12 (§13.3), appended last so the entries before it keep their hashes: sam mutes jo
		// for an hour of relay time (muted[jo] = T + 12_000 + 3_600_000).
		s = log.push(b.buildMute(s, sam, toB64(jo.signPk), 3600, { at: T + 12_000 }), T + 12_000);
		// Issue 12 (§13.4, §13.5): sam shows message 7 again, then sends jo a private note sealed to
		// jo and sam (the note key is fill(0xe5), its nonce fill(0xb6, 24); readers in that order).
		s = log.push(b.buildUnhide(s, sam, 7, { at: T + 13_000 }), T + 13_000);
		s = log.push(b.buildWarn(s, sam, toB64(jo.signPk), GROUP_INPUTS.warn.text, { at: T + 14_000, secret: fill(0xe5), nonce: fill(0xb6, 24) }), T + 14_000, { bodyNonce: fill(0xb6, 24), content: { target: toB64(jo.signPk), text: GROUP_INPUTS.warn.text } });
		// Issue 12 (§13.8), appended after: sam turns approval on (body under epoch 4's meta key),
		// makes a second invite (secret fill(0x1b), two uses); kai asks (rk 8; note key fill(0xe6),
		// nonce fill(0xb7, 24), sealed to sam alone), sam approves (epoch 5, secret fill(0xe7), rk 9;
		// kai's copy sealed to rk 8); lee asks (rk 10; note key fill(0xe8), nonce fill(0xb9, 24)),
		// sam declines.
		const metaKey4 = b.metaKeyOf(fill(0xe4), s.group);
		s = log.push(b.buildSettings(s, sam, GROUP_INPUTS.approveSettings, GROUP_INPUTS.settingsBody, metaKey4, { at: T + 15_000, nonce: fill(0xb8, 24) }), T + 15_000, { bodyNonce: fill(0xb8, 24), content: GROUP_INPUTS.settingsBody });
		const inviteSecret2 = fill(0x1b);
		s = log.push(b.buildInvite(s, sam, { secret: inviteSecret2, expires: T + 86_400_000, maxUses: 2, role: 'member', content: GROUP_INPUTS.invite }, { at: T + 16_000, nonce: fill(0xba, 24) }), T + 16_000, { bodyNonce: fill(0xba, 24), content: GROUP_INPUTS.invite, inviteSecret: inviteSecret2 });
		s = log.push(b.buildRequest(s, kai, inviteSecret2, rk(8), GROUP_INPUTS.request, { at: T + 17_000, secret: fill(0xe6), nonce: fill(0xb7, 24) }), T + 17_000, { bodyNonce: fill(0xb7, 24), content: GROUP_INPUTS.request });
		s = log.push(b.buildApprove(s, sam, toB64(kai.signPk), { at: T + 18_000, secret: fill(0xe7), rk: rk(9) }).op, T + 18_000, { secret: fill(0xe7) });
		s = log.push(b.buildRequest(s, lee, inviteSecret2, rk(10), GROUP_INPUTS.request2, { at: T + 19_000, secret: fill(0xe8), nonce: fill(0xb9, 24) }), T + 19_000, { bodyNonce: fill(0xb9, 24), content: GROUP_INPUTS.request2 });
		log.push(b.buildDecline(s, sam, toB64(lee.signPk), { at: T + 20_000 }), T + 20_000);

		// A one-to-one pair (the only place `end` is allowed): genesis (sam, alex) → end (alex).
		const pairLog = new VectorLog();
		// buildGenesis with buildPair's settings: buildPair takes no fixed genesis nonce.
		const pair = b.buildGenesis(sam, { settings: GROUP_INPUTS.pairSettings, others: [identityMember(alex, 'member')], content: GROUP_INPUTS.pairGenesis, genesisNonce: fill(0x70) }, { at: T, secret: fill(0xf0), nonce: fill(0xb5, 24) });
		const p = pairLog.push(pair.op, T, { secret: fill(0xf0), bodyNonce: fill(0xb5, 24), content: GROUP_INPUTS.pairGenesis });
		pairLog.push(b.buildEnd(p, alex, { at: T + 1000 }), T + 1000);

		return {
			description:
				'people: identity n = deriveIdentity(fill(n), fill(n + 0x80)); sam = 1, alex = 2, river = 3, jo = 4, kai = 5, lee = 6. Each entry: the op, ' +
				'the relay time it was applied at (now), its op hash and signing bytes, the epoch secret it starts (secret), the AEAD nonce ' +
				'and plaintext of its body (bodyNonce, content) and an invite op\'s secret (inviteSecret). Bodies: genesis and join under the ' +
				'meta key of the epoch they start, settings and hide under the current epoch\'s (the last secret before them), invite under ' +
				'the invite\'s own key. `state` is the state after every entry; `pair` is a second log (a pair, ended, without receive ' +
				'keys). Receive keys (§4.4): receiveKeys[n - 1] = crypto_box_seed_keypair(fill(0xd0 + n)); each box is sealed to the ' +
				'op\'s rk for its author, else to the recipient\'s rk in the state before the op (an approve\'s target: its pending rk), else to its box key. ' +
				'A request\'s body (§13.8) is a note sealed to the moderators and admins; it opens with their box keys, and content is its plaintext.',
			receiveKeys: rks.map((k) => ({ pk: toB64(k.boxPk), sk: toB64(k.boxSk) })),
			inputs: GROUP_INPUTS,
			entries: log.entries,
			state: log.state,
			pair: { entries: pairLog.entries, state: pairLog.state }
		};
	});

	const g = toB64(fill(0x47));
	const members = [sam, alex].map((id) => identityMember(id, 'member'));
	const epochCase = (epoch: number, groupId: string, secretByte: number) => {
		const secret = fill(secretByte);
		const fields = sealEpochKeys(secret, epoch, groupId, members);
		const keys = deriveEpochKeys(fill(secretByte), groupId === '' ? new Uint8Array(0) : fill(0x47), members.map((m) => m.sign));
		return { epoch, group: groupId, secret: toB64(secret), commit: toB64(epochCommit(epoch, groupId, secret)), keys: fields.keys, metaKey: toB64(keys.metaKey), chains: Object.fromEntries([...keys.chains].map(([k, v]) => [k, toB64(v)])) };
	};
	const epoch = reuseStoredSeals(storedSeals(previous.epoch), people, () => ({
		description: 'recipients: identity 1 and 2 of identity.json; keys[].box opens with their box keys',
		cases: [epochCase(0, '', 0xe0), epochCase(3, g, 0xe3)]
	}));

	const ik = inviteKeys(inviteSecret, g);
	const challenge = toB64(fill(0xc4));
	const invite = {
		secret: toB64(inviteSecret),
		group: g,
		invitePk: toB64(ik.signPk),
		encKey: toB64(ik.encKey),
		head: toB64(fill(0xd4)),
		link: inviteLink(GROUP_INPUTS.origin, g, inviteSecret, toB64(fill(0xd4))),
		content: GROUP_INPUTS.invite,
		bodyNonce: toB64(fill(0xb1, 24)),
		body: sealInviteBody(ik, g, GROUP_INPUTS.invite, fill(0xb1, 24)),
		challenge,
		fetchSig: inviteFetchSignature(ik, challenge, g)
	};

	// §2.3: a safety number covers both members' sign and box keys.
	const keysOf = (id: Identity) => ({ sign: toB64(id.signPk), box: toB64(id.boxPk) });
	const safety = {
		note: 'PROTOCOL §2.3: keys = [[sign, box] of the smaller sign key, [sign, box] of the other]. Case 2 is case 0 with b.box substituted.',
		cases: [
			{ group: g, a: keysOf(sam), b: keysOf(alex) },
			{ group: g, a: keysOf(river), b: keysOf(sam) },
			{ group: g, a: keysOf(sam), b: { ...keysOf(alex), box: keysOf(river).box } }
		].map((c) => ({ ...c, ...safetyNumber(c.group, c.a, c.b) }))
	};

	// §9.2-§9.3: relay login. The client is identity 1 (sam); the challenge is 32 distinct bytes
	// so that a reordering shows.
	const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
	const relayChallenge = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);
	const key = toB64(sam.signPk);
	const message = labelled(LABEL.relayAuth, { challenge: toB64(relayChallenge), key });
	const sig = sodium().crypto_sign_detached(message, sam.signSk);
	const relayAuth = {
		description:
			'PROTOCOL §9.2-§9.3. The client is identity 1 of identity.json (deriveIdentity(root, nonce)); the relay\'s hello carries ' +
			'challenge; the client answers with the auth frame, sig = Ed25519(signSk, message), message = labelled("unseen/v1/relay-auth", ' +
			'{challenge, key}) = label ‖ 0x00 ‖ canonical JSON (messageText, with \\u0000 for the 0x00 byte).',
		root: toB64(fill(1)),
		nonce: toB64(fill(0x81)),
		key,
		keyHex: hex(sam.signPk),
		challenge: toB64(relayChallenge),
		challengeHex: hex(relayChallenge),
		messageText: Buffer.from(message).toString('utf8'),
		messageHex: hex(message),
		sigHex: hex(sig),
		auth: { t: 'auth', key, sig: toB64(sig) }
	};

	return { identity: { cases: identity }, group, epoch, invite, safety, 'relay-auth': relayAuth };
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const read = (name: string): unknown => {
		const path = join(import.meta.dirname, `${name}.json`);
		return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
	};
	const all = await groupLogVectors({ group: read('group'), epoch: read('epoch') });
	for (const [name, value] of Object.entries(all)) {
		writeFileSync(join(import.meta.dirname, `${name}.json`), JSON.stringify(value, null, '\t') + '\n');
	}
	console.log('wrote', Object.keys(all).map((n) => `${n}.json`).join(', '));
}
