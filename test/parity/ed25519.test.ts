/**
 * The relay's Ed25519 (server/primitives.ts, node:crypto plus libsodium's pre-checks) must give
 * exactly libsodium's answer on every input (review finding 1): otherwise an op the relay stores
 * is one every client rejects, and one joiner freezes the group for everyone. Edge cases in the
 * spirit of Chalkias, Garillot, Nikolaenko, "Taming the many EdDSAs" (2020): small-order keys and
 * R values (canonical and not), mixed-order keys, S ≥ L, non-canonical keys, plus valid
 * signatures. Each vector is built here with libsodium's scalar and point arithmetic.
 */
import { createPublicKey, verify as opensslVerify } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { nodePrimitives, verifyEd25519 } from '../../server/primitives.ts';
import { inviteKeys } from '../../src/lib/crypto/invite.ts';
import { sodiumPrimitives } from '../../src/lib/crypto/primitives.ts';
import { sodium } from '../../src/lib/crypto/sodium.ts';
import { concat, toB64, utf8 } from '../../src/lib/core/bytes.ts';
import { isProtocolError } from '../../src/lib/core/errors.ts';
import { buildInvite, buildJoin } from '../../src/lib/protocol/group/build.ts';
import { applyOp, opInviteSigningBytes, opSigningBytes } from '../../src/lib/protocol/group/state.ts';
import { loadSodium, memberOf, newGroup, person, T0 } from '../../src/lib/protocol/group/testkit.ts';
import type { Primitives } from '../../src/lib/protocol/group/types.ts';
import type { Op } from '../../src/lib/core/schema.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const BASE = hex('5866666666666666666666666666666666666666666666666666666666666666');
const ONE = hex('0100000000000000000000000000000000000000000000000000000000000000');
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** Every encoding libsodium treats as a small-order point: the 7 y-values, each with sign bit 0 and 1. */
const SMALL_ORDER = [
	'0000000000000000000000000000000000000000000000000000000000000000',
	'0100000000000000000000000000000000000000000000000000000000000000',
	'26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
	'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
	'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
	'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
	'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'
].flatMap((h) => {
	const p = hex(h);
	const q = p.slice();
	q[31]! ^= 0x80;
	return [p, q];
});
const T8 = SMALL_ORDER[4]!; // a point of order 8
/** X25519 u-coordinates that libsodium's crypto_scalarmult refuses, each with bit 255 clear and set. */
const X25519_SMALL_ORDER = [
	'0000000000000000000000000000000000000000000000000000000000000000',
	'0100000000000000000000000000000000000000000000000000000000000000',
	'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
	'5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
	'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
	'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
	'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'
].flatMap((h) => {
	const p = hex(h);
	const q = p.slice();
	q[31]! ^= 0x80;
	return [p, q];
});

interface Vector {
	name: string;
	sig: Uint8Array;
	msg: Uint8Array;
	pk: Uint8Array;
	/** libsodium's answer when the vector was designed for one; the test checks it too. */
	expected?: boolean;
	/** OpenSSL on its own accepts it: the vector exercises a pre-check. */
	opensslAlone?: boolean;
}

const toBig = (b: Uint8Array) => BigInt('0x' + Buffer.from(b).reverse().toString('hex'));
const fromBig = (n: bigint) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse());

/** k = SHA-512(R ‖ A ‖ M) mod L, as in RFC 8032. */
function challenge(r: Uint8Array, a: Uint8Array, msg: Uint8Array): bigint {
	return toBig(sodium().crypto_core_ed25519_scalar_reduce(sodium().crypto_hash_sha512(concat(r, a, msg))));
}

function rawOpenssl(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
	try {
		const key = createPublicKey({ key: Buffer.concat([hex('302a300506032b6570032100'), pk]), format: 'der', type: 'spki' });
		return opensslVerify(null, msg, key, sig);
	} catch {
		return false;
	}
}

function vectors(): Vector[] {
	const na = sodium();
	const out: Vector[] = [];
	const msgs = Array.from({ length: 160 }, (_, i) => utf8(`vector message ${i}`));

	// Valid signatures from ordinary keys, and the same signatures on another message.
	for (let i = 0; i < 4; i++) {
		const kp = na.crypto_sign_seed_keypair(new Uint8Array(32).fill(i + 1));
		const sig = na.crypto_sign_detached(msgs[i]!, kp.privateKey);
		out.push({ name: `valid signature ${i}`, sig, msg: msgs[i]!, pk: kp.publicKey, expected: true });
		out.push({ name: `signature ${i} on another message`, sig, msg: msgs[i + 1]!, pk: kp.publicKey, expected: false });
		// S + L: the same equation, a non-canonical S.
		const s = toBig(sig.subarray(32));
		out.push({ name: `signature ${i} with S + L`, sig: concat(sig.subarray(0, 32), fromBig(s + L)), msg: msgs[i]!, pk: kp.publicKey, expected: false });
		out.push({ name: `signature ${i} with S = L`, sig: concat(sig.subarray(0, 32), fromBig(L)), msg: msgs[i]!, pk: kp.publicKey, expected: false });
		const high = sig.slice();
		high[63] = 0xff;
		out.push({ name: `signature ${i} with the top bits of S set`, sig: high, msg: msgs[i]!, pk: kp.publicKey, expected: false });
	}

	// Small-order keys with R = B, S = 1: [1]B − [k]A = B whenever [k]A is the identity (k ≡ 0 mod 8).
	SMALL_ORDER.forEach((pk, i) => {
		const sig = concat(BASE, ONE);
		const msg = msgs.find((m) => challenge(BASE, pk, m) % 8n === 0n)!;
		out.push({ name: `small-order key ${i} with the universal signature (R = B, S = 1)`, sig, msg, pk, expected: false });
	});

	// A valid key with R of small order: with A = aB + T8 (mixed order) and S = k·a, the equation
	// gives −[k]T8, which runs through every torsion point as k varies.
	const a = na.crypto_core_ed25519_scalar_random();
	const prime = na.crypto_scalarmult_ed25519_base_noclamp(a);
	const mixed = na.crypto_core_ed25519_add(prime, T8);
	for (const [label, pk] of [['prime-order', prime], ['mixed-order', mixed]] as const) {
		SMALL_ORDER.forEach((r, i) => {
			for (const msg of msgs) {
				const sig = concat(r, fromBig((challenge(r, pk, msg) * toBig(a)) % L));
				if (rawOpenssl(sig, msg, pk)) {
					out.push({ name: `${label} key with small-order R ${i} and S = k·a`, sig, msg, pk, expected: false, opensslAlone: true });
					return;
				}
			}
			const sig = concat(r, fromBig((challenge(r, pk, msgs[0]!) * toBig(a)) % L));
			out.push({ name: `${label} key with small-order R ${i} (no equation holds)`, sig, msg: msgs[0]!, pk, expected: false });
		});
	}

	// Mixed-order key, ordinary R = rB, S = r + k·a: the cofactorless equation holds iff 8 | k.
	const r = na.crypto_core_ed25519_scalar_random();
	const R = na.crypto_scalarmult_ed25519_base_noclamp(r);
	const sigFor = (msg: Uint8Array) => concat(R, fromBig((toBig(r) + challenge(R, mixed, msg) * toBig(a)) % L));
	const divisible = msgs.find((m) => challenge(R, mixed, m) % 8n === 0n)!;
	const notDivisible = msgs.find((m) => challenge(R, mixed, m) % 8n !== 0n)!;
	out.push({ name: 'mixed-order key, 8 divides k', sig: sigFor(divisible), msg: divisible, pk: mixed, expected: true });
	out.push({ name: 'mixed-order key, 8 does not divide k', sig: sigFor(notDivisible), msg: notDivisible, pk: mixed, expected: false });
	// The same signatures over a prime-order R + T8, mixed-order R.
	const mixedR = na.crypto_core_ed25519_add(R, T8);
	const sigMixedR = concat(mixedR, fromBig((toBig(r) + challenge(mixedR, prime, msgs[7]!) * toBig(a)) % L));
	out.push({ name: 'prime-order key, mixed-order R', sig: sigMixedR, msg: msgs[7]!, pk: prime, expected: false });

	// Non-canonical keys: y = p + k for k = 0..18, both sign bits, with a signature that is valid for another key.
	const other = out[0]!;
	for (let k = 0; k < 19; k++) {
		for (const sign of [0, 0x80]) {
			const pk = hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
			pk[0] = 0xed + k;
			pk[31] = 0x7f | sign;
			out.push({ name: `non-canonical key y = p + ${k}${sign ? ', sign bit set' : ''}`, sig: other.sig, msg: other.msg, pk, expected: false });
		}
	}
	// Random junk.
	for (let i = 0; i < 20; i++) {
		out.push({ name: `random bytes ${i}`, sig: na.randombytes_buf(64), msg: msgs[i]!, pk: na.randombytes_buf(32) });
	}
	return out;
}

let all: Vector[] = [];
beforeAll(async () => {
	await loadSodium();
	all = vectors();
});

describe('P11 relay Ed25519 parity with libsodium', () => {
	test('P11 relay robustness: server/primitives.ts verifyEd25519 gives libsodium\'s answer on every edge-case vector', () => {
		const verify = sodiumPrimitives().verify;
		const disagreements = all
			.filter((v) => verifyEd25519(v.sig, v.msg, v.pk) !== verify(v.sig, v.msg, v.pk))
			.map((v) => v.name);
		expect(disagreements).toEqual([]);
		const wrong = all.filter((v) => v.expected !== undefined && verify(v.sig, v.msg, v.pk) !== v.expected).map((v) => v.name);
		expect(wrong).toEqual([]);
		expect(all.length).toBeGreaterThan(100);
	});

	test('P11 relay robustness: the vectors reach the gaps where OpenSSL alone disagrees with libsodium', () => {
		// Without these the parity above would hold for the old relay code too.
		const universal = all.find((v) => v.name.startsWith('small-order key 2 '))!;
		expect(universal.pk).toEqual(ONE);
		expect(rawOpenssl(universal.sig, universal.msg, universal.pk)).toBe(true);
		expect(rawOpenssl(universal.sig, utf8('any other message at all'), universal.pk)).toBe(true);
		expect(all.filter((v) => v.opensslAlone).length).toBeGreaterThanOrEqual(8);
		const accepted = all.filter((v) => v.name.startsWith('small-order key') && rawOpenssl(v.sig, v.msg, v.pk));
		expect(accepted.length).toBeGreaterThanOrEqual(4);
	});
});

/** The code `applyOp` throws, or 'accepted'. */
function outcome(state: Parameters<typeof applyOp>[0], op: Op, now: number, primitives: Primitives): string {
	try {
		applyOp(state, op, { now, primitives });
		return 'accepted';
	} catch (error) {
		return isProtocolError(error) ? error.code : `non-protocol error: ${String(error)}`;
	}
}

describe('P2 a joiner with a weak key cannot freeze the group (review poc1)', () => {
	function invitedGroup() {
		const alice = person('alice');
		const log = newGroup(alice, [memberOf(person('bob'), 'member')]);
		const secret = new Uint8Array(32).fill(9);
		log.append(buildInvite(log.state, alice, { secret, expires: T0 + 1e9, maxUses: 5, role: 'member', content: { name: 'g', description: '', inviter: { name: 'a' } } }, { at: T0 }));
		const keys = inviteKeys(secret, log.state.group);
		const coSign = (op: Op) => ({ ...op, inviteSig: toB64(sodium().crypto_sign_detached(opInviteSigningBytes(op), keys.signSk)) }) as Op;
		return { log, secret, coSign };
	}

	test('P2 members control membership: a join by the identity-point key with the universal signature is refused by the relay and by clients alike', () => {
		const { log, secret, coSign } = invitedGroup();
		const eve = person('eve');
		const { op } = buildJoin(log.state, { ...eve, signPk: ONE }, secret, { profile: { name: 'x' } }, { at: T0 });
		const forged = coSign({ ...op, sig: toB64(concat(BASE, ONE)) } as Op);
		const now = log.now + 1000;
		const relay = outcome(log.state, forged, now, nodePrimitives);
		const client = outcome(log.state, forged, now, sodiumPrimitives());
		expect({ relay, client }).toEqual({ relay: 'PROTOCOL_WEAK_KEY', client: 'PROTOCOL_WEAK_KEY' });
		// The relay never stores it, so nobody ever sees it: an honest join still goes through.
		expect(outcome(log.state, buildJoin(log.state, eve, secret, { profile: { name: 'Eve' } }).op, now, nodePrimitives)).toBe('accepted');
	});

	test.each(X25519_SMALL_ORDER.map((box, i) => [i, box] as const))(
		'P2 members control membership: a join whose box key is small-order X25519 encoding %i is refused by the relay and by clients alike',
		(_, box) => {
			const { log, secret, coSign } = invitedGroup();
			const eve = person('eve');
			const { op } = buildJoin(log.state, eve, secret, { profile: { name: 'x' } }, { at: T0 });
			const weak = { ...op, member: { ...op.member, box: toB64(box) } } as Op;
			const resigned = coSign({ ...weak, sig: toB64(sodium().crypto_sign_detached(opSigningBytes(weak), eve.signSk)) } as Op);
			const now = log.now + 1000;
			expect(x25519Refused(box)).toBe(true); // libsodium itself could never seal to it
			expect({ relay: outcome(log.state, resigned, now, nodePrimitives), client: outcome(log.state, resigned, now, sodiumPrimitives()) }).toEqual({
				relay: 'PROTOCOL_WEAK_KEY',
				client: 'PROTOCOL_WEAK_KEY'
			});
		}
	);
});

/** Whether libsodium's crypto_scalarmult refuses `u` as a peer key. */
function x25519Refused(u: Uint8Array): boolean {
	try {
		sodium().crypto_scalarmult(new Uint8Array(32).fill(7), u);
		return false;
	} catch {
		return true;
	}
}
