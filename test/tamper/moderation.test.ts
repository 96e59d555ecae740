/**
 * Un-hide and warn (PROTOCOL §13.4, §13.5) with three members and a relay that lies to one of
 * them (Bo): a moderator's `unhide` is a chained op, so the relay can neither forge, replay nor
 * drop one unnoticed; a `warn` note opens only for its target and the moderators.
 */
import { describe, expect, test } from 'vitest';
import { isEntry, selfKey, type EntryFrame } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import { texts, until, warningKinds, type TestClient } from '../integration/harness.ts';
import { sodium } from '../../src/lib/crypto/sodium.ts';
import { deriveIdentity, newIdentityNonce, newRoot } from '../../src/lib/crypto/identity.ts';
import { buildUnhide, buildWarn } from '../../src/lib/protocol/group/build.ts';
import { opSigningBytes } from '../../src/lib/protocol/group/state.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';
import type { Op } from '../../src/lib/core/schema.ts';

const worlds = useWorld();

const intruder = () => deriveIdentity(newRoot(), newIdentityNonce());

/** Re-labels an op as written by `author` and signs it with a key that is not theirs. */
function impersonate<T extends Op>(op: T, author: string, wrongSk: Uint8Array): T {
	const claimed = { ...op, author } as T;
	claimed.sig = toB64(sodium().crypto_sign_detached(opSigningBytes(claimed), wrongSk));
	return claimed;
}

const entryOf = (group: string, op: Op): EntryFrame => ({ t: 'entry', group, seq: 0, ts: Date.now(), entry: { op } });
const byText = (c: TestClient, group: string, text: string) => c.client.messages(group).find((m) => m.kind === 'text' && m.text === text);
const notes = (c: TestClient, group: string) => c.client.messages(group).filter((m) => m.note === 'warn').map((m) => m.text);

/** Ash (admin) with Bo (the relay's victim) and Cy; Ash has posted a message everyone holds. */
async function setup() {
	const { world, tamper, group } = await worlds.withVictim(['ash', 'bo', 'cy'], 'bo');
	const { ash, bo, cy } = world.clients as Record<'ash' | 'bo' | 'cy', TestClient>;
	await cy!.client.send(group, { text: 'unkind words' });
	await until(() => texts(bo!, group).includes('unkind words') && texts(ash!, group).includes('unkind words'));
	return { tamper, group, ash: ash!, bo: bo!, cy: cy! };
}

describe('§13.4 un-hide, against a tampering relay', () => {
	test('a hide keeps the words on each device (not shown) and an unhide by a moderator shows them again for everyone; a member cannot unhide', async () => {
		const { group, ash, bo, cy } = await setup();
		const id = byText(ash, group, 'unkind words')!.id;
		await ash.client.hide(group, id);
		await until(() => !texts(bo, group).includes('unkind words') && !texts(cy, group).includes('unkind words'));
		expect(bo.client.messages(group).find((m) => m.id === id)!.hidden).toBe(true);
		// A member may not undo a moderator's hide: refused by their own client (and the relay, server/unhide-warn.test.ts).
		await expect(bo.client.unhide(group, id)).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
		await ash.client.unhide(group, id);
		await until(() => texts(bo, group).includes('unkind words') && texts(cy, group).includes('unkind words'));
		expect(texts(ash, group)).toContain('unkind words');
		expect(ash.client.state(group)!.hidden).toEqual([]);
	});

	test('P2 the relay cannot forge an unhide: one not signed by a moderator freezes the victim and the message stays hidden', async () => {
		const { tamper, group, ash, bo } = await setup();
		const id = byText(ash, group, 'unkind words')!.id;
		await ash.client.hide(group, id);
		await until(() => !texts(bo, group).includes('unkind words'));
		const state = bo.client.state(group)!;
		const seq = state.hidden[0]!;
		const mallory = intruder();
		tamper.inject(entryOf(group, impersonate(buildUnhide(state, mallory, seq), selfKey(ash, group), mallory.signSk)));
		await until(() => bo.client.groups()[0]!.frozen !== undefined);
		expect(bo.client.groups()[0]!.frozen!.code).toBe('PROTOCOL_BAD_SIGNATURE');
		expect(texts(bo, group)).not.toContain('unkind words');
		expect(bo.client.state(group)!.hidden).toEqual([seq]);
	});

	test('P2 the relay cannot replay an old unhide after a second hide', async () => {
		const { tamper, group, ash, bo } = await setup();
		const id = byText(ash, group, 'unkind words')!.id;
		await ash.client.hide(group, id);
		await ash.client.unhide(group, id);
		await until(() => texts(bo, group).includes('unkind words'));
		await ash.client.hide(group, id);
		await until(() => !texts(bo, group).includes('unkind words'));
		const unhide = worlds.current.proxy.seen('bo').filter(isEntry).find((f) => f.entry.op?.kind === 'unhide')!;
		expect(unhide).toBeDefined();
		tamper.inject({ ...unhide });
		await until(() => bo.client.groups()[0]!.frozen !== undefined);
		expect(bo.client.groups()[0]!.frozen!.code).toBe('PROTOCOL_REPLAY');
		expect(texts(bo, group)).not.toContain('unkind words');
	});

	test('P6 the relay cannot drop an unhide unnoticed: the next message names the op Bo never got', async () => {
		const { tamper, group, ash, bo, cy } = await setup();
		const id = byText(ash, group, 'unkind words')!.id;
		await ash.client.hide(group, id);
		await until(() => !texts(bo, group).includes('unkind words'));
		tamper.rule = (f) => (f.entry.op?.kind === 'unhide' ? [] : undefined);
		await ash.client.unhide(group, id);
		await until(() => texts(cy, group).includes('unkind words'));
		await ash.client.send(group, { text: 'after the unhide' });
		await until(() => warningKinds(bo, group).includes('fork'));
		expect(texts(bo, group)).not.toContain('after the unhide');
	});
});

describe('§13.5 warn: a private note from the moderators', () => {
	test('the note reaches only its target and the moderators: a third member cannot open it and sees nothing', async () => {
		const { group, ash, bo, cy } = await setup();
		const cyKey = selfKey(cy, group);
		await ash.client.warn(group, cyKey, 'Please keep things kind here.');
		await until(() => notes(cy, group).length === 1 && notes(ash, group).length === 1);
		expect(notes(cy, group)).toEqual(['A moderator sent you a note: Please keep things kind here.']);
		expect(notes(ash, group)[0]).toMatch(/warned .*: Please keep things kind here\.$/);
		// Bo holds the same op (the log moves on for everyone) but nothing opens for Bo.
		await until(() => bo.client.state(group)!.head === ash.client.state(group)!.head);
		expect(notes(bo, group)).toEqual([]);
		expect(bo.client.messages(group).some((m) => m.text.includes('keep things kind'))).toBe(false);
		// And the op itself does not say whom it was for.
		const op = worlds.current.proxy.seen('bo').filter(isEntry).find((f) => f.entry.op?.kind === 'warn')!.entry.op as Op;
		expect(JSON.stringify(op)).not.toContain(cyKey);
	});

	test('a moderator made later reads notes sent after, and a member cannot warn (refused by their own client)', async () => {
		const { group, ash, bo, cy } = await setup();
		await expect(bo.client.warn(group, selfKey(cy, group), 'you too')).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
		await ash.client.setRole(group, selfKey(bo, group), 'moderator');
		await until(() => bo.client.members(group).find((m) => m.self)!.role === 'moderator');
		await ash.client.warn(group, selfKey(cy, group), 'A gentle reminder.');
		await until(() => notes(bo, group).length === 1 && notes(cy, group).length === 1);
		expect(notes(bo, group)[0]).toMatch(/warned .*: A gentle reminder\.$/);
	});

	test('P2 the relay cannot forge a warn in a moderator\'s name: the victim freezes and shows no note', async () => {
		const { tamper, group, ash, bo } = await setup();
		const state = bo.client.state(group)!;
		const mallory = intruder();
		tamper.inject(entryOf(group, impersonate(buildWarn(state, mallory, selfKey(bo, group), 'You are banned.'), selfKey(ash, group), mallory.signSk)));
		await until(() => bo.client.groups()[0]!.frozen !== undefined);
		expect(notes(bo, group)).toEqual([]);
	});
});
