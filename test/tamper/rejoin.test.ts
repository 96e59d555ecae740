/**
 * A removed member wants back in (P5): the invite it joined with is revoked by its removal (§3.3),
 * so the relay refuses the link, a client refuses it even when a lying relay serves the log as if
 * it were usable, and members refuse a join through it that a lying relay passes on.
 */
import { describe, expect, test } from 'vitest';
import { Tamperer, selfKey } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import { captureEntries, defaults, texts, until, warningKinds } from '../integration/harness.ts';
import { deriveIdentity, newIdentityNonce, newRoot } from '../../src/lib/crypto/identity.ts';
import { parseInviteLink } from '../../src/lib/crypto/invite.ts';
import { buildJoin } from '../../src/lib/protocol/group/build.ts';
import type { Frame } from './proxy.ts';

const worlds = useWorld();

/** ash makes a group and one link (10 uses); bo and cy join with it; ash removes bo. */
async function removedWithLink() {
	const world = await worlds.start(['ash', 'bo', 'cy', 'dee']);
	const { ash, bo, cy, dee } = world.clients as Record<'ash' | 'bo' | 'cy' | 'dee', (typeof world.clients)[string]>;
	const group = await ash!.client.createGroup({ ...defaults, name: 'Circle', pseudonym: 'ash' });
	const invite = await ash!.client.createInvite(group, { expiresInMs: 7 * 86_400_000, maxUses: 10, role: 'member' });
	await bo!.client.joinWithInvite(invite.link, 'bo');
	await cy!.client.joinWithInvite(invite.link, 'cy');
	await until(() => ash!.client.members(group).length === 3);
	await ash!.client.remove(group, selfKey(bo!, group));
	await until(() => bo!.client.groups().find((g) => g.id === group)?.removed === true);
	await until(() => cy!.client.members(group).length === 2);
	return { group, link: invite.link, key: invite.key, ash: ash!, bo: bo!, cy: cy!, dee: dee! };
}

const refusedByRelay = (frames: Frame[]) => frames.some((f) => f.t === 'err' && f.code === 'RELAY_INVITE_INVALID');

describe('P5 secrecy after removal: a removed member cannot come back through its old link', () => {
	test('P5 secrecy after removal: the relay refuses the link a removed member joined with, to it and to anyone else holding it', async () => {
		const { group, link, key, ash, bo, dee } = await removedWithLink();
		expect(ash.client.invites(group).find((i) => i.key === key)).toMatchObject({ revoked: true, uses: 2 });
		await expect(bo.client.joinWithInvite(link, 'bo again')).rejects.toMatchObject({ code: 'PROTOCOL_INVITE_INVALID' });
		expect(refusedByRelay(worlds.current.proxy.seen('bo'))).toBe(true);
		await expect(dee.client.joinWithInvite(link, 'dee')).rejects.toMatchObject({ code: 'PROTOCOL_INVITE_INVALID' });
		expect(refusedByRelay(worlds.current.proxy.seen('dee'))).toBe(true);
		// The admin was told which link went with the removal.
		expect(ash.client.messages(group).some((m) => m.kind === 'system' && /invite link they joined with was withdrawn/.test(m.text))).toBe(true);
	});

	test('P5 secrecy after removal: a client refuses the old link even when a lying relay serves the log as if it were usable', async () => {
		const { group, link, ash, bo } = await removedWithLink();
		const ops = (await captureEntries(worlds.current.relay.url, ash, group)).filter((e) => e.entry.op).map((e) => ({ seq: e.seq, ts: e.ts, op: e.entry.op }));
		worlds.current.proxy.onDown('bo', (frame) => (frame.t === 'err' && frame.code === 'RELAY_INVITE_INVALID' ? [{ t: 'ok', re: frame.re, ops }] : [frame]));
		await expect(bo.client.joinWithInvite(link, 'bo again')).rejects.toMatchObject({ code: 'PROTOCOL_INVITE_INVALID' });
	});

	test('P5 secrecy after removal: members refuse a join through the withdrawn link that a lying relay passes on', async () => {
		const { group, link, ash, cy } = await removedWithLink();
		const tamper = new Tamperer();
		worlds.current.proxy.onDown('cy', tamper.hook);
		await ash.client.send(group, { text: 'before' });
		await until(() => texts(cy, group).includes('before'));
		// The key ops the removal calls for (§4.4) have landed, so the injected entry is the head.
		await until(() => {
			const now = cy.client.state(group)!;
			return Object.values(now.members).every((m) => m.rkAt === now.epoch);
		});
		const state = cy.client.state(group)!;
		const { secret } = parseInviteLink(link);
		const key = Object.values(state.invites)[0]!.key;
		// The relay pretends the invite is still usable, as the removed member's client would need.
		const pretend = { ...state, invites: { ...state.invites, [key]: { ...state.invites[key]!, revoked: false } } };
		const { op } = buildJoin(pretend, deriveIdentity(newRoot(), newIdentityNonce()), secret, { profile: { name: 'bo again' } });
		tamper.inject({ t: 'entry', group, seq: 0, ts: Date.now(), entry: { op } });
		await until(() => cy.client.groups().find((g) => g.id === group)?.frozen !== undefined);
		expect(cy.client.groups().find((g) => g.id === group)!.frozen!.code).toBe('PROTOCOL_INVITE_INVALID');
		expect(warningKinds(cy, group)).toContain('tampered-log');
		expect(cy.client.members(group)).toHaveLength(2);
	});
});
