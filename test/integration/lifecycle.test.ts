import { afterEach, describe, expect, test } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { captureEntries, defaults, removeDir, startClient, startRelay, texts, until, warningKinds, type Relay, type TestClient } from './harness.ts';
import { getJson, keys } from '../../src/lib/client/store.ts';
import type { SessionData } from '../../src/lib/protocol/session/types.ts';
import { encryptMessage } from '../../src/lib/crypto/message.ts';
import { sodium } from '../../src/lib/crypto/sodium.ts';
import { toB64, utf8 } from '../../src/lib/core/bytes.ts';
import { RelayError } from '../../src/lib/client/connection.ts';
import { canonicalJson, type CJson } from '../../src/lib/core/cjson.ts';
import { sodiumPrimitives } from '../../src/lib/crypto/primitives.ts';
import { applyOp, opHashB64 } from '../../src/lib/protocol/group/state.ts';
import type { GroupState } from '../../src/lib/protocol/group/types.ts';
import type { Op } from '../../src/lib/core/schema.ts';

let relays: Relay[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
	for (const c of clients.splice(0)) await c.client.stop();
	for (const r of relays.splice(0)) {
		await r.server.close();
		await removeDir(r.dir);
	}
});

async function group(names: string[], options: Partial<typeof defaults> = {}, role: 'member' | 'listener' = 'member') {
	const relay = await startRelay();
	relays.push(relay);
	const people = await Promise.all(names.map(() => startClient(relay.url)));
	clients.push(...people);
	const [admin, ...rest] = people;
	const id = await admin!.client.createGroup({ ...defaults, ...options, name: 'Evening group', pseudonym: names[0]! });
	const invite = await admin!.client.createInvite(id, { expiresInMs: 3_600_000, maxUses: 10, role });
	for (let i = 0; i < rest.length; i++) await rest[i]!.client.joinWithInvite(invite.link, names[i + 1]!);
	return { relay, people, id };
}

describe('membership changes over the real relay', () => {
	test('P5 a member who leaves triggers a rekey, and the next messages use the new epoch', async () => {
		const { people, id } = await group(['Ash', 'Bo', 'Cy']);
		const [ash, bo, cy] = people as [TestClient, TestClient, TestClient];
		await ash.client.send(id, { text: 'hello all' });
		await until(() => texts(cy, id).includes('hello all'));
		const epochBefore = ash.client.state(id)!.epoch;
		await cy.client.leave(id);
		expect(cy.client.groups().map((g) => g.id)).not.toContain(id);
		await until(() => {
			const s = ash.client.state(id)!;
			return s.epoch === epochBefore + 1 && !s.needsRekey && Object.keys(s.members).length === 2;
		});
		await until(() => bo.client.state(id)!.epoch === epochBefore + 1);
		await bo.client.send(id, { text: 'after Cy left' });
		await until(() => texts(ash, id).includes('after Cy left'));
		const entries = await captureEntries(relays[0]!.url, ash, id);
		// `key` ops (§4.4: members publish fresh receive keys after each epoch) are left out.
	const kinds = entries.flatMap((e) => (e.entry.op && e.entry.op.kind !== 'key' ? [e.entry.op.kind] : []));
		expect(kinds.slice(-2)).toEqual(['leave', 'rekey']);
		const last = entries.filter((e) => e.entry.msg).at(-1)!.entry.msg!;
		expect(last.epoch).toBe(epochBefore + 1);
	});

	test('a listener cannot post: the client refuses, and the relay refuses a hand-made message too', async () => {
		const { people, id } = await group(['Ash', 'Lee'], {}, 'listener');
		const [ash, lee] = people as [TestClient, TestClient];
		expect(lee.client.groups()[0]!.role).toBe('listener');
		await expect(lee.client.send(id, { text: 'can I speak?' })).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
		expect(lee.client.messages(id).filter((m) => m.kind === 'text')).toEqual([]);
		// Asking is an `ask` op (§3.3), not a message: it records the request and grants nothing.
		await lee.client.askToSpeak(id);
		expect(lee.client.groups()[0]!.role).toBe('listener');
		// Bypass the client: a correctly formed envelope from the listener's authenticated key.
		const session = (await getJson<SessionData>(lee.store, keys.session(id)))!;
		const na = sodium();
		const { envelope } = encryptMessage({
			group: id,
			epoch: session.log!.epoch,
			sender: session.me,
			ctr: 1,
			state: session.log!.head,
			content: { t: 'text', text: 'sneaking in' },
			msgKey: na.randombytes_buf(32),
			eskSk: na.crypto_sign_keypair().privateKey
		});
		const refused = await lee.client.transport.of(session.me).request({ t: 'append', group: id, mid: toB64(na.randombytes_buf(16)), entry: { msg: envelope } }).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(RelayError);
		expect((refused as RelayError).code).toBe('RELAY_FORBIDDEN');
		await ash.client.send(id, { text: 'listeners read along' });
		await until(() => texts(lee, id).includes('listeners read along'));
	});

	test('a listener switches to member where the group allows it, then posts', async () => {
		const { people, id } = await group(['Ash', 'Lee'], { listenersMaySpeak: true }, 'listener');
		const [ash, lee] = people as [TestClient, TestClient];
		await lee.client.askToSpeak(id);
		expect(lee.client.groups()[0]!.role).toBe('member');
		await lee.client.send(id, { text: 'first words' });
		await until(() => texts(ash, id).includes('first words'));
	});
});

describe('concurrency and rotation', () => {
	test('two admins acting at once both succeed: the loser rebases on the new head, and everyone agrees', async () => {
		const { relay, people, id } = await group(['Ash', 'Bo', 'Cy', 'Di']);
		const [ash, bo, cy, di] = people as [TestClient, TestClient, TestClient, TestClient];
		const all = [ash, bo, cy, di];
		const key = (c: TestClient) => c.client.members(id).find((m) => m.self)!.sign;
		await ash.client.setRole(id, key(bo), 'admin');
		await until(() => bo.client.groups()[0]!.role === 'admin');
		// The receive keys every join called for (§4.4) have landed, so no `key` op comes in between;
		// both admins start from the same head, so their ops name the same parent.
		await until(() => all.every((c) => Object.values(c.client.state(id)!.members).every((m) => m.rkAt === c.client.state(id)!.epoch)));
		await until(() => all.every((c) => c.client.state(id)!.head === ash.client.state(id)!.head));
		const before = ash.client.state(id)!.head;

		// Every op append and the relay's answer, in order. Bo's first append is held back until the
		// relay has acked Ash's: both are built on `before`, so the relay must refuse one of them.
		// The conflict is forced, not left to timing, and the assertions below require it.
		type Attempt = { who: string; op: Op; outcome: string; head?: string };
		const attempts: Attempt[] = [];
		let ashAcked!: () => void;
		const ashOk = new Promise<void>((resolve) => (ashAcked = resolve));
		const watch = (c: TestClient, who: string, holdFirst?: Promise<void>) => {
			const conn = c.client.transport.of(key(c));
			const send = conn.request.bind(conn);
			let hold = holdFirst;
			conn.request = async (frame, onOk) => {
				if (frame.t !== 'append' || !('op' in frame.entry)) return send(frame, onOk);
				const op = frame.entry.op;
				if (hold) await hold;
				hold = undefined;
				try {
					const ok = await send(frame, onOk);
					attempts.push({ who, op, outcome: 'ok' });
					if (who === 'Ash') ashAcked();
					return ok;
				} catch (error) {
					attempts.push({ who, op, outcome: error instanceof RelayError ? error.code : String(error), ...(error instanceof RelayError && error.head ? { head: error.head } : {}) });
					throw error;
				}
			};
		};
		watch(ash, 'Ash');
		watch(bo, 'Bo', ashOk);
		await Promise.all([ash.client.setRole(id, key(cy), 'moderator'), bo.client.setRole(id, key(di), 'moderator')]);

		const hash = (op: Op) => opHashB64(op, sodiumPrimitives());
		const intent = (op: Op) => (op.kind === 'role' ? { author: op.author, target: op.target, role: op.role } : op.kind);
		const roleOps = attempts.filter((a) => a.op.kind === 'role');
		// Ash's op went in; Bo's, naming the same parent, was refused as stale; Bo rebased and retried once.
		expect(roleOps.map((a) => [a.who, a.outcome])).toEqual([
			['Ash', 'ok'],
			['Bo', 'RELAY_CONFLICT'],
			['Bo', 'ok']
		]);
		const [won, lost, retried] = roleOps as [Attempt, Attempt, Attempt];
		expect(won.op.kind === 'genesis' ? null : won.op.parent).toBe(before);
		expect(lost.op.kind === 'genesis' ? null : lost.op.parent).toBe(before);
		expect(lost.head).toBe(hash(won.op));
		expect(retried.op.kind === 'genesis' ? null : retried.op.parent).toBe(hash(won.op));
		expect(intent(retried.op)).toEqual(intent(lost.op));
		expect(intent(retried.op)).toEqual({ author: key(bo), target: key(di), role: 'moderator' });

		// The relay's log: the winner, then the rebased op; the refused op is nowhere in it.
		await until(() => all.every((c) => c.client.state(id)!.head === hash(retried.op)));
		const entries = await captureEntries(relay.url, ash, id);
		const logged = entries.flatMap((e) => (e.entry.op ? [{ op: e.entry.op as Op, ts: e.ts }] : []));
		expect(logged.slice(-2).map((e) => hash(e.op))).toEqual([hash(won.op), hash(retried.op)]);
		expect(logged.map((e) => hash(e.op))).not.toContain(hash(lost.op));

		// Every client holds the same state, byte for byte: one state hash, the one a replay of the relay's log gives.
		const stateHash = (state: GroupState) => toB64(sodium().crypto_hash_sha256(utf8(canonicalJson(state as unknown as CJson))));
		let replayed: GroupState | null = null;
		for (const e of logged) replayed = applyOp(replayed, e.op, { now: e.ts, primitives: sodiumPrimitives() });
		const hashes = all.map((c) => stateHash(c.client.state(id)!));
		expect(hashes).toEqual(all.map(() => stateHash(replayed!)));
		const expected = { [key(ash)]: 'admin', [key(bo)]: 'admin', [key(cy)]: 'moderator', [key(di)]: 'moderator' };
		for (const c of all) {
			expect(Object.fromEntries(c.client.members(id).map((m) => [m.sign, m.role]))).toEqual(expected);
		}
	});

	test('P5 keys rotate on schedule: once the epoch is older than the rotation period, the next sender rekeys first', async () => {
		const relay = await startRelay();
		relays.push(relay);
		const [ash, bo] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
		clients.push(ash, bo);
		const id = await ash.client.createGroup({ ...defaults, name: 'Rotating', pseudonym: 'Ash', rotate: 1 });
		const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
		await bo.client.joinWithInvite(invite.link, 'Bo');
		await ash.client.send(id, { text: 'this epoch' });
		await until(() => texts(bo, id).includes('this epoch'));
		const epoch = bo.client.state(id)!.epoch;
		await new Promise((r) => setTimeout(r, 1_100));
		await ash.client.send(id, { text: 'a second later' });
		await until(() => texts(bo, id).includes('a second later'));
		expect(bo.client.state(id)!.epoch).toBe(epoch + 1);
		const entries = await captureEntries(relay.url, bo, id);
		const last = entries.filter((e) => e.entry.msg).at(-1)!.entry.msg!;
		expect(last.epoch).toBe(epoch + 1);
		expect(entries.flatMap((e) => (e.entry.op && e.entry.op.kind !== 'key' ? [e.entry.op.kind] : [])).at(-1)).toBe('rekey');
	});
});

describe('outbox and reconnection', () => {
	test('restarting the relay mid-send delivers every outbox message exactly once, in order', async () => {
		const { relay, people, id } = await group(['Ash', 'Bo']);
		const [ash, bo] = people as [TestClient, TestClient];
		const sent = Array.from({ length: 20 }, (_, i) => `message number ${i + 1}`);
		const sending = sent.map((text) => ash.client.send(id, { text }));
		await Promise.all(sending);
		await until(() => texts(bo, id).length >= 3, 10_000, 'first deliveries');
		await relay.server.close();
		await until(() => ash.client.connection !== 'online');
		const pendingWhileDown = ash.client.messages(id).filter((m) => m.status === 'sending').length;
		const again = await startRelay({ port: relay.port }, relay.dir);
		relays = [again];
		await until(() => texts(bo, id).length === 20, 20_000, 'all 20 delivered');
		expect(texts(bo, id)).toEqual(sent);
		expect(ash.client.messages(id).filter((m) => m.kind === 'text').map((m) => m.status)).toEqual(sent.map(() => 'sent'));
		expect(warningKinds(bo, id)).toEqual([]);
		// The relay stored each one once (a resend after a lost ack reuses its mid).
		const ashKey = ash.client.members(id).find((m) => m.self)!.sign;
		const stored = (await captureEntries(again.url, bo, id)).filter((e) => e.entry.msg?.sender === ashKey && e.entry.msg.ctr > 0);
		expect(stored.map((e) => e.entry.msg!.ctr)).toEqual(sent.map((_, i) => i + 1));
		expect(pendingWhileDown).toBeGreaterThan(0);
	});

	test('messages written while offline wait in the outbox, survive a restart of the client, and go out on reconnect', async () => {
		const { relay, people, id } = await group(['Ash', 'Bo']);
		const [ash, bo] = people as [TestClient, TestClient];
		await relay.server.close();
		await until(() => ash.client.connection !== 'online');
		await ash.client.send(id, { text: 'written on the train' });
		expect(ash.client.messages(id).at(-1)).toMatchObject({ text: 'written on the train', status: 'sending', self: true });
		// The app is closed and opened again with the same (persisted) store.
		await ash.client.stop();
		clients.splice(clients.indexOf(ash), 1);
		const again = await startRelay({ port: relay.port }, relay.dir);
		relays = [again];
		const reopened = await startClient(again.url, ash.store);
		clients.push(reopened);
		await until(() => texts(bo, id).includes('written on the train'), 15_000);
		await until(() => reopened.client.messages(id).at(-1)?.status === 'sent');
	});
});

describe('P1 confidentiality', () => {
	test("P1 confidentiality: the relay's LevelDB files contain none of the message texts, pseudonyms or group names", async () => {
		const relay = await startRelay();
		relays.push(relay);
		const [ash, bo] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
		clients.push(ash, bo);
		const secrets = ['Quillfeather Meadow Circle', 'Zanzibar-Pseudonym-Ash', 'Obsidian-Pseudonym-Bo', 'I relapsed on Tuesday and told nobody', 'Thank you for trusting us with this', 'a description nobody should read'];
		const id = await ash.client.createGroup({ ...defaults, name: secrets[0]!, description: secrets[5]!, pseudonym: secrets[1]! });
		const invite = await ash.client.createInvite(id, { expiresInMs: 3_600_000, maxUses: 2, role: 'member' });
		await bo.client.joinWithInvite(invite.link, secrets[2]!);
		await bo.client.send(id, { text: secrets[3]! });
		await until(() => texts(ash, id).includes(secrets[3]!));
		await ash.client.send(id, { text: secrets[4]!, cw: 'relapse' });
		await until(() => texts(bo, id).includes(secrets[4]!));
		for (const c of clients.splice(0)) await c.client.stop();
		await relay.server.close();
		relays = [];
		const files = await allFiles(relay.dir);
		expect(files.length).toBeGreaterThan(0);
		const raw = Buffer.concat(await Promise.all(files.map((f) => readFile(f))));
		for (const secret of [...secrets, 'relapse']) {
			expect(raw.includes(Buffer.from(secret, 'utf8')), `"${secret}" found in relay storage`).toBe(false);
			expect(raw.includes(Buffer.from(secret, 'utf16le'))).toBe(false);
		}
		// The messages themselves are in there, as ciphertext: the search looked at real data.
		expect(raw.includes(Buffer.from(id))).toBe(true);
		await removeDir(relay.dir);
	});
});

async function allFiles(dir: string): Promise<string[]> {
	const out: string[] = [];
	for (const entry of await readdir(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) out.push(...(await allFiles(path)));
		else out.push(path);
	}
	return out;
}
