/**
 * P4 forward secrecy: when a sender deletes its own message, the relay erases the stored bytes
 * (docs/PROTOCOL.md §9.8a). Only the sender may ask; a receiver's report of the deleted message
 * still verifies (the stamp is a MAC over fields the reporter holds); a later sync skips the
 * tombstone without a false gap warning.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { captureEntries, defaults, startClient, startRelay, stopAll, texts, until, warningKinds, type Relay, type TestClient } from './harness.ts';
import { getJson, keys } from '../../src/lib/client/store.ts';
import { DeviceState } from '../../src/lib/protocol/session/device.ts';
import type { SessionData } from '../../src/lib/protocol/session/types.ts';
import { labelled } from '../../src/lib/core/cjson.ts';
import { LABEL } from '../../src/lib/core/labels.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';
import { sodium } from '../../src/lib/crypto/sodium.ts';
import { signErase } from '../../src/lib/crypto/erase.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
});

function filesContain(dir: string, marker: string): boolean {
	const needle = Buffer.from(marker);
	return readdirSync(dir).some((name) => readFileSync(join(dir, name)).includes(needle));
}

/** A raw connection authenticated as `member`'s key in `group`; `ask` sends a request and returns the reply. */
async function rawAs(url: string, member: TestClient, group: string) {
	const data = (await getJson<SessionData>(member.store, keys.session(group)))!;
	const id = DeviceState.fromJSON(await getJson(member.store, keys.device)).identity(data.nonce);
	const ws = new WebSocket(url);
	const replies = new Map<string, Record<string, unknown>>();
	let authed = false;
	ws.on('message', (raw) => {
		const f = JSON.parse(String(raw)) as Record<string, unknown>;
		if (f.t === 'hello') {
			const sig = sodium().crypto_sign_detached(labelled(LABEL.relayAuth, { challenge: f.challenge as string, key: data.me }), id.signSk);
			ws.send(JSON.stringify({ t: 'auth', id: 'auth', key: data.me, sig: toB64(sig) }));
		}
		if (f.re === 'auth') authed = true;
		else if (typeof f.re === 'string') replies.set(f.re, f);
	});
	await until(() => authed, 5_000, 'auth');
	let n = 0;
	return {
		me: data.me,
		/** `sig` of an erase of the message at `seq` (epoch, ctr) naming `by`, by this member's key. */
		sign: (f: { seq: number; epoch: number; ctr: number; by: number }) => signErase(id.signSk, { group, ...f }),
		async ask(frame: Record<string, unknown>): Promise<Record<string, unknown>> {
			const rid = `r${n++}`;
			ws.send(JSON.stringify({ ...frame, id: rid }));
			await until(() => replies.has(rid), 5_000, frame.t as string);
			return replies.get(rid)!;
		},
		close: () => ws.close()
	};
}

test('P4 forward secrecy: a message its sender deleted is erased from the relay\'s LevelDB, only the sender may ask, and a report of it still verifies', async () => {
	relay = await startRelay();
	const [ash, bo] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
	clients.push(ash, bo);
	const group = await ash.client.createGroup({ ...defaults, name: 'circle', pseudonym: 'Ash' });
	const invite = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 5, role: 'member' });
	await bo.client.joinWithInvite(invite.link, 'Bo');
	await bo.client.send(group, { text: 'I should not have said this' });
	await ash.client.send(group, { text: 'a reply that stays' });
	await until(() => texts(ash, group).includes('I should not have said this') && texts(bo, group).includes('a reply that stays'));
	const stored = await captureEntries(relay.url, ash, group);
	const seqOf = (c: TestClient, text: string) => c.client.messages(group).find((m) => m.text === text)!.seq!;
	const regret = stored.find((e) => e.seq === seqOf(bo, 'I should not have said this'))!;
	const stays = stored.find((e) => e.seq === seqOf(ash, 'a reply that stays'))!;
	expect(regret.entry.msg).toBeDefined();
	expect(filesContain(relay.dir, regret.entry.msg!.ct)).toBe(true);

	// Ash (another member, an admin even) may not erase Bo's message, nor its own op; one code.
	const asAsh = await rawAs(relay.url, ash, group);
	const at = { epoch: regret.entry.msg!.epoch, ctr: regret.entry.msg!.ctr };
	const erase = (who: typeof asAsh, seq: number, by: number, f = at) => who.ask({ t: 'erase', group, seq, by, sig: who.sign({ seq, by, ...f }) });
	expect(await erase(asAsh, regret.seq, stays.seq)).toMatchObject({ t: 'err', code: 'RELAY_FORBIDDEN' });
	expect(await erase(asAsh, 1, stays.seq)).toMatchObject({ t: 'err', code: 'RELAY_FORBIDDEN' });
	expect(await erase(asAsh, 9999, 10_000)).toMatchObject({ t: 'err', code: 'RELAY_FORBIDDEN' });

	// Bo itself may not erase without a later message of its own to name as the delete (Ash's
	// reply is not one), with a signature over other fields, or its hello (ctr 0); one code.
	const asBo = await rawAs(relay.url, bo, group);
	const boHello = stored.find((e) => e.entry.msg?.sender === asBo.me && e.entry.msg.ctr === 0)!;
	expect(await erase(asBo, regret.seq, stays.seq)).toMatchObject({ t: 'err', code: 'RELAY_FORBIDDEN' });
	expect(await erase(asBo, regret.seq, regret.seq)).toMatchObject({ t: 'err', code: 'RELAY_FORBIDDEN' });
	expect(await asBo.ask({ t: 'erase', group, seq: boHello.seq, by: regret.seq, sig: asBo.sign({ seq: boHello.seq, by: regret.seq, epoch: boHello.entry.msg!.epoch, ctr: 0 }) })).toMatchObject({ t: 'err', code: 'RELAY_FORBIDDEN' });
	asBo.close();
	expect(filesContain(relay.dir, regret.entry.msg!.ct)).toBe(true);

	// Bo deletes it: the client asks the relay to erase it.
	const mine = bo.client.messages(group).find((m) => m.text === 'I should not have said this')!;
	await bo.client.deleteMessage(group, mine.id);
	await until(() => !texts(ash, group).includes('I should not have said this'));
	await relay.server.relay.store.compact();
	await expect.poll(() => filesContain(relay!.dir, regret.entry.msg!.ct), { timeout: 5_000 }).toBe(false);
	expect(filesContain(relay.dir, stays.entry.msg!.ct)).toBe(true);

	// Ash's report of the deleted message still verifies: the stamp is recomputed, not looked up.
	const msg = regret.entry.msg!;
	const verdict = await asAsh.ask({ t: 'verify', as: asAsh.me, group, seq: regret.seq, ts: regret.ts, sender: msg.sender, c: msg.c, stamp: regret.stamp });
	expect(verdict).toMatchObject({ t: 'ok', valid: true });
	asAsh.close();

	// A later sync gets the tombstone with Bo's signed erase in place of the message, no envelope.
	const after = await captureEntries(relay.url, ash, group);
	const tombstone = after.find((e) => e.seq === regret.seq)! as unknown as { entry: { erased?: { sender: string; ctr: number; by: number } } };
	expect(tombstone.entry).toEqual({ erased: expect.objectContaining({ sender: regret.entry.msg!.sender, ctr: regret.entry.msg!.ctr }) });
	expect(tombstone.entry.erased!.by).toBeGreaterThan(regret.seq);
	const fresh = await startClient(relay.url);
	clients.push(fresh);
	await fresh.client.joinWithInvite(invite.link, 'Cy');
	await ash.client.send(group, { text: 'after the erase' });
	await until(() => texts(bo, group).includes('after the erase'));
	expect(warningKinds(bo, group)).toEqual([]);
	expect(warningKinds(ash, group)).toEqual([]);
}, 40_000);
