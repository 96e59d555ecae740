import { afterEach, describe, expect, test } from 'vitest';
import { captureEntries, defaults, startClient, startRelay, texts, until, type Relay, type TestClient, stopAll } from './harness.ts';
import { GroupSession } from '../../src/lib/protocol/session/session.ts';
import { DeviceState } from '../../src/lib/protocol/session/device.ts';
import { sodiumPrimitives } from '../../src/lib/crypto/primitives.ts';
import { getJson, keys } from '../../src/lib/client/store.ts';
import type { RelayEntry, SessionData } from '../../src/lib/protocol/session/types.ts';
import { SenderChain } from '../../src/lib/crypto/chain.ts';
import { decryptMessage } from '../../src/lib/crypto/message.ts';
import { fromB64 } from '../../src/lib/core/bytes.ts';
import { startTamperProxy, type TamperProxy } from '../tamper/proxy.ts';
import { Tamperer, type EntryFrame } from '../tamper/setup.ts';

let relay: Relay | null = null;
let proxy: TamperProxy | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	await proxy?.close();
	proxy = null;
	await stopAll(clients, relay);
	relay = null;
});

/** Ash creates the group and invites Bo and Cy. `tamper`: Cy reaches the relay through a tampering proxy. */
async function three(tamper?: Tamperer) {
	relay = await startRelay();
	let cyUrl = relay.url;
	if (tamper) {
		proxy = await startTamperProxy(relay.url);
		proxy.onDown('cy', tamper.hook);
		cyUrl = proxy.url('cy');
	}
	const [ash, bo, cy] = await Promise.all([startClient(relay.url), startClient(relay.url), startClient(cyUrl)]);
	clients.push(ash, bo, cy);
	const group = await ash.client.createGroup({ ...defaults, name: 'Thursday circle', pseudonym: 'Ash' });
	const invite = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 5, role: 'member' });
	const preview = await bo.client.previewInvite(invite.link);
	expect(preview).toMatchObject({ group, name: 'Thursday circle', description: 'a quiet place', inviterName: 'Ash', role: 'member' });
	await bo.client.joinWithInvite(invite.link, 'Bo');
	await cy.client.joinWithInvite(invite.link, 'Cy');
	return { ash, bo, cy, group, relay };
}

describe('three members over the real relay', () => {
	test('create, invite, join and chat both ways; everyone sees the same words and names', async () => {
		const { ash, bo, cy, group } = await three();
		await ash.client.send(group, { text: 'Welcome, both of you.' });
		await until(() => texts(bo, group).includes('Welcome, both of you.') && texts(cy, group).includes('Welcome, both of you.'));
		await bo.client.send(group, { text: 'Thanks, glad to be here.' });
		await cy.client.send(group, { text: 'Same here.' });
		await until(() => texts(ash, group).length === 3 && texts(bo, group).length === 3 && texts(cy, group).length === 3);
		const shown = texts(ash, group);
		expect(texts(bo, group)).toEqual(shown);
		expect(texts(cy, group)).toEqual(shown);
		const fromBo = ash.client.messages(group).find((m) => m.text === 'Thanks, glad to be here.')!;
		expect(fromBo).toMatchObject({ senderName: 'Bo', self: false, status: 'sent' });
		expect(bo.client.messages(group).find((m) => m.text === 'Thanks, glad to be here.')).toMatchObject({ self: true, status: 'sent' });
		expect(ash.client.members(group).map((m) => m.name).sort()).toEqual(['Ash', 'Bo', 'Cy']);
		expect(bo.client.groups()[0]).toMatchObject({ id: group, name: 'Thursday circle', role: 'member', memberCount: 3 });
		expect(bo.client.groups()[0]!.unread).toBeGreaterThan(0);
	});

	test('P5 secrecy after removal: the removed member cannot decrypt anything sent afterwards, even with every key it kept', async () => {
		const { ash, bo, cy, group } = await three();
		await ash.client.send(group, { text: 'before' });
		await until(() => texts(cy, group).includes('before'));
		// Cy's complete key material as it stood just before the removal (a malicious former
		// member keeps a copy of everything).
		const beforeSeq = cy.client.messages(group).find((m) => m.text === 'before')!.seq!;
		let kept = (await getJson<SessionData>(cy.store, keys.session(group)))!;
		while (kept.cursor < beforeSeq) {
			await new Promise((r) => setTimeout(r, 20));
			kept = (await getJson<SessionData>(cy.store, keys.session(group)))!;
		}
		const device = DeviceState.fromJSON(await getJson(cy.store, keys.device));
		await ash.client.remove(group, kept.me);
		await until(() => cy.events.some((e) => e.type === 'removed' && e.group === group));
		await ash.client.send(group, { text: 'after the removal' });
		await bo.client.send(group, { text: 'bo after the removal' });
		await until(() => texts(bo, group).includes('after the removal') && texts(ash, group).includes('bo after the removal'));
		expect(texts(cy, group)).not.toContain('after the removal');
		expect(ash.client.members(group).map((m) => m.name).sort()).toEqual(['Ash', 'Bo']);

		// Capture the new ciphertexts as the relay stores them, with a raw member subscription.
		const envelopes = await captureEntries(relay!.url, bo, group);
		const fresh = envelopes.filter((e) => e.seq > kept.cursor);
		expect(fresh.length).toBeGreaterThanOrEqual(2);
		const oldSelf = GroupSession.fromJSON(kept, device.identity(kept.nonce), sodiumPrimitives());
		const events = fresh.flatMap((e) => oldSelf.receive(e as unknown as RelayEntry));
		const readable = events.filter((e) => e.type === 'message');
		expect(readable).toEqual([]);
		// It learns it was removed and wipes its keys, rather than reading on.
		expect(events.some((e) => e.type === 'removed')).toBe(true);
		// And ignoring the removal op: no key it kept (any epoch's chain of any sender, or its own)
		// opens any of the new ciphertexts.
		// (Entries after the removal: one still in Cy's last epoch, e.g. a hello sent after its
		// `key` op, §4.4, was Cy's to read.)
		const removalSeq = fresh.find((e) => e.entry.op?.kind === 'remove')!.seq;
		const msgs = fresh.flatMap((e) => (e.entry.msg && e.seq > removalSeq ? [{ ...e, msg: e.entry.msg }] : []));
		expect(msgs.length).toBeGreaterThanOrEqual(2);
		let attempts = 0;
		for (const { msg, ts } of msgs) {
			for (const epochData of Object.values(kept.epochs)) {
				const candidates = Object.values(epochData.chains).map((c) => SenderChain.fromJSON(c));
				if (epochData.own) candidates.push(SenderChain.fromChainKey(fromB64(epochData.own)));
				for (const chain of candidates) {
					attempts++;
					// Either the AEAD refuses the key, or the kept chain is already past that counter
					// (its key was deleted after use, P4); never plaintext.
					const error = (() => {
						try {
							chain.receive(msg.ctr, ts, (key) => decryptMessage(msg, key));
							return null;
						} catch (e) {
							return e as { code?: string };
						}
					})();
					expect(['PROTOCOL_DECRYPT_FAILED', 'PROTOCOL_REPLAY']).toContain(error?.code);
				}
			}
		}
		expect(attempts).toBeGreaterThan(msgs.length);
	});

	test('P6 a message the relay drops for one member, and one it replays, show up as events for that member only', async () => {
		const tamper = new Tamperer();
		const { ash, bo, cy, group } = await three(tamper);
		const ashKey = ash.client.members(group).find((m) => m.self)!.sign;
		// Ash's hello goes out with its first message: let that pass untouched.
		await ash.client.send(group, { text: 'settling in' });
		await until(() => texts(cy, group).includes('settling in'));
		// Of Ash's next three messages, Cy's copy of the second never arrives; the first is kept to replay.
		let kept: EntryFrame | null = null;
		let ashTexts = 0;
		tamper.rule = (f) => {
			if (f.group !== group || f.entry.msg?.sender !== ashKey) return undefined;
			ashTexts++;
			if (ashTexts === 1) kept = f;
			return ashTexts === 2 ? [] : undefined;
		};
		for (const text of ['one', 'two', 'three']) await ash.client.send(group, { text });
		await until(() => texts(bo, group).includes('three') && texts(cy, group).includes('three'));
		expect(texts(bo, group)).toEqual(['settling in', 'one', 'two', 'three']);
		expect(texts(cy, group)).toEqual(['settling in', 'one', 'three']);

		tamper.inject({ ...kept!, entry: { ...kept!.entry } });
		await until(() => cy.events.some((e) => e.type === 'warning' && e.warning.kind === 'replay'), 10_000, 'the replay event');
		const cyWarnings = cy.events.flatMap((e) => (e.type === 'warning' && e.group === group ? [e.warning.kind] : []));
		expect(cyWarnings).toEqual(['gap', 'replay']);
		expect(cy.client.warnings(group).map((w) => w.text)).toEqual([
			'A message from Ash did not arrive. The relay may have dropped or delayed them.',
			expect.stringMatching(/already delivered arrived again/)
		]);
		// Shown once, and nobody else saw anything amiss.
		expect(texts(cy, group).filter((t) => t === 'one')).toHaveLength(1);
		expect(bo.client.warnings(group)).toEqual([]);
		expect(ash.client.warnings(group)).toEqual([]);
	});

	test('a newcomer joins while the inviter is offline: the member who is online talks with it at once, and the inviter reads everything on return', async () => {
		relay = await startRelay();
		const [ash, bo, cy] = await Promise.all([startClient(relay.url), startClient(relay.url), startClient(relay.url)]);
		clients.push(ash, bo, cy);
		const group = await ash.client.createGroup({ ...defaults, name: 'Thursday circle', pseudonym: 'Ash' });
		const invite = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 5, role: 'member' });
		await bo.client.joinWithInvite(invite.link, 'Bo');
		clients.splice(clients.indexOf(ash), 1);
		await ash.client.stop();

		await cy.client.joinWithInvite(invite.link, 'Cy');
		await cy.client.send(group, { text: 'hello, I just joined' });
		await until(() => texts(bo, group).includes('hello, I just joined'));
		await bo.client.send(group, { text: 'welcome, Cy' });
		await until(() => texts(cy, group).includes('welcome, Cy'));
		expect(cy.client.members(group).map((m) => m.name).sort()).toEqual(['Ash', 'Bo', 'Cy']);

		const back = await startClient(relay.url, ash.store);
		clients.push(back);
		await until(() => texts(back, group).includes('welcome, Cy'), 10_000, 'the inviter catching up');
		expect(texts(back, group)).toEqual(['hello, I just joined', 'welcome, Cy']);
		expect(back.client.warnings(group)).toEqual([]);
	});
});
