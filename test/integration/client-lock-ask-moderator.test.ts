/**
 * Lock now (P10, review finding 13), asking to speak where listeners may not switch on their own
 * (§3.3 `ask`), the pinned service moderator (review finding 11), and what a removal leaves on
 * the device: real clients over the real relay.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { defaults, startClient, startRelay, until, type Relay, type TestClient, stopAll } from './harness.ts';
import { getJson, keys } from '../../src/lib/client/store.ts';
import { REMOVED_NOTICE } from '../../src/lib/words/notices.ts';
import { moderatorFingerprint } from '../../src/lib/client/moderator.ts';
import { DeviceState } from '../../src/lib/protocol/session/device.ts';
import type { SessionData } from '../../src/lib/protocol/session/types.ts';
import { fromB64, toB64 } from '../../src/lib/core/bytes.ts';
import { sodium } from '../../src/lib/crypto/sodium.ts';
import type { ClientEvent } from '../../src/lib/client/api.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	vi.restoreAllMocks();
	await stopAll(clients, relay);
	relay = null;
});

async function pair(settings: Partial<typeof defaults> & { listenersMaySpeak?: boolean } = {}, role: 'member' | 'listener' = 'member') {
	relay ??= await startRelay();
	const [ash, bo] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
	clients.push(ash, bo);
	const id = await ash.client.createGroup({ ...defaults, ...settings, name: 'Circle', pseudonym: 'Ash' });
	const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role });
	await bo.client.joinWithInvite(invite.link, 'Bo');
	await until(() => ash.client.members(id).length === 2);
	return { ash, bo, id };
}

const keyPair = () => ({ sign: toB64(sodium().crypto_sign_keypair().publicKey), box: toB64(sodium().crypto_box_keypair().publicKey) });

describe('lock now', () => {
	test('P10 data at rest: lock writes pending changes first, then wipes the device root and every identity secret key from memory', async () => {
		const { ash, bo, id } = await pair();
		await ash.client.send(id, { text: 'are you there?' });
		await until(() => bo.client.groups()[0]?.unread === 1);
		const device = (await getJson(bo.store, keys.device)) as { root: string; groups: Record<string, string> };
		const identity = DeviceState.fromJSON(device).identity(device.groups[id]!);
		const zeroed: Uint8Array[] = [];
		const memzero = sodium().memzero.bind(sodium());
		vi.spyOn(sodium(), 'memzero').mockImplementation((bytes: Uint8Array) => {
			zeroed.push(bytes.slice());
			memzero(bytes);
		});

		bo.client.markRead(id); // a change whose save is still pending when lock is called
		const events: ClientEvent[] = [];
		bo.client.on((e) => events.push(e));
		await bo.client.lock();

		const saved = (await getJson<SessionData>(bo.store, keys.session(id)))!;
		expect(saved.unread).toBe(0);
		const had = (secret: Uint8Array) => zeroed.some((z) => z.length === secret.length && sodium().memcmp(z, secret));
		expect(had(fromB64(device.root))).toBe(true);
		expect(had(identity.signSk)).toBe(true);
		expect(had(identity.boxSk)).toBe(true);
		expect(events.map((e) => e.type)).toContain('locked');
		expect(bo.client.connection).toBe('offline');
		expect(bo.client.transport.hasKey(saved.me)).toBe(false);
	});

	test('after lock every call is refused with PROTOCOL_LOCKED and the views are empty', async () => {
		const { bo, id } = await pair();
		await bo.client.lock();
		await expect(bo.client.send(id, { text: 'hello' })).rejects.toMatchObject({ code: 'PROTOCOL_LOCKED' });
		await expect(bo.client.createGroup({ ...defaults, name: 'x', pseudonym: 'y' })).rejects.toMatchObject({ code: 'PROTOCOL_LOCKED' });
		await expect(bo.client.report(id, [], '', false)).rejects.toMatchObject({ code: 'PROTOCOL_LOCKED' });
		await expect(bo.client.start()).rejects.toMatchObject({ code: 'PROTOCOL_LOCKED' });
		expect(bo.client.groups()).toEqual([]);
		expect(bo.client.messages(id)).toEqual([]);
		await bo.client.lock(); // twice is harmless
	});

	test('a client started on the same store after lock finds everything that was written', async () => {
		const { ash, bo, id } = await pair();
		await ash.client.send(id, { text: 'kept through a lock' });
		await until(() => bo.client.messages(id).some((m) => m.text === 'kept through a lock'));
		await bo.client.lock();
		const again = await startClient(relay!.url, bo.store);
		clients.push(again);
		expect(again.client.messages(id).map((m) => m.text)).toContain('kept through a lock');
	});
});

describe('asking to speak', () => {
	test('a listener asks to speak where listeners may not switch; only the admin sees the request, and letting them speak clears it', async () => {
		const { ash, bo, id } = await pair({ listenersMaySpeak: false }, 'listener');
		await bo.client.askToSpeak(id);
		const lee = bo.client.members(id).find((m) => m.self)!.sign;
		await until(() => ash.client.members(id).find((m) => m.sign === lee)?.askedToSpeak === true);
		expect(bo.client.members(id).find((m) => m.self)!.askedToSpeak).toBe(true);
		expect(bo.client.groups()[0]!.role).toBe('listener');
		await bo.client.askToSpeak(id); // already pending: nothing more is sent
		expect(ash.client.state(id)!.asks).toEqual([lee]);

		await ash.client.setRole(id, lee, 'member');
		await until(() => bo.client.groups()[0]!.role === 'member');
		expect(ash.client.members(id).find((m) => m.sign === lee)!.askedToSpeak).toBe(false);
		await bo.client.send(id, { text: 'thank you for letting me speak' });
		await until(() => ash.client.messages(id).some((m) => m.text === 'thank you for letting me speak'));
	});

	test('the relay refuses a second pending ask made by hand', async () => {
		const { bo, id } = await pair({ listenersMaySpeak: false }, 'listener');
		await bo.client.askToSpeak(id);
		const { buildAsk } = await import('../../src/lib/protocol/group/build.ts');
		const saved = (await getJson<SessionData>(bo.store, keys.session(id)))!;
		const device = (await getJson(bo.store, keys.device)) as { root: string; groups: Record<string, string> };
		const identity = DeviceState.fromJSON(device).identity(saved.nonce);
		const op = buildAsk(bo.client.state(id)!, identity);
		await expect(bo.client.transport.of(saved.me).request({ t: 'append', group: id, mid: toB64(new Uint8Array(16).fill(3)), entry: { op } })).rejects.toMatchObject({ code: 'RELAY_INVALID_OP' });
	});
});

describe('the service moderator key is pinned on first use', () => {
	test('P8 verifiable reporting: a relay presenting another moderator key gets a warning and no report until the user accepts the new fingerprint', async () => {
		const first = keyPair();
		relay = await startRelay({ moderator: first });
		const { ash, bo, id } = await pair();
		expect(bo.client.serviceModerator()).toEqual({ fingerprint: moderatorFingerprint(first), changed: false });
		await ash.client.send(id, { text: 'report me' });
		await until(() => bo.client.messages(id).some((m) => m.text === 'report me'));
		const msg = bo.client.messages(id).find((m) => m.text === 'report me')!;

		// The operator (or an intruder) restarts the relay with a key of its own.
		const dir = relay.dir;
		const port = relay.port;
		await relay.server.close();
		const swapped = keyPair();
		relay = await startRelay({ moderator: swapped, port }, dir);
		await until(() => bo.client.serviceModerator()?.changed === true, 10_000, 'changed key noticed');
		expect(bo.events).toContainEqual({ type: 'service-warning', warning: expect.objectContaining({ kind: 'moderator-changed', text: expect.stringMatching(/moderator key/) }) });
		expect(bo.client.serviceModerator()).toMatchObject({ fingerprint: moderatorFingerprint(first), offered: moderatorFingerprint(swapped) });
		await until(() => bo.client.connection === 'online');
		await expect(bo.client.report(id, [msg.id], 'threat', true)).rejects.toMatchObject({ code: 'PROTOCOL_MODERATOR_CHANGED' });

		await expect(bo.client.acceptServiceModerator(moderatorFingerprint(keyPair()))).rejects.toMatchObject({ code: 'PROTOCOL_MODERATOR_CHANGED' });
		await bo.client.acceptServiceModerator(moderatorFingerprint(swapped));
		expect(bo.client.serviceModerator()).toEqual({ fingerprint: moderatorFingerprint(swapped), changed: false });
		await bo.client.report(id, [msg.id], 'threat', true);
	});
});

describe('removal', () => {
	test('a removed member keeps only a local notice, and re-joining starts without the old records', async () => {
		const { ash, bo, id } = await pair();
		await ash.client.send(id, { text: 'before the removal' });
		await until(() => bo.client.messages(id).some((m) => m.text === 'before the removal'));
		const boKey = bo.client.members(id).find((m) => m.self)!.sign;
		await ash.client.remove(id, boKey);
		await until(() => bo.client.messages(id).length === 1 && bo.client.messages(id)[0]!.text === REMOVED_NOTICE);
		await bo.client.stop();
		const stored = await bo.store.keys(keys.group(id));
		// The notice, and the message index listing it alone (§8 "Message index").
		expect(stored.filter((k) => k !== keys.session(id))).toEqual([expect.stringMatching(new RegExp(`^${keys.messages(id)}op:`)), keys.index(id), keys.indexChunk(id, 0)]);
		const listed = JSON.parse(new TextDecoder().decode(await bo.store.get(keys.indexChunk(id, 0)))) as [string][];
		expect(listed.map(([m]) => m)).toEqual([stored[0]!.slice(keys.messages(id).length)]);
		await bo.client.start();
		expect(bo.client.messages(id).map((m) => m.text)).toEqual([REMOVED_NOTICE]);

		const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
		await bo.client.joinWithInvite(invite.link, 'Bo again');
		await ash.client.send(id, { text: 'welcome back' });
		await until(() => bo.client.messages(id).some((m) => m.text === 'welcome back'));
		const texts = bo.client.messages(id).map((m) => m.text);
		expect(texts).not.toContain('before the removal');
		expect(texts).not.toContain(REMOVED_NOTICE);
	});

	test('the group view says the member was removed as a state, not only as a notice, and no more once it re-joins', async () => {
		const { ash, bo, id } = await pair();
		const view = (c: TestClient) => c.client.groups().find((g) => g.id === id)!;
		expect(view(bo)).toMatchObject({ removed: false, ended: false });
		await ash.client.remove(id, bo.client.members(id).find((m) => m.self)!.sign);
		await until(() => view(bo).removed);
		expect(view(bo).ended).toBe(true);
		expect(view(ash).removed).toBe(false);
		await bo.client.stop();
		await bo.client.start();
		expect(view(bo).removed).toBe(true);

		const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
		await bo.client.joinWithInvite(invite.link, 'Bo again');
		expect(view(bo)).toMatchObject({ removed: false, ended: false });
	});
});
