/**
 * Service bans (docs/PROTOCOL.md §9.8b): the deployment moderator's tool bans and unbans a
 * member's per-group key on the real relay running as its own process (LevelDB in a temporary
 * folder), the ban survives a restart, a forged or replayed request is refused, and the banned
 * key can neither log in nor append.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { defaults, startClient, texts, until, type TestClient } from './harness.ts';
import { spawnRelay, type ChildServer } from '../kit/child.ts';
import { identity, signWith } from '../kit/identities.ts';
import { getJson, keys } from '../../src/lib/client/store.ts';
import { DeviceState } from '../../src/lib/protocol/session/device.ts';
import type { SessionData } from '../../src/lib/protocol/session/types.ts';
import { labelled } from '../../src/lib/core/cjson.ts';
import { LABEL } from '../../src/lib/core/labels.ts';
import { fromB64, toB64 } from '../../src/lib/core/bytes.ts';
import { ready, sodium } from '../../src/lib/crypto/sodium.ts';
import { SERVICE_REMOVED_ME, serviceRemovedNotice } from '../../src/lib/words/service-bans.ts';
import { moderatorTool } from '../kit/moderator-tool.ts';


beforeAll(() => ready());

let dir = '';
let relay: ChildServer | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	for (const c of clients.splice(0)) await c.client.stop();
	await relay?.stop();
	relay = null;
	if (dir) await rm(dir, { recursive: true, force: true });
	dir = '';
});

const tool = moderatorTool;

/** A key file, and the relay (own process) configured with it over `dir/data`. */
async function relayWithModerator() {
	dir = await mkdtemp(join(tmpdir(), 'unseen-bans-'));
	const file = join(dir, 'moderator.json');
	const made = await tool('keygen', '--out', file);
	expect(made.code, made.stderr).toBe(0);
	const saved = JSON.parse(await readFile(file, 'utf8')) as { sign: string; box: string; signSecret: string };
	const env = { MODERATOR_SIGN_KEY: saved.sign, MODERATOR_BOX_KEY: saved.box };
	relay = await spawnRelay(join(dir, 'data'), [], env);
	return { file, env, moderatorSk: fromB64(saved.signSecret) };
}

/** A raw connection; `login` signs the relay's challenge with a member's key from its store. */
async function raw(url: string) {
	const ws = new WebSocket(url);
	ws.on('error', () => undefined);
	const replies = new Map<string, Record<string, unknown>>();
	let hello: { challenge: string; time: number } | null = null;
	ws.on('message', (data) => {
		const f = JSON.parse(String(data)) as Record<string, unknown>;
		if (f.t === 'hello') hello = f as unknown as { challenge: string; time: number };
		else if (typeof f.re === 'string') replies.set(f.re, f);
	});
	await until(() => hello !== null, 5_000, 'hello');
	let n = 0;
	const ask = async (frame: Record<string, unknown>) => {
		const rid = `r${n++}`;
		ws.send(JSON.stringify({ ...frame, id: rid }));
		await until(() => replies.has(rid), 5_000, frame.t as string);
		return replies.get(rid)!;
	};
	return {
		time: () => hello!.time,
		ask,
		async loginAs(member: TestClient, group: string) {
			const data = (await getJson<SessionData>(member.store, keys.session(group)))!;
			const id = DeviceState.fromJSON(await getJson(member.store, keys.device)).identity(data.nonce);
			const sig = sodium().crypto_sign_detached(labelled(LABEL.relayAuth, { challenge: hello!.challenge, key: data.me }), id.signSk);
			return ask({ t: 'auth', key: data.me, sig: toB64(sig) });
		},
		close: () => ws.close()
	};
}

/** Ash (admin) and Bo in a group on the child relay; returns Bo's key as a report shows it. */
async function circle(url: string) {
	const [ash, bo] = await Promise.all([startClient(url), startClient(url)]);
	clients.push(ash, bo);
	const id = await ash.client.createGroup({ ...defaults, name: 'Circle', pseudonym: 'Ash' });
	const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
	await bo.client.joinWithInvite(invite.link, 'Bo');
	await until(() => ash.client.members(id).length === 2);
	const boKey = ash.client.members(id).find((m) => !m.self)!.sign;
	return { ash, bo, id, boKey };
}

const banFrame = (sk: Uint8Array, f: { key: string; banned: boolean; ts: number }) => ({
	t: 'ban',
	...f,
	sig: toB64(sodium().crypto_sign_detached(labelled(LABEL.serviceBan, { banned: f.banned, key: f.key, ts: f.ts }), sk))
});

test('the tool bans a member\'s key: the relay refuses its login and its messages, lists it, keeps it across a restart; unban lets it back', async () => {
	const { file, env } = await relayWithModerator();
	const { ash, bo, id, boKey } = await circle(relay!.wsUrl);
	await bo.client.send(id, { text: 'before the ban' });
	await until(() => texts(ash, id).includes('before the ban'));

	const banned = await tool('ban', boKey, '--keys', file, '--relay', relay!.wsUrl);
	expect(banned.code, banned.stderr).toBe(0);
	expect(banned.stdout).toContain(`Banned ${boKey}`);

	// The banned key cannot log in, and an append it sends is refused before anything else.
	const conn = await raw(relay!.wsUrl);
	expect(await conn.loginAs(bo, id)).toMatchObject({ t: 'err', code: 'RELAY_BANNED' });
	await bo.client.send(id, { text: 'after the ban' }).catch(() => undefined);
	// Ash's own message after Bo's arrives; Bo's never does.
	await ash.client.send(id, { text: 'still here' });
	await until(() => texts(ash, id).includes('still here'), 10_000, 'own message');
	expect(texts(ash, id)).not.toContain('after the ban');
	conn.close();

	const listed = await tool('bans', '--keys', file, '--relay', relay!.wsUrl);
	expect(listed.code, listed.stderr).toBe(0);
	expect(listed.stdout).toContain(boKey);
	expect(listed.stdout).toContain('1 key banned.');

	// Restart: the ban is on disk.
	for (const c of clients.splice(0)) await c.client.stop();
	await relay!.stop();
	relay = await spawnRelay(join(dir, 'data'), [], env);
	const after = await tool('bans', '--keys', file, '--relay', relay.wsUrl);
	expect(after.code, after.stderr).toBe(0);
	expect(after.stdout).toContain(boKey);
	const again = await raw(relay.wsUrl);
	expect(await again.loginAs(bo, id)).toMatchObject({ t: 'err', code: 'RELAY_BANNED' });

	const unbanned = await tool('unban', boKey, '--keys', file, '--relay', relay.wsUrl);
	expect(unbanned.code, unbanned.stderr).toBe(0);
	expect(unbanned.stdout).toContain(`Unbanned ${boKey}`);
	expect(await again.loginAs(bo, id)).toMatchObject({ t: 'ok' });
	const none = await tool('bans', '--keys', file, '--relay', relay.wsUrl);
	expect(none.stdout).toContain('No keys are banned.');
	again.close();
}, 120_000);

test('an unban signed by anyone but the deployment key, a replayed ban or unban, and a stale one are refused', async () => {
	const { moderatorSk } = await relayWithModerator();
	const member = identity();
	const conn = await raw(relay!.wsUrl);
	const ts = conn.time();
	const ban = banFrame(moderatorSk, { key: member.sign, banned: true, ts });
	expect(await conn.ask(ban)).toMatchObject({ t: 'ok' });
	// The same request again (a replay) is refused, and changes nothing.
	expect(await conn.ask(ban)).toMatchObject({ t: 'err', code: 'RELAY_CONFLICT' });

	// An unban signed by another key (here, the banned member's own) is refused.
	const forged = { t: 'ban', key: member.sign, banned: false, ts: ts + 1, sig: signWith(member, LABEL.serviceBan, { banned: false, key: member.sign, ts: ts + 1 }) };
	expect(await conn.ask(forged)).toMatchObject({ t: 'err', code: 'RELAY_FORBIDDEN' });
	// A real unban signed long ago (captured, replayed later) is refused.
	expect(await conn.ask(banFrame(moderatorSk, { key: member.sign, banned: false, ts: ts - 11 * 60_000 }))).toMatchObject({ t: 'err', code: 'RELAY_FORBIDDEN' });
	// A real unban older than the stored ban is refused.
	expect(await conn.ask(banFrame(moderatorSk, { key: member.sign, banned: false, ts: ts - 1 }))).toMatchObject({ t: 'err', code: 'RELAY_CONFLICT' });

	// Still banned: its login is refused.
	const fresh = await raw(relay!.wsUrl);
	const refused = await new Promise<string>((resolve) => {
		const ws = new WebSocket(relay!.wsUrl);
		ws.on('message', (d) => {
			const f = JSON.parse(String(d)) as { t: string; challenge: string };
			if (f.t !== 'hello') return;
			ws.send(JSON.stringify({ t: 'auth', id: 'a', key: member.sign, sig: signWith(member, LABEL.relayAuth, { challenge: f.challenge, key: member.sign }) }));
			ws.once('message', (reply) => {
				resolve(String(reply));
				ws.close();
			});
		});
	});
	expect(JSON.parse(refused)).toMatchObject({ t: 'err', code: 'RELAY_BANNED' });
	// The real unban, newer than the ban, is taken.
	expect(await fresh.ask(banFrame(moderatorSk, { key: member.sign, banned: false, ts: ts + 2 }))).toMatchObject({ t: 'ok' });
	conn.close();
	fresh.close();
});

test('members see the service\'s removal: the admin\'s client removes the banned member (rekey), the others are told, and the banned member reads "The service has removed you"', async () => {
	const { file } = await relayWithModerator();
	const { ash, bo, id } = await circle(relay!.wsUrl);
	const cy = await startClient(relay!.wsUrl);
	clients.push(cy);
	const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
	await cy.client.joinWithInvite(invite.link, 'Cy');
	await until(() => ash.client.members(id).length === 3 && bo.client.members(id).length === 3, 10_000, 'three members');
	await cy.client.send(id, { text: 'hello from Cy' });
	await until(() => ash.client.members(id).some((m) => m.name === 'Cy') && bo.client.members(id).some((m) => m.name === 'Cy'), 10_000, "Cy's name");
	const cyKey = ash.client.members(id).find((m) => m.name === 'Cy')!.sign;

	const banned = await tool('ban', cyKey, '--keys', file, '--relay', relay!.wsUrl);
	expect(banned.code, banned.stderr).toBe(0);

	// Ash (admin) takes Cy out with a normal remove op; everyone's copy of the group follows.
	await until(() => ash.client.members(id).length === 2 && bo.client.members(id).length === 2, 15_000, 'Cy removed');
	expect(ash.client.serviceRemovals(id)).toEqual({ me: false, others: [{ sign: cyKey, name: 'Cy', gone: true }] });
	expect(bo.client.serviceRemovals(id).others).toEqual([{ sign: cyKey, name: 'Cy', gone: true }]);
	expect(serviceRemovedNotice('Cy')).toBe("Cy was removed by the service. An admin's app takes them out of the group and sends new keys to everyone else.");
	expect(serviceRemovedNotice(bo.client.serviceRemovals(id).others[0]!.name, true)).toBe('Cy was removed by the service. They can no longer read or send anything in this group.');
	// Cy's own client learns it when its login is refused.
	await until(() => cy.client.serviceRemovals(id).me, 15_000, 'Cy told');
	expect(SERVICE_REMOVED_ME.title).toBe('The service has removed you');

	// After the rekey, what Ash says reaches Bo and not Cy.
	await ash.client.send(id, { text: 'after Cy left' });
	await until(() => texts(bo, id).includes('after Cy left'), 10_000, 'Bo reads on');
	expect(texts(cy, id)).not.toContain('after Cy left');
}, 120_000);

test('a key that begins with "-" (one in 64 do) is taken as the key to ban, not as an option; a bare option is still refused', async () => {
	const { file } = await relayWithModerator();
	// A real per-group key: an Ed25519 public key whose base64url starts with '-'.
	let key = '';
	while (!key.startsWith('-')) key = toB64(sodium().crypto_sign_keypair().publicKey);
	const banned = await tool('ban', key, '--keys', file, '--relay', relay!.wsUrl);
	expect(banned.code, banned.stderr).toBe(0);
	expect((await tool('bans', '--keys', file, '--relay', relay!.wsUrl)).stdout).toContain(key);
	const unbanned = await tool('unban', key, '--keys', file, '--relay', relay!.wsUrl);
	expect(unbanned.code, unbanned.stderr).toBe(0);
	const option = await tool('ban', '--keys', file, '--relay', relay!.wsUrl);
	expect(option.code).not.toBe(0);
	expect(option.stderr).toContain("ban needs the member's key");
});
