/**
 * Approval of new members (§13.8) with real clients on the real relay: an admin turns approval
 * on; a newcomer asks and waits (reading nothing); a moderator approves and the newcomer reads
 * and posts; another is declined and keeps nothing; a relay restart while a request waits.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defaults, startClient, startRelay, stopAll, texts, until, untilKeysSettled, type Relay, type TestClient } from './harness.ts';
import { startWorld, type World } from '../tamper/setup.ts';
import { memoryKv } from '../../src/lib/storage/kv.ts';
import { TestClient as RawClient } from '../relay/fixtures/relay.ts';
import { buildRequest } from '../../src/lib/protocol/group/build.ts';
import { deriveIdentity, newIdentityNonce, newRoot } from '../../src/lib/crypto/identity.ts';
import { parseInviteLink } from '../../src/lib/crypto/invite.ts';
import { sodium } from '../../src/lib/crypto/sodium.ts';
import { labelled } from '../../src/lib/core/cjson.ts';
import { LABEL } from '../../src/lib/core/labels.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';
import type { Frame, Link } from '../tamper/proxy.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
});

/** Ash (admin) with Mo (moderator), approval on, and a link for three. */
async function circle() {
	relay = await startRelay();
	const [ash, mo] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
	clients.push(ash, mo);
	const group = await ash.client.createGroup({ ...defaults, name: 'Thursday circle', pseudonym: 'Ash' });
	const first = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 1, role: 'member' });
	await mo.client.joinWithInvite(first.link, 'Mo');
	await until(() => ash.client.members(group).length === 2);
	const moSign = ash.client.members(group).find((m) => !m.self)!.sign;
	await ash.client.setRole(group, moSign, 'moderator');
	await ash.client.setSafety(group, { slow: 0, links: 'any', approve: true });
	await until(() => mo.client.summary(group)?.settings.approve === true && mo.client.summary(group)?.role === 'moderator');
	const invite = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 3, role: 'member' });
	return { ash, mo, group, link: invite.link };
}

describe('approval of new members with real clients (§13.8)', () => {
	test('a newcomer asks and waits, reading nothing; a moderator sees the note and approves; the newcomer then reads and posts', async () => {
		const { ash, mo, group, link } = await circle();
		await ash.client.send(group, { text: 'Before anyone new arrives.' });
		const nia = await startClient(relay!.url);
		clients.push(nia);
		expect(await nia.client.previewInvite(link)).toMatchObject({ name: 'Thursday circle', approve: true });
		await nia.client.joinWithInvite(link, 'Nia', 'A friend from the Tuesday meeting sent me.');
		expect(nia.client.summary(group)).toMatchObject({ waiting: 'pending', name: 'Thursday circle' });
		await until(() => mo.client.summary(group)?.joinRequests === 1);
		expect(ash.client.summary(group)?.joinRequests).toBe(1);
		const [request] = mo.client.joinRequests(group);
		expect(request).toMatchObject({ name: 'Nia', note: 'A friend from the Tuesday meeting sent me.', role: 'member', linkBy: 'Ash', linkMine: false });
		await ash.client.send(group, { text: 'Still before.' });
		// P5: nothing of what is said reaches a newcomer who is only waiting.
		expect(texts(nia, group)).toEqual([]);
		await mo.client.approveRequest(group, request!.sign);
		await until(() => nia.client.summary(group)?.waiting === undefined && nia.client.summary(group)?.role === 'member');
		expect(mo.client.summary(group)?.joinRequests).toBeUndefined();
		await ash.client.send(group, { text: 'Welcome, Nia.' });
		await until(() => texts(nia, group).includes('Welcome, Nia.'));
		expect(texts(nia, group)).toEqual(['Welcome, Nia.']);
		await nia.client.send(group, { text: 'Thank you for letting me in.' });
		await until(() => texts(ash, group).includes('Thank you for letting me in.') && texts(mo, group).includes('Thank you for letting me in.'));
		expect(ash.client.members(group).find((m) => m.name === 'Nia')).toBeDefined();
		// §7: the invite's author (Ash) spoke after the approve: Nia's copy is confirmed.
		await until(() => nia.client.summary(group)?.unconfirmed === false);
	});

	test('a declined newcomer keeps nothing: the group leaves its list, and it is told calmly', async () => {
		const { mo, group, link } = await circle();
		const ola = await startClient(relay!.url);
		clients.push(ola);
		await ola.client.joinWithInvite(link, 'Ola');
		await until(() => mo.client.joinRequests(group).length === 1);
		await mo.client.declineRequest(group, mo.client.joinRequests(group)[0]!.sign);
		await until(() => ola.client.groups().length === 0);
		expect(ola.events).toContainEqual({ type: 'request-ended', group, how: 'declined' });
		expect(mo.client.summary(group)?.joinRequests).toBeUndefined();
	});

	test('declined while away (R2-1, M5): on its return the newcomer fetches the signed decline, keeps nothing, and is told calmly', async () => {
		const { mo, group, link } = await circle();
		const store = memoryKv();
		const ola = await startClient(relay!.url, store);
		await ola.client.joinWithInvite(link, 'Ola');
		await until(() => mo.client.joinRequests(group).length === 1);
		await ola.client.stop();
		await mo.client.declineRequest(group, mo.client.joinRequests(group)[0]!.sign);
		await mo.client.send(group, { text: 'After the decline.' });
		const back = await startClient(relay!.url, store);
		clients.push(back);
		await until(() => back.client.groups().length === 0);
		expect(back.events).toContainEqual({ type: 'request-ended', group, how: 'declined' });
		expect(texts(back, group)).toEqual([]);
	});

	test('a newcomer withdraws its request; with a relay restart while another waits, the approve still lands', async () => {
		const { ash, mo, group, link } = await circle();
		const [pia, rae] = await Promise.all([startClient(relay!.url), startClient(relay!.url)]);
		clients.push(pia, rae);
		await pia.client.joinWithInvite(link, 'Pia');
		await pia.client.withdrawRequest(group);
		await until(() => pia.client.groups().length === 0);
		expect(pia.events).toContainEqual({ type: 'request-ended', group, how: 'withdrawn' });
		await rae.client.joinWithInvite(link, 'Rae', 'Hello.');
		await until(() => mo.client.joinRequests(group).length === 1);
		// The relay stops and starts again over the same files while Rae waits.
		const dir = relay!.dir;
		const port = relay!.port;
		await relay!.server.close();
		relay = await startRelay({ port }, dir);
		await until(() => [ash, mo, rae].every((c) => c.client.connection === 'online'), 20_000);
		await mo.client.approveRequest(group, mo.client.joinRequests(group)[0]!.sign);
		await until(() => rae.client.summary(group)?.role === 'member' && rae.client.summary(group)?.waiting === undefined, 20_000);
		await mo.client.send(group, { text: 'Welcome, Rae.' });
		await until(() => texts(rae, group).includes('Welcome, Rae.'), 20_000);
	});
});

/**
 * A withdrawal racing another op (R2-2): the relay (honest, behind a proxy that only delays what
 * reaches Nia) receives Nia's withdrawal after an op she has not seen yet. Ash, Mo (moderator)
 * and Nia through a proxy; the proxy holds Nia's incoming entries until her next append.
 */
async function racingCircle() {
	const world = await startWorld(['ash', 'mo', 'nia']);
	const { ash, mo, nia } = world.clients as Record<'ash' | 'mo' | 'nia', TestClient>;
	const group = await ash!.client.createGroup({ ...defaults, name: 'Thursday circle', pseudonym: 'Ash' });
	const first = await ash!.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 1, role: 'member' });
	await mo!.client.joinWithInvite(first.link, 'Mo');
	await until(() => ash!.client.members(group).length === 2);
	await ash!.client.setRole(group, ash!.client.members(group).find((m) => !m.self)!.sign, 'moderator');
	await ash!.client.setSafety(group, { slow: 0, links: 'any', approve: true });
	await until(() => mo!.client.summary(group)?.settings.approve === true && mo!.client.summary(group)?.role === 'moderator');
	const invite = await ash!.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 3, role: 'member' });
	await nia!.client.joinWithInvite(invite.link, 'Nia', 'Hello.');
	await until(() => mo!.client.joinRequests(group).length === 1);
	// Nia's own copy of the log holds her request before anything is held back from her: holding
	// her request's own entry is not the race these tests are about (her withdrawal would then be
	// refused by her own log, before any frame left).
	const niaKey = mo!.client.joinRequests(group)[0]!.sign;
	await until(() => Object.hasOwn(nia!.client.state(group)?.pending ?? {}, niaKey), 10_000, 'Nia holds her own request');
	let holding = false;
	const held: Array<[Frame, Link]> = [];
	world.proxy.onDown('nia', (frame, link) => {
		if (holding && frame.t === 'entry') {
			held.push([frame, link]);
			return [];
		}
		return [frame];
	});
	// Nia's first append after `hold()` goes out built on her old head; then she sees what was held.
	world.proxy.onUp('nia', (frame) => {
		if (holding && frame.t === 'append') {
			holding = false;
			setTimeout(() => held.splice(0).forEach(([f, link]) => link.toClient(f)), 0);
		}
		return [frame];
	});
	const posted = () => world.proxy.sent('nia').filter((f) => f.t === 'append' && (f.entry as { msg?: unknown }).msg !== undefined);
	return { world, group, ash: ash!, mo: mo!, nia: nia!, hold: () => void (holding = true), heldCount: () => held.length, posted };
}

describe('a withdrawal racing another op (§13.8, R2-2)', () => {
	let world: World | null = null;
	afterEach(async () => {
		await world?.close();
		world = null;
	});

	test('an unrelated op lands first: the withdrawal is built again on the new head and lands', { timeout: 60_000 }, async () => {
		const r = await racingCircle();
		world = r.world;
		r.hold();
		await r.ash.client.createInvite(r.group, { expiresInMs: 3_600_000, maxUses: 1, role: 'member' });
		await until(() => r.heldCount() > 0);
		await r.nia.client.withdrawRequest(r.group);
		await until(() => r.mo.client.joinRequests(r.group).length === 0 && r.ash.client.joinRequests(r.group).length === 0);
		await until(() => r.nia.client.groups().length === 0);
		expect(r.nia.events).toContainEqual({ type: 'request-ended', group: r.group, how: 'withdrawn' });
	});

	test('the approve lands first: Nia leaves at once, posting nothing in her name, and keeps nothing', { timeout: 60_000 }, async () => {
		const r = await racingCircle();
		world = r.world;
		r.hold();
		await r.mo.client.approveRequest(r.group, r.mo.client.joinRequests(r.group)[0]!.sign);
		await until(() => r.heldCount() > 0);
		await r.nia.client.withdrawRequest(r.group);
		await until(() => r.nia.client.groups().length === 0);
		expect(r.nia.events).toContainEqual({ type: 'request-ended', group: r.group, how: 'withdrawn' });
		expect(r.nia.events.some((e) => e.type === 'approved')).toBe(false);
		// The group sees her leave; no hello (nor anything else) went out with her name.
		await until(() => r.ash.client.members(r.group).length === 2 && r.mo.client.members(r.group).length === 2);
		expect(r.posted()).toEqual([]);
		expect(r.ash.client.members(r.group).some((m) => m.name === 'Nia')).toBe(false);
	});
});

describe('request notes are for moderators only (§13.8, review M6)', () => {
	afterEach(async () => {
		await stopAll(clients, relay);
		relay = null;
	});

	test('a member never shows a note sealed to its own box key, not even once made a moderator while the request waits', { timeout: 60_000 }, async () => {
		relay = await startRelay();
		const [ash, bo] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
		clients.push(ash, bo);
		const group = await ash.client.createGroup({ ...defaults, name: 'Circle', pseudonym: 'Ash' });
		const first = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 1, role: 'member' });
		await bo.client.joinWithInvite(first.link, 'Bo');
		await until(() => ash.client.members(group).length === 2);
		await ash.client.setSafety(group, { slow: 0, links: 'any', approve: true });
		const invite = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 3, role: 'member' });
		await untilKeysSettled([ash, bo], group);
		await until(() => bo.client.state(group)?.head === ash.client.state(group)?.head);
		// A requester seals its note to Bo (a plain member) alone: it builds on a copy of the state
		// where Bo is the only moderator. The rules see one wrap for one moderator (Ash): it passes.
		const state = ash.client.state(group)!;
		const boSign = ash.client.members(group).find((m) => !m.self)!.sign;
		const ashSign = ash.client.members(group).find((m) => m.self)!.sign;
		const forged = { ...state, members: { ...state.members, [boSign]: { ...state.members[boSign]!, role: 'moderator' as const }, [ashSign]: { ...state.members[ashSign]!, role: 'member' as const } } };
		const sly = deriveIdentity(newRoot(), newIdentityNonce());
		const op = buildRequest(forged, sly, parseInviteLink(invite.link).secret, sodium().crypto_box_keypair().publicKey, { profile: { name: 'Sly' }, note: 'Bo, meet me outside after the meeting.' });
		const raw = await RawClient.connect(relay.url);
		try {
			const key = toB64(sly.signPk);
			const sig = toB64(sodium().crypto_sign_detached(labelled(LABEL.relayAuth, { challenge: (raw.hello as { challenge: string }).challenge, key }), sly.signSk));
			expect(await raw.request({ t: 'auth', key, sig })).toMatchObject({ t: 'ok' });
			expect(await raw.request({ t: 'append', group, mid: toB64(sodium().randombytes_buf(16)), entry: { op } })).toMatchObject({ t: 'ok' });
		} finally {
			raw.close();
		}
		await until(() => ash.client.joinRequests(group).length === 1);
		await until(() => bo.client.state(group)?.pending !== undefined && Object.keys(bo.client.state(group)!.pending!).length === 1);
		// Ash (the moderator the note should have been for) cannot open it; Bo, a member, shows nothing.
		expect(ash.client.joinRequests(group)[0]).toMatchObject({ name: null, note: null });
		expect(bo.client.joinRequests(group)).toEqual([]);
		// Made a moderator while the request waits: Bo sees the request, still without its words.
		await ash.client.setRole(group, boSign, 'moderator');
		await until(() => bo.client.joinRequests(group).length === 1);
		expect(bo.client.joinRequests(group)[0]).toMatchObject({ name: null, note: null });
	});
});
