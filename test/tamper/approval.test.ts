/**
 * Approval of new members (PROTOCOL §13.8) against a lying relay. Ash (admin) keeps a circle with
 * Bo where new members wait; Nia asks to join. Every entry on its way to Nia (or to Bo) passes
 * through the tampering proxy: the relay cannot give a waiting newcomer anything to read, cannot
 * let anyone in, cannot bypass approval with a plain join, and cannot replay an approval.
 */
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Tamperer, isEntry, startWorld, type EntryFrame, type World } from './setup.ts';
import type { Link } from './proxy.ts';
import { defaults, texts, until, type TestClient } from '../integration/harness.ts';
import { ready } from '../../src/lib/crypto/sodium.ts';
import { deriveIdentity, newIdentityNonce, newRoot } from '../../src/lib/crypto/identity.ts';
import { parseInviteLink } from '../../src/lib/crypto/invite.ts';
import { buildApprove, buildJoin } from '../../src/lib/protocol/group/build.ts';
import type { Op } from '../../src/lib/core/schema.ts';

beforeAll(() => ready());

let world: World | null = null;
afterEach(async () => {
	await world?.close();
	world = null;
});

const entryOf = (group: string, op: Op): EntryFrame => ({ t: 'entry', group, seq: 0, ts: Date.now(), entry: { op } });

/** Ash (admin) and Bo in a circle with approval on; Nia asks to join through a link for three. */
async function setup(victim: 'nia' | 'bo') {
	world = await startWorld(['ash', 'bo', 'nia']);
	const tamper = new Tamperer();
	world.proxy.onDown(victim, tamper.hook);
	const { ash, bo, nia } = world.clients as Record<'ash' | 'bo' | 'nia', TestClient>;
	const group = await ash!.client.createGroup({ ...defaults, name: 'Circle', pseudonym: 'Ash' });
	const first = await ash!.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 1, role: 'member' });
	await bo!.client.joinWithInvite(first.link, 'Bo');
	await ash!.client.setSafety(group, { slow: 0, links: 'any', approve: true });
	const invite = await ash!.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 3, role: 'member' });
	await until(() => bo!.client.summary(group)?.settings.approve === true);
	await nia!.client.joinWithInvite(invite.link, 'Nia', 'Hello.');
	await until(() => ash!.client.joinRequests(group).length === 1);
	return { tamper, group, ash: ash!, bo: bo!, nia: nia!, link: invite.link, niaKey: ash!.client.joinRequests(group)[0]!.sign };
}

describe('approval of new members against a tampering relay (§13.8)', () => {
	test('P5: a pending requester receives no message entry and no epoch key until a moderator approves', { timeout: 60_000 }, async () => {
		const { tamper, group, ash, bo, nia, niaKey } = await setup('nia');
		// Only watching: the ops-only feed has holes where messages were, which an honest relay leaves.
		tamper.fillSeqGaps = false;
		await ash.client.send(group, { text: 'said while Nia waits' });
		await bo.client.send(group, { text: 'also while Nia waits' });
		await until(() => texts(bo, group).includes('said while Nia waits') && texts(ash, group).includes('also while Nia waits'));
		// Bo leaves: Ash starts a new epoch at once (P5), sealed to the members only.
		const epoch = ash.client.state(group)!.epoch;
		await bo.client.leave(group);
		await until(() => ash.client.state(group)!.epoch > epoch, 30_000, 'ash rekeys');
		await until(() => nia.client.state(group)!.epoch > epoch, 30_000, 'nia sees the rekey');
		const seen = () => world!.proxy.seen('nia').filter(isEntry).filter((f) => f.group === group);
		// Nothing it could read, and no epoch secret addressed to it, while it waits.
		expect(seen().some((f) => f.entry.msg !== undefined)).toBe(false);
		for (const f of seen()) expect((f.entry.op as { keys?: { to: string }[] } | undefined)?.keys?.some((k) => k.to === niaKey) ?? false).toBe(false);
		expect(texts(nia, group)).toEqual([]);
		// Let in: from the approve on, it reads what is said.
		await ash.client.approveRequest(group, niaKey);
		await ash.client.send(group, { text: 'welcome' });
		await until(() => texts(nia, group).includes('welcome'), 30_000, 'Nia reads what is said after its approve');
		expect(texts(nia, group)).toEqual(['welcome']);
	});

	test('P2: the relay cannot approve: an approve it builds is refused by the requester, which is not let in', { timeout: 60_000 }, async () => {
		const { tamper, group, nia, niaKey } = await setup('nia');
		const state = nia.client.state(group)!;
		const mallory = deriveIdentity(newRoot(), newIdentityNonce());
		tamper.inject(entryOf(group, buildApprove(state, mallory, niaKey).op));
		await until(() => nia.client.summary(group)?.frozen !== undefined);
		expect(nia.client.summary(group)!.frozen!.code).toBe('PROTOCOL_UNKNOWN_MEMBER');
		expect(nia.client.summary(group)!.role).not.toBe('member');
		expect(Object.hasOwn(nia.client.state(group)!.members, niaKey)).toBe(false);
	});

	test('P2: a join that bypasses approval, passed on by the relay, is refused by the members', { timeout: 60_000 }, async () => {
		const { tamper, group, bo, link } = await setup('bo');
		const holder = deriveIdentity(newRoot(), newIdentityNonce());
		const { op } = buildJoin(bo.client.state(group)!, holder, parseInviteLink(link).secret, { profile: { name: 'Sly' } });
		tamper.inject(entryOf(group, op));
		await until(() => bo.client.summary(group)?.frozen !== undefined);
		expect(bo.client.summary(group)!.frozen!.code).toBe('PROTOCOL_NOT_ALLOWED');
		expect(bo.client.members(group).map((m) => m.name)).not.toContain('Sly');
	});

	test('a declined requester cannot read: a relay that hides the decline and hands it later messages shows it nothing', { timeout: 60_000 }, async () => {
		const { tamper, group, ash, nia, niaKey } = await setup('nia');
		tamper.rule = (f) => (f.entry.op?.kind === 'decline' ? [] : undefined);
		await ash.client.declineRequest(group, niaKey);
		await ash.client.send(group, { text: 'after the decline' });
		await until(() => texts(ash, group).includes('after the decline'));
		// Hand Nia every message entry the relay holds, as a lying relay could.
		const msgs = world!.proxy.seen('ash').filter(isEntry).filter((f) => f.group === group && f.entry.msg !== undefined);
		for (const m of msgs) tamper.inject({ ...m });
		await new Promise((r) => setTimeout(r, 500));
		expect(texts(nia, group)).toEqual([]);
		expect(nia.client.summary(group)?.role).not.toBe('member');
	});

	test('P2: a replayed approve is refused (PROTOCOL_REPLAY)', { timeout: 60_000 }, async () => {
		const { tamper, group, ash, bo, niaKey } = await setup('bo');
		await ash.client.approveRequest(group, niaKey);
		await until(() => bo.client.members(group).length === 3);
		const approve = world!.proxy.seen('bo').filter(isEntry).find((f) => f.entry.op?.kind === 'approve')!;
		expect(approve).toBeDefined();
		tamper.inject({ ...approve });
		await until(() => bo.client.summary(group)?.frozen !== undefined);
		expect(bo.client.summary(group)!.frozen!.code).toBe('PROTOCOL_REPLAY');
	});
	test('a relay that refuses a waiting requester does not stop it: it says it is still trying, and learns its approve afterwards (R2-1)', { timeout: 60_000 }, async () => {
		const { tamper, group, ash, nia, niaKey } = await setup('nia');
		let link: Link | null = null;
		world!.proxy.onDown('nia', (frame, l) => {
			link = l;
			return tamper.hook(frame, l);
		});
		let refusing = true;
		let refused = 0;
		// The relay answers Nia's subscriptions to the group with RELAY_FORBIDDEN for a while.
		world!.proxy.onUp('nia', (frame, l) => {
			if (refusing && frame.t === 'sub' && frame.group === group) {
				refused++;
				l.toClient({ t: 'err', re: frame.id, code: 'RELAY_FORBIDDEN', message: 'not a member of this group' });
				return [];
			}
			return [frame];
		});
		await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 1, role: 'member' });
		await until(() => link !== null);
		// A network drop: Nia reconnects and subscribes again, and is refused.
		(link as unknown as Link).close();
		await until(() => refused >= 1);
		await until(() => nia.client.summary(group)?.waiting === 'unknown');
		expect(nia.client.groups().map((g) => g.id)).toContain(group);
		// The relay lets it through again: the device asks again by itself, and waits as before.
		refusing = false;
		await until(() => nia.client.summary(group)?.waiting === 'pending', 20_000);
		await ash.client.approveRequest(group, niaKey);
		await until(() => nia.client.summary(group)?.role === 'member' && nia.client.summary(group)?.waiting === undefined, 20_000);
		await until(() => ash.client.members(group).some((m) => m.name === 'Nia'), 20_000);
	});
});
