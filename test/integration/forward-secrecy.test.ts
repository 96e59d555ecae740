/**
 * P4 forward secrecy across epochs (docs/PROTOCOL.md §4.4): someone holding a member's phone
 * (its whole current state, or a backup and its passphrase) and everything the relay stores
 * recovers no message of an earlier epoch. The attack is generic: every 32-byte value the state
 * holds, and every key the device root derives, is tried as an X25519 secret key on every
 * sealed epoch key of every op, and as an epoch secret, chain key and message key on every
 * stored envelope of an earlier epoch.
 */
import { afterEach, expect, test } from 'vitest';
import { Level } from 'level';
import { defaults, removeDir, startClient, startRelay, stopAll, texts, until, type Relay, type TestClient } from './harness.ts';
import { fromB64 } from '../../src/lib/core/bytes.ts';
import type { Envelope, Op } from '../../src/lib/core/schema.ts';
import { kdf } from '../../src/lib/crypto/chain.ts';
import { LABEL } from '../../src/lib/core/labels.ts';
import { deriveEpochKeys } from '../../src/lib/crypto/epoch.ts';
import { deriveIdentity } from '../../src/lib/crypto/identity.ts';
import { decryptMessage } from '../../src/lib/crypto/message.ts';
import { sodium } from '../../src/lib/crypto/sodium.ts';
import { exportBackup, importBackup } from '../../src/lib/crypto/vault.ts';
import type { CJson } from '../../src/lib/core/cjson.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';
import { buildRekey } from '../../src/lib/protocol/group/build.ts';
import type { DeviceData } from '../../src/lib/protocol/session/device.ts';
import { getJson, keys } from '../../src/lib/client/store.ts';

let relay: Relay | null = null;
let relayStopped = false;
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relayStopped ? null : relay);
	if (relay && relayStopped) await removeDir(relay.dir);
	relay = null;
	relayStopped = false;
});

const COUNTERS = 24;

/** Every record of a client's store, decoded (the store of a headless client holds JSON). */
async function records(c: TestClient): Promise<Record<string, unknown>> {
	const out: Record<string, unknown> = {};
	for (const key of await c.store.keys('')) {
		const bytes = (await c.store.get(key))!;
		const text = new TextDecoder().decode(bytes);
		try {
			out[key] = JSON.parse(text);
		} catch {
			out[key] = text;
		}
	}
	return out;
}

/** Every string anywhere in `value` that is canonical base64url of exactly `length` bytes. */
function byteStrings(value: unknown, length: number, out: Uint8Array[] = []): Uint8Array[] {
	if (typeof value === 'string') {
		try {
			const bytes = fromB64(value);
			if (bytes.length === length) out.push(bytes);
		} catch {
			// not base64url
		}
	} else if (value && typeof value === 'object') {
		for (const v of Object.values(value)) byteStrings(v, length, out);
	}
	return out;
}

/** Everything the relay stores, read from its LevelDB folder after it stopped: the stored ops and envelopes. */
async function relayDisk(dir: string): Promise<{ ops: Op[]; envelopes: Envelope[] }> {
	const db = new Level<string, string>(dir, { valueEncoding: 'utf8' });
	await db.open();
	const ops: Op[] = [];
	const envelopes: Envelope[] = [];
	for await (const value of db.values()) {
		let parsed: { frame?: string };
		try {
			parsed = JSON.parse(value) as { frame?: string };
		} catch {
			continue;
		}
		if (typeof parsed?.frame !== 'string' || parsed.frame === '') continue;
		const frame = JSON.parse(parsed.frame) as { entry?: { op?: Op; msg?: Envelope } };
		if (frame.entry?.op) ops.push(frame.entry.op);
		if (frame.entry?.msg) envelopes.push(frame.entry.msg);
	}
	await db.close();
	return { ops, envelopes };
}

function opens(envelope: Envelope, key: Uint8Array): boolean {
	try {
		decryptMessage(envelope, key);
		return true;
	} catch {
		return false;
	}
}

/**
 * The attack: `member`'s whole state (every record, and the same records through a backup and
 * its passphrase) plus the relay's LevelDB, tried against every epoch before `epoch`. Stops
 * every client and the relay. Returns what opened (empty when P4 holds).
 */
async function attack(member: TestClient, group: string, epoch: number): Promise<{ openedEarlier: number[]; readable: string[]; earlier: number; epochOps: number }> {
	// The device in hand: every record, and the same records through a backup and its passphrase.
	const state = await records(member);
	const backup = await exportBackup({ kind: 'unseen-device', v: 1, records: state as unknown as CJson }, 'correct horse battery', { ops: 1, mem: 8192 });
	const restored = (await importBackup(backup, 'correct horse battery')) as { records: Record<string, unknown> };
	expect(restored).toEqual({ kind: 'unseen-device', v: 1, records: state });
	await stopAll(clients, null);

	const na = sodium();
	const secrets = byteStrings(restored, 32);
	// Whatever the device root derives: every identity of every group and pair offer.
	for (const device of Object.values(restored.records)) {
		const d = device as { root?: string; groups?: Record<string, string>; offers?: Record<string, string> };
		if (typeof d?.root !== 'string' || !d.groups) continue;
		for (const nonce of [...Object.values(d.groups), ...Object.values(d.offers ?? {})]) {
			const id = deriveIdentity(fromB64(d.root), fromB64(nonce));
			secrets.push(id.boxSk, id.signSk.slice(0, 32));
		}
	}
	expect(secrets.length).toBeGreaterThan(10);

	await relay!.server.close();
	relayStopped = true;
	const disk = await relayDisk(relay!.dir);
	const earlier = disk.envelopes.filter((e) => e.epoch < epoch);
	const epochOps = disk.ops.filter((op): op is Extract<Op, { commit: string }> => 'keys' in op);

	// 1. No secret the state holds opens a sealed epoch key of an earlier epoch.
	const openedEarlier: number[] = [];
	const epochSecrets: { epoch: number; secret: Uint8Array }[] = [];
	for (const op of epochOps) {
		for (const k of op.keys) {
			for (const sk of secrets) {
				try {
					const secret = na.crypto_box_seal_open(fromB64(k.box), na.crypto_scalarmult_base(sk), sk);
					epochSecrets.push({ epoch: op.epoch, secret });
					if (op.epoch < epoch) openedEarlier.push(op.epoch);
				} catch {
					// does not open
				}
			}
		}
	}

	// 2. No stored envelope of an earlier epoch opens under any held value used as an epoch
	// secret, a chain key (ratcheted COUNTERS steps) or a message key.
	const group32 = fromB64(group);
	const readable: string[] = [];
	for (const env of earlier) {
		const sender = fromB64(env.sender);
		const candidates = [...secrets, ...epochSecrets.map((s) => s.secret)];
		for (const value of candidates) {
			if (opens(env, value)) readable.push(`${env.epoch}:${env.ctr} as message key`);
			const asEpoch = deriveEpochKeys(value.slice(), env.epoch === 0 ? new Uint8Array(0) : group32, [sender]).chains.get(env.sender)!;
			for (const start of [value, asEpoch]) {
				let chain: Uint8Array = start.slice();
				for (let ctr = 0; ctr < COUNTERS; ctr++) {
					if (ctr === env.ctr && opens(env, kdf(chain, LABEL.chainMsg))) readable.push(`${env.epoch}:${env.ctr} from a chain`);
					chain = kdf(chain, LABEL.chainNext);
				}
			}
		}
	}
	return { openedEarlier, readable, earlier: earlier.length, epochOps: epochOps.length };
}

test('P4 forward secrecy: with the whole current state of a member who joined by invite, a backup and its passphrase, and the relay\'s LevelDB, no earlier epoch\'s message decrypts', async () => {
	relay = await startRelay();
	const [ash, bo] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
	clients.push(ash, bo);
	// Keys rotate every second, so each message after a pause starts a new epoch.
	const group = await ash.client.createGroup({ ...defaults, rotate: 1, name: 'circle', pseudonym: 'Ash' });
	const invite = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 5, role: 'member' });
	await bo.client.joinWithInvite(invite.link, 'Bo');
	const said = ['first words', 'second words', 'third words', 'last words'];
	for (const [i, text] of said.entries()) {
		await new Promise((r) => setTimeout(r, 1_100));
		await (i % 2 ? bo : ash).client.send(group, { text });
		await until(() => texts(ash, group).includes(text) && texts(bo, group).includes(text));
	}
	// Let the session-initiated steps (fresh receive keys, §4.4) land and be saved.
	await new Promise((r) => setTimeout(r, 1_000));
	const epoch = bo.client.state(group)!.epoch;
	expect(epoch).toBeGreaterThanOrEqual(4);
	const found = await attack(bo, group, epoch);
	expect(found.earlier).toBeGreaterThanOrEqual(3);
	expect(found.epochOps).toBeGreaterThanOrEqual(4);
	expect(found.openedEarlier).toEqual([]);
	expect(found.readable).toEqual([]);
}, 60_000);

/** `c` rekeys the group by hand (pairs have no scheduled rotation): a rekey op signed by its identity, appended as is. */
async function rekeyByHand(c: TestClient, group: string): Promise<void> {
	const device = (await getJson<DeviceData>(c.store, keys.device))!;
	const id = deriveIdentity(fromB64(device.root), fromB64(device.groups[group]!));
	const { op, secret } = buildRekey(c.client.state(group)!, id);
	secret.fill(0);
	await c.client.transport.of(op.author).request({ t: 'append', group, mid: toB64(sodium().randombytes_buf(16)), entry: { op } });
}

test('P4 forward secrecy: with the whole current state of a pair partner (listed in the genesis from its pair code), a backup and its passphrase, and the relay\'s LevelDB, no earlier epoch\'s message decrypts, the first epoch included', async () => {
	relay = await startRelay();
	const [sponsor, mentee] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
	clients.push(sponsor, mentee);
	const code = await mentee.client.offerPair();
	const id = await sponsor.client.createPair(code, 'Rowan');
	await mentee.client.acceptPair(id, code, 'Sky');
	const exchange = async (words: string[]) => {
		for (const [i, text] of words.entries()) {
			await (i % 2 ? mentee : sponsor).client.send(id, { text });
			await until(() => texts(sponsor, id).includes(text) && texts(mentee, id).includes(text));
		}
	};
	await exchange(['first evening', 'glad you are here']);
	for (const epoch of [1, 2]) {
		await rekeyByHand(sponsor, id);
		// Both sides open the new epoch with their receive key and publish a fresh one (§4.4).
		const settled = (c: TestClient) => c.client.state(id)?.epoch === epoch && Object.values(c.client.state(id)!.members).every((m) => m.rkAt === epoch);
		await until(() => settled(sponsor) && settled(mentee), 10_000, `epoch ${epoch} settled`);
		await exchange([`words in epoch ${epoch}`, `answer in epoch ${epoch}`]);
	}
	// Let the session steps be saved.
	await new Promise((r) => setTimeout(r, 1_000));
	const found = await attack(mentee, id, 2);
	expect(found.earlier).toBeGreaterThanOrEqual(4);
	expect(found.epochOps).toBeGreaterThanOrEqual(3);
	expect(found.openedEarlier).toEqual([]);
	expect(found.readable).toEqual([]);
}, 60_000);
