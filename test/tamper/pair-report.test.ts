/**
 * Reports from a sponsor pair to the moderators of the group where the two met (issue 10 item 6,
 * PROTOCOL §6.3 "Reports from a pair", §9.7) between real clients through the tampering relay.
 * Sam sponsors Nina; Sam writes something hurtful in their pair; Nina reports it to the
 * moderators of the circle where they met. Ash (the circle's admin) sees it verified and named
 * as Sam, the circle's member. The relay cannot make a forged stamp verify, and what it sees
 * (the frames, on which connections) never ties the pair to Sam; it learns the pair-to-circle
 * link only from Ash's checks of the pair's stamps (`via` the circle, with the pair's s).
 */
import { describe, expect, test } from 'vitest';
import { Tamperer, makeGroup, selfKey } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import type { Frame, Link } from './proxy.ts';
import { texts, until, type TestClient } from '../integration/harness.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';
import { getJson, keys } from '../../src/lib/client/store.ts';

const worlds = useWorld();

const HURT = 'you will never stay clean, why do I bother';

/** Ash's circle with Sam and Nina; Sam sponsors Nina; every entry to Nina passes `tamper`. */
async function setup(options: { forgeSamInCircle?: boolean } = {}) {
	const world = await worlds.start(['ash', 'sam', 'nina']);
	const tamper = new Tamperer();
	world.proxy.onDown('nina', tamper.hook);
	// What Ash sends up, connection by connection (a link is one connection).
	const ashFrames = new Map<Link, Frame[]>();
	world.proxy.onUp('ash', (frame, link) => {
		ashFrames.set(link, [...(ashFrames.get(link) ?? []), frame]);
		return [frame];
	});
	const circle = await makeGroup(world, 'ash', ['sam', 'nina'], 'Tuesday circle');
	const { ash, sam, nina } = world.clients as Record<string, TestClient>;
	await until(() => [ash!, sam!, nina!].every((c) => c.client.members(circle).length === 3), 15_000, 'three members');
	const samKey = selfKey(sam!, circle);
	// A relay forging the stamps of Sam's circle messages to Nina (his accept note among them).
	if (options.forgeSamInCircle) tamper.rule = (f) => (f.group === circle && f.entry.msg?.sender === samKey ? [{ ...f, stamp: toB64(new Uint8Array(32).fill(9)) }] : undefined);
	await sam!.client.offerSponsor(circle, { intro: 'Here most evenings', places: 2 });
	await until(() => nina!.client.summary(circle)!.sponsorship!.sponsors.length === 1, 15_000, 'nina sees sam');
	await nina!.client.askSponsor(circle, samKey, 'Could you sponsor me?');
	await until(() => sam!.client.summary(circle)!.sponsorship!.incoming.length === 1, 15_000, 'sam sees the request');
	await sam!.client.acceptAsk(circle, sam!.client.summary(circle)!.sponsorship!.incoming[0]!.id);
	await until(() => nina!.client.groups().some((g) => g.pairWith?.name === 'sam'), 20_000, 'nina joins the pair');
	const pair = nina!.client.groups().find((g) => g.pairWith)!.id;
	await until(() => sam!.client.summary(pair)?.pairWith?.metReport?.ok === true && nina!.client.summary(pair)?.pairWith?.metReport?.ok === true, 15_000, 'both sides hold the other’s bind');
	return { tamper, circle, pair, ash: ash!, sam: sam!, nina: nina!, samKey, ashFrames };
}

async function samSaysIt(s: Awaited<ReturnType<typeof setup>>) {
	await s.sam.client.send(s.pair, { text: HURT });
	await until(() => texts(s.nina, s.pair).includes(HURT), 15_000, 'nina reads it');
	const message = s.nina.client.messages(s.pair).find((m) => m.text === HURT)!;
	for (let i = 0; i < 100 && !(await getJson(s.nina.store, keys.franking(s.pair, message.id))); i++) await new Promise((r) => setTimeout(r, 20));
	return message;
}

describe('reports from a pair to the met group (§6.3)', () => {
	test('P8 a pair report reaches the met group’s admin and verifies, naming Sam, the circle’s member; the pair’s stamps are checked via the circle with s, once; the relay sees no link from the pair to Sam', async () => {
		const s = await setup();
		const { ash, nina, sam, circle, pair, samKey } = s;
		const message = await samSaysIt(s);
		// The form's readers: the circle's admin, not Sam.
		expect(nina.client.reportReaders(pair, [message.id]).readers.map((r) => r.name)).toEqual(['ash']);
		await nina.client.report(pair, [message.id], 'my sponsor said this to me', false);
		// Its status shows in the pair, where Nina made it, not in the circle.
		expect(nina.client.myReports(pair)).toEqual([expect.objectContaining({ status: 'sent', messages: [message.id] })]);
		expect(nina.client.myReports(circle)).toEqual([]);

		const inbox = await ash.client.reports(circle);
		expect(inbox).toHaveLength(1);
		expect(inbox[0]).toMatchObject({ note: 'my sponsor said this to me', pair: { member: samKey, memberName: 'sam', bound: true } });
		expect(inbox[0]!.messages).toEqual([expect.objectContaining({ verified: true, sender: samKey, senderName: 'sam', text: HURT })]);
		expect(inbox[0]!.case).toMatchObject({ state: 'new' });
		// Ash takes it: Nina hears it was received, in the pair (the feedback travels in the circle).
		await ash.client.takeReport(circle, inbox[0]!.case!.id);
		await until(() => nina.client.myReports(pair)[0]?.status === 'received', 20_000, 'nina hears it was received');
		// Sam, the member it is about, is not a reader (and is no moderator); his inbox is refused.
		await expect(sam.client.reports(circle)).rejects.toThrow();

		// What the relay saw. Nina's report went on a keyless connection with the circle's id and sealed boxes only.
		const samInPair = selfKey(sam, pair);
		const reportFrames = worlds.current.proxy.sent('nina').filter((f) => f.t === 'report');
		expect(reportFrames.length).toBeGreaterThan(0);
		for (const f of reportFrames) {
			expect(f.group).toBe(circle);
			const text = JSON.stringify(f);
			for (const secret of [pair, samInPair, samKey, HURT]) expect(text).not.toContain(secret);
		}
		// Ash checked the bind on a connection of his circle key alone, then, on another connection
		// of that key, the pair's stamps `via` the circle with the pair's s (§9.7): the relay learns
		// the pair-to-circle link from these, and nothing ties the pair to Sam.
		const ashKey = selfKey(ash, circle);
		const verifyLinks = [...s.ashFrames.entries()].filter(([, frames]) => frames.some((f) => f.t === 'verify'));
		const pairChecks = verifyLinks.filter(([, frames]) => frames.some((f) => f.t === 'verify' && f.group === pair));
		const bindChecks = verifyLinks.filter(([, frames]) => frames.some((f) => f.t === 'verify' && f.group === circle));
		expect(pairChecks.length).toBe(1);
		expect(bindChecks.length).toBe(1);
		expect(pairChecks[0]![0]).not.toBe(bindChecks[0]![0]);
		for (const [, frames] of [...pairChecks, ...bindChecks]) expect(frames.filter((f) => f.t === 'auth').map((f) => f.key)).toEqual([ashKey]);
		for (const f of pairChecks[0]![1].filter((f) => f.t === 'verify')) {
			expect(f).toMatchObject({ as: ashKey, via: circle, group: pair, s: expect.any(String) });
			expect(JSON.stringify(f)).not.toContain(samKey);
		}
		for (const f of bindChecks[0]![1]) expect(JSON.stringify(f)).not.toContain(pair);

		// M2: the verdicts are kept in the case; opening the inbox again asks the relay nothing about the pair.
		const pairVerifies = () => [...s.ashFrames.values()].flat().filter((f) => f.t === 'verify' && f.group === pair).length;
		const before = pairVerifies();
		const again = await ash.client.reports(circle);
		expect(again[0]!.messages).toEqual([expect.objectContaining({ verified: true, sender: samKey, text: HURT })]);
		expect(pairVerifies()).toBe(before);
	}, 120_000);

	test('P8 a relay that forges the stamp of Sam’s pair message cannot make the report verify', async () => {
		const s = await setup();
		s.tamper.rule = (f) => (f.group === s.pair && f.entry.msg ? [{ ...f, stamp: toB64(new Uint8Array(32).fill(7)) }] : undefined);
		const message = await samSaysIt(s);
		await s.nina.client.report(s.pair, [message.id], '', false);
		const [report] = await s.ash.client.reports(s.circle);
		expect(report!.pair).toMatchObject({ member: s.samKey, bound: true });
		expect(report!.messages[0]).toMatchObject({ verified: false, reason: 'stamp', text: HURT });
	}, 120_000);

	test('P8 a relay that forges the stamp of Sam’s note in the circle breaks the bind: nothing is verified or pinned on Sam', async () => {
		const s = await setup({ forgeSamInCircle: true });
		const message = await samSaysIt(s);
		await s.nina.client.report(s.pair, [message.id], '', false);
		const [report] = await s.ash.client.reports(s.circle);
		expect(report!.pair).toMatchObject({ bound: false, reason: 'stamp' });
		// M1: nobody is named, so there is nobody to mute or remove.
		expect(report!.pair).toMatchObject({ member: null, memberName: null });
		expect(report!.messages[0]).toMatchObject({ verified: false, reason: 'bind', sender: '', senderName: null });
		expect(JSON.stringify(report)).not.toContain(s.samKey);
		// And the pair's stamps were never asked: the relay is not told of a link nobody proved.
		expect([...s.ashFrames.values()].flat().some((f) => f.t === 'verify' && f.group === s.pair)).toBe(false);
	}, 120_000);
});
