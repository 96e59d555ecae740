/**
 * Sponsors and mentees (PROTOCOL §11) over the real relay with headless clients: availability
 * in a group, a sealed request only the sponsor can read, a kind decline nobody else learns of,
 * an acceptance that makes a pair, and an end that frees the place.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defaults, startClient, startRelay, stopAll, texts, until, type Relay, type TestClient } from './harness.ts';
import { getJson, keys } from '../../src/lib/client/store.ts';
import type { DeviceData } from '../../src/lib/protocol/session/device.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
	clients.length = 0;
});

async function groupOfThree() {
	relay = await startRelay();
	const [ash, nina, cal] = await Promise.all([startClient(relay.url), startClient(relay.url), startClient(relay.url)]);
	clients.push(ash, nina, cal);
	const group = await ash.client.createGroup({ ...defaults, name: 'Tuesday circle', pseudonym: 'Ash' });
	for (const [c, name] of [
		[nina, 'Nina'],
		[cal, 'Cal']
	] as const) {
		const invite = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 1, role: 'member' });
		await c.client.joinWithInvite(invite.link, name);
	}
	await until(() => ash.client.members(group).length === 3 && nina.client.members(group).length === 3 && cal.client.members(group).length === 3, 15_000, 'three members');
	return { ash, nina, cal, group };
}

const view = (c: TestClient, group: string) => c.client.summary(group)!.sponsorship!;

/** The pair-code keys (identity nonces and first receive keys, §7.1) the device keeps, as stored. */
async function heldCodeKeys(c: TestClient): Promise<number> {
	const device = await getJson<DeviceData>(c.store, keys.device);
	return Object.keys(device?.offers ?? {}).length + Object.keys(device?.offerKeys ?? {}).length;
}

async function untilNoCodeKeys(c: TestClient): Promise<void> {
	const end = Date.now() + 15_000;
	while ((await heldCodeKeys(c)) > 0) {
		if (Date.now() > end) throw new Error('the ended request\'s code keys are still on the device');
		await new Promise((r) => setTimeout(r, 50));
	}
}

describe('sponsorship', () => {
	test('offer, ask, decline kindly (nobody else learns of it), ask again, accept: a pair both sides see apart from the group', async () => {
		const { ash, nina, cal, group } = await groupOfThree();
		const ashKey = ash.client.summary(group)!.pseudonym && ash.client.members(group).find((m) => m.name === 'Ash')!.sign;
		await ash.client.offerSponsor(group, { intro: '10 years sober, I listen more than I talk', places: 2, quiet: { from: 22 * 60, to: 7 * 60 } });
		await until(() => view(nina, group).sponsors.length === 1, 15_000, 'nina sees ash');
		expect(view(nina, group).sponsors[0]).toMatchObject({ name: 'Ash', intro: '10 years sober, I listen more than I talk', free: 2, quiet: { from: 1320, to: 420 } });

		await nina.client.askSponsor(group, ashKey, 'I am three weeks in. Could you sponsor me?');
		await until(() => view(ash, group).incoming.length === 1, 15_000, 'ash sees the request');
		expect(view(ash, group).incoming[0]).toMatchObject({ name: 'Nina', note: 'I am three weeks in. Could you sponsor me?' });
		const [first] = view(ash, group).incoming;
		await ash.client.declineAsk(group, first!.id, 'I cannot take anyone on right now, but I am glad you asked.');
		await until(() => view(nina, group).outgoing[0]?.state === 'declined', 15_000, 'nina sees the decline');
		expect(view(nina, group).outgoing[0]!.reply).toBe('I cannot take anyone on right now, but I am glad you asked.');
		// The declined request's pair code can never be used: its keys leave Nina's device (and her next backup).
		await untilNoCodeKeys(nina);
		// Cal saw sealed notes go by and can read none of them: no request, no decline, no message.
		await ash.client.send(group, { text: 'marker' });
		await until(() => texts(cal, group).includes('marker'));
		expect(view(cal, group).incoming).toEqual([]);
		expect(view(cal, group).outgoing).toEqual([]);
		expect(texts(cal, group)).toEqual(['marker']);

		await nina.client.askSponsor(group, ashKey, 'Asking once more, no pressure.');
		await until(() => view(ash, group).incoming.length === 1, 15_000, 'second request');
		await ash.client.acceptAsk(group, view(ash, group).incoming[0]!.id);
		await until(() => nina.client.groups().some((g) => g.pairWith?.name === 'Ash'), 20_000, 'nina joins the pair');
		const pair = nina.client.groups().find((g) => g.pairWith)!;
		expect(pair.pairWith).toMatchObject({ other: 'sponsor', name: 'Ash', metName: 'Tuesday circle', quiet: { from: 1320, to: 420 } });
		expect(ash.client.summary(pair.id)!.pairWith).toMatchObject({ other: 'mentee', name: 'Nina' });
		await until(() => view(nina, group).sponsors[0]?.free === 1, 15_000, 'one place taken');

		await nina.client.send(pair.id, { text: 'Thank you.' });
		await until(() => texts(ash, pair.id).includes('Thank you.'));
		expect(cal.client.groups().some((g) => g.id === pair.id)).toBe(false);

		await ash.client.endPairKindly(pair.id, 'It was good walking with you.');
		await until(() => nina.client.summary(pair.id)!.ended, 15_000, 'nina sees the end');
		expect(texts(nina, pair.id)).toContain('It was good walking with you.');
		await until(() => view(nina, group).sponsors[0]?.free === 2, 15_000, 'the place is free again');
	});

	test('a request to a sponsor who withdrew says so; a withdrawn request disappears from the sponsor', async () => {
		const { ash, nina, group } = await groupOfThree();
		const ashKey = ash.client.members(group).find((m) => m.name === 'Ash')!.sign;
		await ash.client.offerSponsor(group, { intro: 'Here most evenings', places: 1 });
		await until(() => view(nina, group).sponsors.length === 1);
		await nina.client.askSponsor(group, ashKey, 'hello');
		await until(() => view(ash, group).incoming.length === 1);
		expect(await heldCodeKeys(nina)).toBe(2);
		await nina.client.withdrawAsk(group, view(nina, group).outgoing[0]!.id);
		expect(await heldCodeKeys(nina)).toBe(0);
		await until(() => view(ash, group).incoming.length === 0, 15_000, 'withdrawn');
		await nina.client.askSponsor(group, ashKey, 'hello again');
		await ash.client.withdrawSponsor(group);
		await until(() => view(nina, group).outgoing[0]?.state === 'unavailable', 15_000, 'unavailable');
		await expect(nina.client.askSponsor(group, ashKey, 'third')).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
	});

	test('a newcomer who joins after the offer still sees the sponsor: availability is said again in the new epoch', async () => {
		const { ash, group } = await groupOfThree();
		await ash.client.offerSponsor(group, { intro: 'Mornings are best', places: 3 });
		const dee = await startClient(relay!.url);
		clients.push(dee);
		const invite = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 1, role: 'member' });
		await dee.client.joinWithInvite(invite.link, 'Dee');
		await until(() => view(dee, group).sponsors.some((s) => s.name === 'Ash' && s.intro === 'Mornings are best' && s.free === 3), 20_000, 'dee sees ash');
	});

	test('requests and acceptances made offline wait in the outbox and go out once online; nothing is lost across a restart', async () => {
		const { ash, nina, group } = await groupOfThree();
		const ashKey = ash.client.members(group).find((m) => m.name === 'Ash')!.sign;
		await ash.client.offerSponsor(group, { intro: 'Here', places: 1 });
		await until(() => view(nina, group).sponsors.length === 1);
		await nina.client.stop();
		await nina.client.askSponsor(group, ashKey, 'asked while offline');
		expect(view(nina, group).outgoing[0]).toMatchObject({ state: 'open', note: 'asked while offline' });
		await nina.client.start();
		await until(() => view(ash, group).incoming.some((r) => r.note === 'asked while offline'), 20_000, 'request delivered');

		await ash.client.stop();
		await ash.client.acceptAsk(group, view(ash, group).incoming[0]!.id);
		expect(view(ash, group).accepting).toEqual([{ id: expect.any(String), name: 'Nina' }]);
		expect(nina.client.groups().some((g) => g.pairWith)).toBe(false);
		await ash.client.start();
		await until(() => nina.client.groups().some((g) => g.pairWith?.name === 'Ash'), 30_000, 'pair made once online');
		await until(() => ash.client.groups().some((g) => g.pairWith?.name === 'Nina'), 10_000, 'ash lists the pair');
		await ash.client.stop();
		await ash.client.start();
		expect(ash.client.groups().find((g) => g.pairWith)!.pairWith).toMatchObject({ other: 'mentee', name: 'Nina', metName: 'Tuesday circle' });
		expect(view(ash, group).mentees).toEqual([{ pair: expect.any(String), name: 'Nina', running: true }]);
	});

	test('block: the pair ends, and later requests from that person in that group are not shown', async () => {
		const { ash, nina, cal, group } = await groupOfThree();
		const ashKey = ash.client.members(group).find((m) => m.name === 'Ash')!.sign;
		await ash.client.offerSponsor(group, { intro: 'Here', places: 2 });
		await until(() => view(nina, group).sponsors.length === 1 && view(cal, group).sponsors.length === 1);
		await nina.client.askSponsor(group, ashKey, 'first');
		await until(() => view(ash, group).incoming.length === 1);
		await ash.client.acceptAsk(group, view(ash, group).incoming[0]!.id);
		await until(() => nina.client.groups().some((g) => g.pairWith), 20_000, 'paired');
		const pair = nina.client.groups().find((g) => g.pairWith)!.id;
		await ash.client.blockPartner(pair);
		await until(() => nina.client.summary(pair)!.ended, 15_000, 'nina sees the end');
		await nina.client.askSponsor(group, ashKey, 'after the block');
		await cal.client.askSponsor(group, ashKey, 'from cal');
		await until(() => view(ash, group).incoming.some((r) => r.note === 'from cal'), 15_000, 'cal still reaches ash');
		expect(view(ash, group).incoming.map((r) => r.note)).toEqual(['from cal']);
	});

	test('an admin switches sponsoring off for the group: nobody is listed and nobody can offer; a member cannot switch it', async () => {
		const { ash, nina, cal, group } = await groupOfThree();
		await nina.client.offerSponsor(group, { intro: 'Evenings', places: 1 });
		await until(() => view(cal, group).sponsors.length === 1);
		await expect(nina.client.setSponsoring(group, false)).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
		expect(view(nina, group).canSwitch).toBe(false);
		await ash.client.setSponsoring(group, false);
		await until(() => !view(cal, group).on && !view(nina, group).on, 15_000, 'off everywhere');
		expect(view(cal, group)).toMatchObject({ sponsors: [], canOffer: false });
		await expect(cal.client.offerSponsor(group, { intro: 'me too', places: 1 })).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
		await ash.client.setSponsoring(group, true);
		await until(() => view(cal, group).on && view(cal, group).sponsors.length === 1, 15_000, 'on again');
	});
});
