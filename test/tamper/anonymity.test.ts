/**
 * Pseudonyms stay unlinkable at the relay (P9, issue 9 item 4). The tampering proxy logs what
 * each connection sends up, connection by connection, which is exactly what a curious relay
 * could keep: no connection may ever log in as two pseudonyms of one device, an invite fetch
 * and a report go on a connection that logged in as nobody, and a moderator's stamp checks go
 * on a connection that logged in as that moderator's key of the group alone.
 */
import { describe, expect, test } from 'vitest';
import { makeGroup, selfKey, type World } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import type { Frame, Link } from './proxy.ts';
import { defaults, texts, until } from '../integration/harness.ts';

const worlds = useWorld();

/** Every frame each connection of `who` sent up, per connection. */
function recordConnections(w: World, who: string): Map<Link, Frame[]> {
	const byLink = new Map<Link, Frame[]>();
	w.proxy.onUp(who, (frame, link) => {
		byLink.set(link, [...(byLink.get(link) ?? []), frame]);
		return [frame];
	});
	return byLink;
}

const authed = (frames: Frame[]) => new Set(frames.filter((f) => f.t === 'auth').map((f) => f.key as string));
const sentOn = (byLink: Map<Link, Frame[]>, t: string) => [...byLink.values()].filter((frames) => frames.some((f) => f.t === t));

describe('P9 anonymity at the relay', () => {
	test('P9 anonymity: no connection logs in as two pseudonyms of one device; invite fetches and reports go on keyless connections; stamp checks on the moderator key alone', async () => {
		const world = await worlds.start(['ash', 'bo', 'cy']);
		const bo = recordConnections(world, 'bo');
		const ash = recordConnections(world, 'ash');
		const circle = await makeGroup(world, 'ash', ['bo', 'cy']);
		// A second group with the same two people: each device now has two pseudonyms.
		const a = world.clients.ash!.client;
		const other = await a.createGroup({ ...defaults, name: 'Evenings', pseudonym: 'ash at night' });
		const invite = await a.createInvite(other, { expiresInMs: 3_600_000, maxUses: 5, role: 'member' });
		await world.clients.bo!.client.joinWithInvite(invite.link, 'bo at night');
		const boKeys = [selfKey(world.clients.bo!, circle), selfKey(world.clients.bo!, other)];
		const ashKeys = [selfKey(world.clients.ash!, circle), selfKey(world.clients.ash!, other)];
		expect(new Set(boKeys).size).toBe(2);

		// Bo reports Cy's message in the circle; Ash, its admin, reads and verifies the report.
		const cy = world.clients.cy!;
		await cy.client.send(circle, { text: 'nobody wants you here' });
		await until(() => texts(world.clients.bo!, circle).includes('nobody wants you here'));
		const message = world.clients.bo!.client.messages(circle).find((m) => m.text === 'nobody wants you here')!;
		// Franking material is saved shortly after display: retry until the report can be built.
		for (let i = 0; ; i++) {
			const sent = await world.clients.bo!.client.report(circle, [message.id], 'please look', false).then(() => true, (e: unknown) => (i > 100 ? Promise.reject(e) : false));
			if (sent) break;
			await new Promise((r) => setTimeout(r, 20));
		}
		const inbox = await a.reports(circle);
		expect(inbox[0]!.messages[0]).toMatchObject({ verified: true });

		// A network drop: every connection comes back, still one pseudonym each.
		const before = world.proxy.links('bo').length;
		for (const link of world.proxy.links('bo')) link.close();
		// Reconnects are fully jittered (may be at once): wait for both group connections to return.
		await until(() => world.proxy.links('bo').length >= before + 2 && world.clients.bo!.client.connection === 'online', 10_000, 'bo back online');

		for (const frames of [...bo.values(), ...ash.values()]) expect(authed(frames).size).toBeLessThanOrEqual(1);
		for (const key of boKeys) expect([...bo.values()].filter((f) => authed(f).has(key)).length).toBeGreaterThanOrEqual(2);
		const fetches = sentOn(bo, 'invite');
		expect(fetches.length).toBeGreaterThanOrEqual(2);
		for (const frames of fetches) expect(authed(frames).size).toBe(0);
		const reports = sentOn(bo, 'report');
		expect(reports).toHaveLength(1);
		expect(authed(reports[0]!).size).toBe(0);
		expect(reports[0]!.some((f) => f.t === 'sub' || f.t === 'append')).toBe(false);
		const checks = sentOn(ash, 'verify');
		expect(checks).toHaveLength(1);
		expect([...authed(checks[0]!)]).toEqual([ashKeys[0]]);
		expect(checks[0]!.some((f) => f.t === 'sub' || f.t === 'append')).toBe(false);
	});

});
