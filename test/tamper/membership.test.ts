/**
 * Malicious relay vs. membership (P2): the relay invents, replays and forks group operations.
 * Each test fails if the victim's client accepts the attack.
 */
import { describe, expect, test } from 'vitest';
import { isEntry, selfKey, type EntryFrame } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import { texts, until, untilKeysSettled, warningKinds } from '../integration/harness.ts';
import { sodium } from '../../src/lib/crypto/sodium.ts';
import { deriveIdentity, newIdentityNonce, newRoot } from '../../src/lib/crypto/identity.ts';
import { inviteKeys } from '../../src/lib/crypto/invite.ts';
import { buildAdd, buildJoin, buildRemove } from '../../src/lib/protocol/group/build.ts';
import { opSigningBytes } from '../../src/lib/protocol/group/state.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';
import type { GroupState } from '../../src/lib/protocol/group/types.ts';
import type { Op } from '../../src/lib/core/schema.ts';

const worlds = useWorld();

const intruder = () => deriveIdentity(newRoot(), newIdentityNonce());
const asMember = (id: ReturnType<typeof intruder>) => ({ sign: toB64(id.signPk), box: toB64(id.boxPk), role: 'admin' as const });

/** Re-labels an op as written by `author` and signs it with a key that is not theirs. */
function impersonate<T extends Op>(op: T, author: string, wrongSk: Uint8Array): T {
	const claimed = { ...op, author } as T;
	claimed.sig = toB64(sodium().crypto_sign_detached(opSigningBytes(claimed), wrongSk));
	return claimed;
}

async function setup() {
	const { world, tamper, group } = await worlds.withVictim(['ash', 'bo', 'cy'], 'bo');
	const { ash, bo, cy } = world.clients as Record<'ash' | 'bo' | 'cy', (typeof world.clients)[string]>;
	await ash!.client.send(group, { text: 'first' });
	await until(() => texts(bo!, group).includes('first') && texts(cy!, group).includes('first'));
	// The tests below act on a head they read; the members' own key ops must not move it.
	await untilKeysSettled([ash!, bo!, cy!], group);
	return { tamper, group, ash: ash!, bo: bo!, cy: cy! };
}

const entryOf = (group: string, op: Op): EntryFrame => ({ t: 'entry', group, seq: 0, ts: Date.now(), entry: { op } });

describe('P2 members control membership, against a tampering relay', () => {
	const forgedAdds: [string, (state: GroupState, ash: string) => Op][] = [
		['signed by a key that is not a member', (state) => buildAdd(state, intruder(), asMember(intruder())).op],
		['claiming to be the admin without the admin key', (state, ash) => {
			const mallory = intruder();
			return impersonate(buildAdd(state, mallory, asMember(mallory)).op, ash, mallory.signSk);
		}],
		['through an invite the admins never made', (state, ash) => {
			const secret = sodium().randombytes_buf(32);
			const key = toB64(inviteKeys(secret, state.group).signPk);
			const invented = { key, author: ash, expires: Date.now() + 60_000, maxUses: 5, uses: 0, role: 'member' as const, revoked: false };
			return buildJoin({ ...state, invites: { ...state.invites, [key]: invented } }, intruder(), secret, { profile: { name: 'mallory' } }).op;
		}]
	];

	test.each(forgedAdds)('P2 the relay cannot add a member: a forged op %s is rejected and freezes the group', async (_name, forge) => {
		const { tamper, group, ash, bo, cy } = await setup();
		const state = bo.client.state(group)!;
		const ashKey = selfKey(ash, group);
		const op = forge(state, ashKey);
		tamper.inject(entryOf(group, op));
		await until(() => bo.client.groups()[0]!.frozen !== undefined);
		expect(warningKinds(bo, group)).toContain('tampered-log');
		expect(bo.client.members(group)).toHaveLength(3);
		expect(bo.client.state(group)!.head).toBe(state.head);
		// The rest of the group carries on; the victim shows nothing more until resolved.
		await ash.client.send(group, { text: 'after the forgery' });
		await until(() => texts(cy, group).includes('after the forgery'));
		expect(texts(bo, group)).not.toContain('after the forgery');
		await expect(bo.client.send(group, { text: 'into a frozen group' })).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
	});

	test('P2 the relay cannot remove a member: a remove op not signed by the admin is rejected', async () => {
		const { tamper, group, ash, bo, cy } = await setup();
		const state = bo.client.state(group)!;
		const mallory = intruder();
		const forged = impersonate(buildRemove(state, mallory, selfKey(cy, group)).op, selfKey(ash, group), mallory.signSk);
		tamper.inject(entryOf(group, forged));
		await until(() => bo.client.groups()[0]!.frozen !== undefined);
		expect(bo.client.groups()[0]!.frozen!.code).toBe('PROTOCOL_BAD_SIGNATURE');
		expect(bo.client.members(group).map((m) => m.sign)).toContain(selfKey(cy, group));
	});

	test('P2 the relay cannot replay an old membership operation', async () => {
		const { tamper, group, bo } = await setup();
		const join = worlds.current.proxy.seen('bo').filter(isEntry).find((f) => f.entry.op?.kind === 'join')!;
		expect(join).toBeDefined();
		tamper.inject({ ...join });
		await until(() => bo.client.groups()[0]!.frozen !== undefined);
		expect(bo.client.groups()[0]!.frozen!.code).toBe('PROTOCOL_REPLAY');
		expect(bo.client.members(group)).toHaveLength(3);
	});

	test('P2 a forked log is detected: a client shown a different op on the same parent freezes when the other surfaces', async () => {
		const { tamper, group, ash, bo, cy } = await setup();
		await ash.client.setRole(group, selfKey(cy, group), 'admin');
		// Cy acts as an admin below: its own client must know it is one, not only Bo's.
		await until(() => [bo, cy].every((p) => p.client.members(group).find((m) => m.sign === selfKey(cy, group))?.role === 'admin'));
		// Two admins act at once on the same head. The relay keeps Ash's op and tells Cy
		// RELAY_CONFLICT, but a lying relay shows Bo the losing op instead of the winning one.
		const parent = ash.client.state(group)!;
		let cyOp: Op | null = null;
		worlds.current.proxy.onUp('cy', (frame) => {
			const op = (frame as { entry?: { op?: Op } }).entry?.op;
			if (frame.t === 'append' && op && op.kind === 'role' && !cyOp) {
				cyOp = op;
				return [];
			}
			return [frame];
		});
		const cyAttempt = cy.client.setRole(group, selfKey(bo, group), 'moderator').catch((e: unknown) => e);
		await until(() => cyOp !== null);
		tamper.rule = (f) => (f.entry.op?.kind === 'role' && f.entry.op.parent === parent.head ? [{ ...f, entry: { op: cyOp! } }] : undefined);
		await ash.client.setRole(group, selfKey(cy, group), 'moderator');
		await until(() => bo.client.members(group).find((m) => m.sign === selfKey(bo, group))?.role === 'moderator');
		expect(bo.client.groups()[0]!.frozen).toBeUndefined();
		// Later the relay (or a member's message naming the real head) lets the true op through.
		tamper.rule = null;
		const real = worlds.current.proxy.seen('bo').filter(isEntry).find((f) => f.entry.op?.kind === 'role' && f.entry.op.parent === parent.head && f.entry.op.author === selfKey(ash, group))!;
		tamper.inject({ ...real });
		await until(() => bo.client.groups()[0]!.frozen !== undefined);
		expect(bo.client.groups()[0]!.frozen!.code).toBe('PROTOCOL_FORK');
		void cyAttempt;
	});

	test('P6 withholding an op from one member is detected from the next message that names it', async () => {
		const { tamper, group, ash, bo } = await setup();
		tamper.rule = (f) => (f.entry.op?.kind === 'invite' ? [] : undefined);
		await ash.client.createInvite(group, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
		await ash.client.send(group, { text: 'sent after a hidden op' });
		await until(() => warningKinds(bo, group).includes('fork'));
		expect(texts(bo, group)).not.toContain('sent after a hidden op');
	});
});
