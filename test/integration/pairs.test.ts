/**
 * One-to-one pairs for sponsor and mentee (§3.3), over the real relay: a pair code, a pair of
 * exactly two with no admin, messages both ways, and an end after which neither side can send.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { startClient, startRelay, stopAll, texts, until, type Relay, type TestClient } from './harness.ts';
import { getJson, keys } from '../../src/lib/client/store.ts';
import { RelayError } from '../../src/lib/client/connection.ts';
import type { SessionData } from '../../src/lib/protocol/session/types.ts';
import { encryptMessage } from '../../src/lib/crypto/message.ts';
import { sodium } from '../../src/lib/crypto/sodium.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
});

async function paired() {
	relay = await startRelay();
	const [sponsor, mentee] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
	clients.push(sponsor, mentee);
	const code = await mentee.client.offerPair();
	const id = await sponsor.client.createPair(code, 'Rowan');
	await mentee.client.acceptPair(id, code, 'Sky');
	return { sponsor, mentee, id, code };
}

/** A well-formed envelope from `c`'s authenticated key, built outside the client's checks. */
async function handMade(c: TestClient, id: string, text: string): Promise<unknown> {
	const session = (await getJson<SessionData>(c.store, keys.session(id)))!;
	const na = sodium();
	const { envelope } = encryptMessage({
		group: id,
		epoch: session.log!.epoch,
		sender: session.me,
		ctr: 5,
		state: session.log!.head,
		content: { t: 'text', text },
		msgKey: na.randombytes_buf(32),
		eskSk: na.crypto_sign_keypair().privateKey
	});
	return c.client.transport.of(session.me).request({ t: 'append', group: id, mid: toB64(na.randombytes_buf(16)), entry: { msg: envelope } }).catch((e: unknown) => e);
}

describe('one-to-one pairs', () => {
	test('a sponsor and a mentee pair with a code, see each other by name, and talk both ways; nobody is admin', async () => {
		const { sponsor, mentee, id } = await paired();
		for (const c of [sponsor, mentee]) {
			const summary = c.client.groups().find((g) => g.id === id)!;
			expect(summary).toMatchObject({ pair: true, ended: false, memberCount: 2 });
			expect(c.client.members(id).map((m) => m.role)).toEqual(['member', 'member']);
		}
		// The mentee's name arrives in its hello at once, before it writes anything.
		await until(() => sponsor.client.members(id).some((m) => m.name === 'Sky'), 10_000, 'mentee name');
		expect(mentee.client.members(id).map((m) => m.name).sort()).toEqual(['Rowan', 'Sky']);

		await mentee.client.send(id, { text: 'Day three. Hard evening.' });
		await until(() => texts(sponsor, id).includes('Day three. Hard evening.'));
		await sponsor.client.send(id, { text: 'I am here. Call if the evening gets long.' });
		await until(() => texts(mentee, id).includes('I am here. Call if the evening gets long.'));
		// A pair has no invites.
		await expect(sponsor.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role: 'member' })).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
	});

	test('either side ends the pair; afterwards neither can send, and the relay refuses a hand-made message', async () => {
		const { sponsor, mentee, id } = await paired();
		await sponsor.client.send(id, { text: 'before the end' });
		await until(() => texts(mentee, id).includes('before the end'));

		await mentee.client.endPair(id);
		await until(() => sponsor.client.groups().find((g) => g.id === id)?.ended === true, 10_000, 'sponsor sees the end');
		expect(mentee.client.groups().find((g) => g.id === id)!.ended).toBe(true);

		for (const c of [sponsor, mentee]) {
			await expect(c.client.send(id, { text: 'after the end' })).rejects.toMatchObject({ code: 'PROTOCOL_GROUP_ENDED' });
			const refused = await handMade(c, id, 'sneaking in after the end');
			expect(refused).toBeInstanceOf(RelayError);
			expect((refused as RelayError).code).toBe('RELAY_FORBIDDEN');
			// No key of the pair is left on either device.
			const session = (await getJson<SessionData>(c.store, keys.session(id)))!;
			expect(session.epochs).toEqual({});
			expect(session.send).toBeNull();
		}
		await expect(sponsor.client.endPair(id)).rejects.toBeDefined();
		expect(texts(mentee, id)).toEqual(['before the end']);
		expect(texts(sponsor, id)).toEqual(['before the end']);
	});

	test('a pair code is refused when malformed, made on the same device, or accepted under the wrong id', async () => {
		relay = await startRelay();
		const [a, b] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
		clients.push(a, b);
		await expect(a.client.createPair('unseen-pair-1.not-a-key', 'A')).rejects.toMatchObject({ code: 'PROTOCOL_BAD_FRAME' });
		const own = await a.client.offerPair();
		await expect(a.client.createPair(own, 'A')).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
		const code = await b.client.offerPair();
		const other = await a.client.createGroup({ name: 'Not a pair', description: '', pseudonym: 'A', retention: 0, listeners: false, listenersMaySpeak: false, invite: 'admins' });
		await expect(b.client.acceptPair(other, code, 'B')).rejects.toMatchObject({ code: 'RELAY_FORBIDDEN' });
		expect(b.client.groups()).toEqual([]);
		// The code is still usable for the real pair afterwards.
		const id = await a.client.createPair(code, 'A');
		await b.client.acceptPair(id, code, 'B');
		expect(b.client.groups().map((g) => g.id)).toEqual([id]);
		await expect(b.client.acceptPair(id, code, 'B')).resolves.toBe(id);
	});
});
