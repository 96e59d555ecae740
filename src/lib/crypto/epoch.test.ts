import { beforeAll, describe, expect, test } from 'vitest';
import { toB64 } from '../core/bytes.ts';
import { buildRemove, metaKeyOf } from '../protocol/group/build.ts';
import { memberOf, newGroup, person } from '../protocol/group/testkit.ts';
import { deriveEpochKeys, epochCommit, newEpochSecret, openEpochSecret, sealEpochKeys, wipeEpochKeys } from './epoch.ts';
import { deriveIdentity, identityMember } from './identity.ts';
import { ready, sodium } from './sodium.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';

const people = (n: number) => Array.from({ length: n }, (_, i) => deriveIdentity(new Uint8Array(32).fill(i + 1), new Uint8Array(32)));

beforeAll(async () => {
	await ready();
});

function fullGroupForTests() {
	const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(person) as [ReturnType<typeof person>, ReturnType<typeof person>, ReturnType<typeof person>];
	const log = newGroup(alice, [memberOf(bob, 'moderator'), memberOf(carol, 'member')]);
	return { state: log.state, alice, carol };
}

describe('epoch secret delivery', () => {
	test('every member opens the same secret from its own sealed box, and it matches the commitment', () => {
		const ids = people(3);
		const secret = newEpochSecret();
		const group = toB64(new Uint8Array(32).fill(9));
		const fields = sealEpochKeys(secret, 4, group, ids.map((id) => identityMember(id, 'member')));
		for (const id of ids) {
			const opened = openEpochSecret(fields, group, { sign: toB64(id.signPk), boxPk: id.boxPk, boxSk: id.boxSk });
			expect(opened).toEqual(secret);
		}
		expect([...fields.keys.map((k) => k.to)]).toEqual(fields.keys.map((k) => k.to).sort());
	});

	test('a secret sealed to one member but different from the commitment is refused with PROTOCOL_BAD_KEYS', () => {
		const [a, b] = people(2);
		const group = toB64(new Uint8Array(32).fill(9));
		const fields = sealEpochKeys(newEpochSecret(), 1, group, [identityMember(a!, 'member'), identityMember(b!, 'member')]);
		const other = sealEpochKeys(newEpochSecret(), 1, group, [identityMember(b!, 'member')]);
		const split = { ...fields, keys: fields.keys.map((k) => (k.to === toB64(b!.signPk) ? other.keys[0]! : k)) };
		expectCode(() => openEpochSecret(split, group, { sign: toB64(b!.signPk), boxPk: b!.boxPk, boxSk: b!.boxSk }), 'PROTOCOL_BAD_KEYS');
		expect(() => openEpochSecret(fields, group, { sign: toB64(b!.signPk), boxPk: b!.boxPk, boxSk: b!.boxSk })).not.toThrow();
	});

	test('the commitment binds the epoch number and the group', () => {
		const secret = newEpochSecret();
		const g = toB64(new Uint8Array(32).fill(1));
		const h = toB64(new Uint8Array(32).fill(2));
		expect(epochCommit(1, g, secret)).not.toEqual(epochCommit(2, g, secret));
		expect(epochCommit(1, g, secret)).not.toEqual(epochCommit(1, h, secret));
		expect(epochCommit(0, '', secret)).not.toEqual(epochCommit(0, g, secret));
	});

	test('P5 secrecy after removal: a removed member is not among the new epoch\'s key recipients and cannot open any sealed key', () => {
		const { state, alice, carol } = fullGroupForTests();
		const { op, secret } = buildRemove(state, alice, toB64(carol.signPk));
		expect(op.keys.map((k) => k.to)).not.toContain(toB64(carol.signPk));
		for (const key of op.keys) {
			expect(() => sodium().crypto_box_seal_open(sodium().from_base64(key.box, sodium().base64_variants.URLSAFE_NO_PADDING), carol.boxPk, carol.boxSk)).toThrow();
		}
		expectCode(() => openEpochSecret(op, state.group, { sign: toB64(carol.signPk), boxPk: carol.boxPk, boxSk: carol.boxSk }), 'PROTOCOL_BAD_KEYS');
		const opened = openEpochSecret(op, state.group, { sign: toB64(alice.signPk), boxPk: alice.boxPk, boxSk: alice.boxSk });
		expect(opened).toEqual(secret);
	});
});

describe('epoch key derivation', () => {
	test('derives a meta key and one distinct chain key per member, then wipes the epoch secret', () => {
		const secret = newEpochSecret();
		const copy = secret.slice();
		const members = people(3).map((id) => id.signPk);
		const keys = deriveEpochKeys(secret, new Uint8Array(32).fill(5), members);
		expect(secret.every((x) => x === 0)).toBe(true);
		expect(keys.chains.size).toBe(3);
		const all = [keys.metaKey, ...keys.chains.values()].map(toB64);
		expect(new Set(all).size).toBe(4);
		expect(toB64(keys.metaKey)).toBe(toB64(metaKeyOf(copy, toB64(new Uint8Array(32).fill(5)))));
		wipeEpochKeys(keys);
		expect(keys.metaKey.every((x) => x === 0)).toBe(true);
	});

	test('P7 domain separation: the same secret gives different keys for two groups and for meta and chain purposes', () => {
		const secret = newEpochSecret();
		const pk = people(1)[0]!.signPk;
		const a = deriveEpochKeys(secret.slice(), new Uint8Array(32).fill(1), [pk]);
		const b = deriveEpochKeys(secret.slice(), new Uint8Array(32).fill(2), [pk]);
		const genesis = deriveEpochKeys(secret.slice(), new Uint8Array(0), [pk]);
		const chain = (k: typeof a) => toB64(k.chains.get(toB64(pk))!);
		expect(new Set([toB64(a.metaKey), toB64(b.metaKey), toB64(genesis.metaKey), chain(a), chain(b), chain(genesis)]).size).toBe(6);
	});

	test('a group id of the wrong size is refused with PROTOCOL_BAD_LENGTH', () => {
		expectCode(() => deriveEpochKeys(newEpochSecret(), new Uint8Array(16), []), 'PROTOCOL_BAD_LENGTH');
	});
});
