/**
 * A newcomer cannot be forked onto a stale branch (P2, P5): the relay serves an invite fetch
 * the log as it stood before a removal, holds back the messages that would confirm a newcomer,
 * or withholds a removal from one member. Each test fails if the victim goes along unwarned.
 */
import { describe, expect, test } from 'vitest';
import { Tamperer, selfKey, type EntryFrame } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import { captureEntries, defaults, texts, until, warningKinds, type TestClient } from '../integration/harness.ts';

const worlds = useWorld();

type Cast = Record<'ash' | 'bo' | 'cy' | 'dee', TestClient>;

/** ash makes a group with one link (10 uses) that bo and cy join with, and a second link for later. */
async function circle() {
	const world = await worlds.start(['ash', 'bo', 'cy', 'dee']);
	const cast = world.clients as Cast;
	const group = await cast.ash.client.createGroup({ ...defaults, name: 'Circle', pseudonym: 'ash' });
	const invite = await cast.ash.client.createInvite(group, { expiresInMs: 7 * 86_400_000, maxUses: 10, role: 'member' });
	await cast.bo.client.joinWithInvite(invite.link, 'bo');
	await cast.cy.client.joinWithInvite(invite.link, 'cy');
	await until(() => cast.ash.client.members(group).length === 3 && cast.cy.client.members(group).length === 3);
	// Removing bo withdraws the first link (§3.3); newcomers after that come with this one.
	const later = await cast.ash.client.createInvite(group, { expiresInMs: 7 * 86_400_000, maxUses: 10, role: 'member' });
	return { group, key: later.key, ...cast };
}

const opsOf = async (member: TestClient, group: string) =>
	(await captureEntries(worlds.current.relay.url, member, group)).filter((e) => e.entry.op).map((e) => ({ seq: e.seq, ts: e.ts, op: e.entry.op }));

const summaryOf = (c: TestClient, group: string) => c.client.groups().find((g) => g.id === group)!;

/** The relay holds back every message of `sender` for `victim` until `release()` delivers them. */
function holdBack(sender: string, victim: string): { held: EntryFrame[]; release(): void } {
	const tamper = new Tamperer();
	worlds.current.proxy.onDown(victim, tamper.hook);
	const held: EntryFrame[] = [];
	tamper.rule = (frame) => {
		if (frame.entry.msg?.sender !== sender) return undefined;
		held.push(frame);
		return [];
	};
	return {
		held,
		release() {
			tamper.rule = null;
			for (const frame of held) tamper.inject(frame);
		}
	};
}

describe('P2 members control membership: a newcomer is not kept on a stale branch', () => {
	test('P2 members control membership: a newcomer refuses the log as it stood before a removal, and sends nothing into it', async () => {
		const { group, key, ash, bo, dee } = await circle();
		const before = await opsOf(ash, group);
		await ash.client.remove(group, selfKey(bo, group));
		await until(() => ash.client.members(group).length === 2);
		// The link ash gives out now names the head after the removal.
		const link = ash.client.invites(group).find((i) => i.key === key)!.link;
		worlds.current.proxy.onDown('dee', (frame) => (frame.t === 'ok' && Array.isArray(frame.ops) ? [{ ...frame, ops: before }] : [frame]));
		await expect(dee.client.joinWithInvite(link, 'dee')).rejects.toMatchObject({ code: 'PROTOCOL_STALE_LOG' });
		expect(worlds.current.proxy.sent('dee').some((f) => f.t === 'append')).toBe(false);
		expect(dee.client.groups()).toHaveLength(0);
		// Served honestly, the same link works.
		worlds.current.proxy.onDown('dee', null);
		await dee.client.joinWithInvite(link, 'dee');
		await until(() => ash.client.members(group).length === 3);
	});
});

describe('P2 members control membership: a newcomer is unconfirmed until someone in charge has seen its join', () => {
	test('P2 members control membership: a newcomer stays unconfirmed while only members speak, and the flag clears when the invite\'s creator speaks', async () => {
		const { group, ash, cy, dee } = await circle();
		const link = ash.client.invites(group).at(-1)!.link;
		const ashToDee = holdBack(selfKey(ash, group), 'dee');
		await dee.client.joinWithInvite(link, 'dee');
		expect(summaryOf(dee, group).unconfirmed).toBe(true);
		// Those who joined before and were greeted by the admin are confirmed.
		await until(() => summaryOf(cy, group).unconfirmed === false);
		await until(() => ashToDee.held.length > 0);
		await cy.client.send(group, { text: 'welcome from a member' });
		await until(() => texts(dee, group).includes('welcome from a member'));
		expect(summaryOf(dee, group).unconfirmed).toBe(true);
		ashToDee.release();
		await ash.client.send(group, { text: 'welcome from the admin' });
		await until(() => texts(dee, group).includes('welcome from the admin'));
		expect(summaryOf(dee, group).unconfirmed).toBe(false);
	});
});

describe('P2 members control membership: only the invite\'s author confirms a newcomer', () => {
	test('P2 members control membership: another admin speaking after the join does not clear the newcomer\'s unconfirmed mark (on a stale fork that admin may be one who was removed)', async () => {
		const { group, ash, cy, dee } = await circle();
		await ash.client.setRole(group, selfKey(cy, group), 'admin');
		await until(() => cy.client.groups().find((g) => g.id === group)?.role === 'admin');
		const link = ash.client.invites(group).at(-1)!.link;
		const ashToDee = holdBack(selfKey(ash, group), 'dee');
		await dee.client.joinWithInvite(link, 'dee');
		await cy.client.send(group, { text: 'welcome from the other admin' });
		await until(() => texts(dee, group).includes('welcome from the other admin'));
		expect(summaryOf(dee, group).unconfirmed).toBe(true);
		ashToDee.release();
		await ash.client.send(group, { text: 'welcome from the one who invited you' });
		await until(() => texts(dee, group).includes('welcome from the one who invited you'));
		expect(summaryOf(dee, group).unconfirmed).toBe(false);
	});
});

describe('P5 secrecy after removal: a member kept from a removal learns of it', () => {
	test('P5 secrecy after removal: when the relay withholds a removal from one member, that member is warned once an admin names the newer head', async () => {
		const { group, ash, bo, cy } = await circle();
		const tamper = new Tamperer();
		worlds.current.proxy.onDown('cy', tamper.hook);
		tamper.rule = (frame) => (frame.entry.op?.kind === 'remove' ? [] : undefined);
		await ash.client.remove(group, selfKey(bo, group));
		await ash.client.send(group, { text: 'after the removal' });
		await until(() => warningKinds(cy, group).includes('fork'));
		const warning = cy.client.warnings(group).find((w) => w.kind === 'fork')!;
		expect(warning.code).toBe('PROTOCOL_FORK');
		expect(warning.text).toMatch(/an admin of this group, sent a message from a version of the group that this device was never shown/);
		expect(warning.text).toMatch(/someone's removal/);
		expect(texts(cy, group)).not.toContain('after the removal');
	});
});
