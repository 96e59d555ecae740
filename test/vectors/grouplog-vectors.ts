/**
 * Known-answer vectors for the GROUP-LOG constructions (docs/PROTOCOL.md §2 identities and
 * safety numbers, §3 group log, §4.1-§4.2 epoch delivery and derivation, §7 invites), from fixed
 * inputs and explicit nonces. Sealed boxes (crypto_box_seal) are randomised by design: they are
 * stored as produced and checked in the open direction.
 *
 * Regenerate (only when the protocol changes on purpose):
 *   node test/vectors/grouplog-vectors.ts
 * src/lib/protocol/group/vectors.test.ts recomputes every value and compares.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveEpochKeys, epochCommit, sealEpochKeys } from '../../src/lib/crypto/epoch.ts';
import { deriveIdentity, identityMember } from '../../src/lib/crypto/identity.ts';
import { inviteFetchSignature, inviteKeys, inviteLink, sealInviteBody } from '../../src/lib/crypto/invite.ts';
import { sodiumPrimitives } from '../../src/lib/crypto/primitives.ts';
import { safetyNumber } from '../../src/lib/crypto/safety.ts';
import { ready } from '../../src/lib/crypto/sodium.ts';
import { toB64 } from '../../src/lib/protocol/bytes.ts';
import * as b from '../../src/lib/protocol/group/build.ts';
import { applyOp, opHashB64, opSigningBytes } from '../../src/lib/protocol/group/state.ts';
import type { Op } from '../../src/lib/protocol/schema.ts';
import type { GroupState } from '../../src/lib/protocol/group/types.ts';

export const fill = (n: number, length = 32) => new Uint8Array(length).fill(n);
const T = 1_700_000_000_000;

export const GROUP_INPUTS = {
	settings: { retention: 604800, rotate: 0, invite: 'admins', listeners: true, listenersMaySpeak: true, pair: false },
	genesis: { name: 'Tuesday circle', description: 'A quiet place', profile: { name: 'Sam' } },
	invite: { name: 'Tuesday circle', description: 'A quiet place', inviter: { name: 'Sam' } },
	join: { profile: { name: 'River' } },
	origin: 'https://unseen.example'
} as const;

/** Person n: root = fill(n), nonce = fill(n + 0x80). */
export const personOf = (n: number) => deriveIdentity(fill(n), fill(n + 0x80));

export async function groupLogVectors(): Promise<Record<string, unknown>> {
	await ready();
	const primitives = sodiumPrimitives();

	const identity = [1, 2].map((n) => {
		const id = personOf(n);
		return { root: toB64(fill(n)), nonce: toB64(fill(n + 0x80)), signPk: toB64(id.signPk), signSk: toB64(id.signSk), boxPk: toB64(id.boxPk), boxSk: toB64(id.boxSk) };
	});

	const [sam, alex, river] = [1, 2, 3].map(personOf) as [ReturnType<typeof personOf>, ReturnType<typeof personOf>, ReturnType<typeof personOf>];
	// Group log: genesis (sam admin, alex member) → invite → join (river) → remove alex → role.
	const entries: { now: number; op: Op; hash: string; signingBytes: string; secret?: string; bodyNonce?: string }[] = [];
	let state: GroupState | null = null;
	const push = (op: Op, now: number, extra: { secret?: Uint8Array; bodyNonce?: Uint8Array } = {}) => {
		state = applyOp(state, op, { now, primitives });
		entries.push({ now, op, hash: opHashB64(op, primitives), signingBytes: toB64(opSigningBytes(op)), secret: extra.secret && toB64(extra.secret), bodyNonce: extra.bodyNonce && toB64(extra.bodyNonce) });
	};
	const genesis = b.buildGenesis(sam, { settings: GROUP_INPUTS.settings, others: [identityMember(alex, 'member')], content: GROUP_INPUTS.genesis, genesisNonce: fill(0x6e) }, { at: T, secret: fill(0xe0), nonce: fill(0xb0, 24) });
	push(genesis.op, T, { secret: fill(0xe0), bodyNonce: fill(0xb0, 24) });
	const inviteSecret = fill(0x1a);
	push(b.buildInvite(state!, sam, { secret: inviteSecret, expires: T + 86_400_000, maxUses: 5, role: 'member', content: GROUP_INPUTS.invite }, { at: T + 1000, nonce: fill(0xb1, 24) }), T + 1000, { bodyNonce: fill(0xb1, 24) });
	push(b.buildJoin(state!, river, inviteSecret, GROUP_INPUTS.join, { at: T + 2000, secret: fill(0xe1), nonce: fill(0xb2, 24) }).op, T + 2000, { secret: fill(0xe1), bodyNonce: fill(0xb2, 24) });
	push(b.buildRemove(state!, sam, toB64(alex.signPk), { at: T + 3000, secret: fill(0xe2) }).op, T + 3000, { secret: fill(0xe2) });
	push(b.buildRole(state!, sam, toB64(river.signPk), 'moderator', { at: T + 4000 }), T + 4000);
	const group = { description: 'people: identity n = deriveIdentity(fill(n), fill(n + 0x80)); sam = 1, alex = 2, river = 3', inputs: GROUP_INPUTS, entries, state };

	const g = toB64(fill(0x47));
	const members = [sam, alex].map((id) => identityMember(id, 'member'));
	const epochCase = (epoch: number, groupId: string, secretByte: number) => {
		const secret = fill(secretByte);
		const fields = sealEpochKeys(secret, epoch, groupId, members);
		const keys = deriveEpochKeys(fill(secretByte), groupId === '' ? new Uint8Array(0) : fill(0x47), members.map((m) => m.sign));
		return { epoch, group: groupId, secret: toB64(secret), commit: toB64(epochCommit(epoch, groupId, secret)), keys: fields.keys, metaKey: toB64(keys.metaKey), chains: Object.fromEntries([...keys.chains].map(([k, v]) => [k, toB64(v)])) };
	};
	const epoch = { description: 'recipients: identity 1 and 2 of identity.json; keys[].box opens with their box keys', cases: [epochCase(0, '', 0xe0), epochCase(3, g, 0xe3)] };

	const ik = inviteKeys(inviteSecret, g);
	const challenge = toB64(fill(0xc4));
	const invite = {
		secret: toB64(inviteSecret),
		group: g,
		invitePk: toB64(ik.signPk),
		encKey: toB64(ik.encKey),
		link: inviteLink(GROUP_INPUTS.origin, g, inviteSecret),
		content: GROUP_INPUTS.invite,
		bodyNonce: toB64(fill(0xb1, 24)),
		body: sealInviteBody(ik, g, GROUP_INPUTS.invite, fill(0xb1, 24)),
		challenge,
		fetchSig: inviteFetchSignature(ik, challenge, g)
	};

	const safety = [
		{ group: g, a: toB64(sam.signPk), b: toB64(alex.signPk) },
		{ group: toB64(fill(0x48)), a: toB64(fill(0x01)), b: toB64(fill(0xff)) }
	].map((c) => ({ ...c, ...safetyNumber(c.group, c.a, c.b) }));

	return { identity: { cases: identity }, group, epoch, invite, safety: { cases: safety } };
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const all = await groupLogVectors();
	for (const [name, value] of Object.entries(all)) {
		writeFileSync(join(import.meta.dirname, `${name}.json`), JSON.stringify(value, null, '\t') + '\n');
	}
	console.log('wrote', Object.keys(all).map((n) => `${n}.json`).join(', '));
}
