/**
 * Sender authenticity (P3): every member can derive every sender's chain keys of an epoch (they
 * share the epoch secret), so the shared key alone must not let one member speak as another.
 * Here Bo, a member, colludes with the relay to put words in Cy's mouth; Ash must not show them.
 */
import { describe, expect, test } from 'vitest';
import { selfKey } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import { texts, until, warningKinds, type TestClient } from '../integration/harness.ts';
import { sodium } from '../../src/lib/crypto/sodium.ts';
import { SenderChain } from '../../src/lib/crypto/chain.ts';
import { buildHello, encryptMessage, newEpochSigningKey } from '../../src/lib/crypto/message.ts';
import { getJson, keys } from '../../src/lib/client/store.ts';
import { DeviceState } from '../../src/lib/protocol/session/device.ts';
import type { SessionData } from '../../src/lib/protocol/session/types.ts';
import type { Content } from '../../src/lib/core/content.ts';

const worlds = useWorld();

/**
 * Bo's saved session once it has applied everything up to `seq` and the group state `head`
 * (members' hellos, sent when someone joins, take seqs too, so a seq alone does not say that).
 */
async function savedSession(c: TestClient, group: string, seq: number, head: string): Promise<SessionData> {
	for (let i = 0; i < 200; i++) {
		const data = await getJson<SessionData>(c.store, keys.session(group));
		if (data && data.cursor >= seq && data.log?.head === head) return data;
		await new Promise((r) => setTimeout(r, 20));
	}
	throw new Error('session not saved');
}

async function setup() {
	const { world, tamper, group } = await worlds.withVictim(['ash', 'bo', 'cy'], 'ash');
	const { ash, bo, cy } = world.clients;
	return { tamper, group, ash: ash!, bo: bo!, cy: cy! };
}

/** An envelope "from Cy" built by Bo with Cy's chain key (which Bo can derive) and Bo's own signing key. */
function forgeAsCy(session: SessionData, cyKey: string, content: Content, eskSk: Uint8Array) {
	const epoch = session.log!.epoch;
	const chain = SenderChain.fromJSON(session.epochs[String(epoch)]!.chains[cyKey]!);
	const { ctr, msgKey } = chain.nextSendKey();
	return encryptMessage({ group: session.group, epoch, sender: cyKey, ctr, state: session.log!.head, content, msgKey, eskSk }).envelope;
}

describe('P3 sender authenticity against a member colluding with the relay', () => {
	test('P3 a message forged in another member’s name with the shared epoch keys is not shown', async () => {
		const { tamper, group, ash, bo, cy } = await setup();
		await cy.client.send(group, { text: 'hi, I am Cy' });
		await until(() => texts(ash, group).includes('hi, I am Cy') && texts(bo, group).includes('hi, I am Cy'));
		const cyKey = selfKey(cy, group);
		const seq = bo.client.messages(group).find((m) => m.text === 'hi, I am Cy')!.seq!;
		const boSession = await savedSession(bo, group, seq, cy.client.state(group)!.head);
		const forged = forgeAsCy(boSession, cyKey, { t: 'text', text: 'Cy says: give me your address' }, newEpochSigningKey().eskSk);
		tamper.inject({ t: 'entry', group, seq: 0, ts: Date.now(), entry: { msg: forged } });
		await until(() => warningKinds(ash, group).includes('unverified'));
		expect(texts(ash, group)).not.toContain('Cy says: give me your address');
		// Cy's real next message, at the very counter the forgery used, is still accepted.
		await cy.client.send(group, { text: 'the real Cy' });
		await until(() => texts(ash, group).includes('the real Cy'));
		expect(ash.client.messages(group).find((m) => m.text === 'the real Cy')!.senderName).toBe('cy');
	});

	test('P3 a hello forged in another member’s name fails its pairwise MAC, so nothing signed with it is shown', async () => {
		const { tamper, group, ash, bo, cy } = await setup();
		const cyKey = selfKey(cy, group);
		const boSession = await savedSession(bo, group, 0, cy.client.state(group)!.head);
		const device = DeviceState.fromJSON(await getJson(bo.store, keys.device));
		const boId = device.identity(boSession.nonce);
		const esk = newEpochSigningKey();
		const members = Object.values(boSession.log!.members).map((m) => ({ sign: m.sign, box: m.box }));
		const hello = buildHello({ group, epoch: boSession.log!.epoch, sender: cyKey, senderBoxSk: boId.boxSk, members, eskPk: esk.eskPk, name: 'cy' });
		const forgedHello = forgeAsCy(boSession, cyKey, hello, esk.eskSk);
		const afterHello = { ...boSession, epochs: { ...boSession.epochs } };
		const chain = SenderChain.fromJSON(boSession.epochs[String(boSession.log!.epoch)]!.chains[cyKey]!);
		chain.nextSendKey();
		afterHello.epochs[String(boSession.log!.epoch)] = { ...boSession.epochs[String(boSession.log!.epoch)]!, chains: { ...boSession.epochs[String(boSession.log!.epoch)]!.chains, [cyKey]: chain.toJSON() } };
		const forgedText = forgeAsCy(afterHello, cyKey, { t: 'text', text: 'forged under a fake hello' }, esk.eskSk);
		tamper.inject({ t: 'entry', group, seq: 0, ts: Date.now(), entry: { msg: forgedHello } });
		tamper.inject({ t: 'entry', group, seq: 0, ts: Date.now(), entry: { msg: forgedText } });
		await until(() => warningKinds(ash, group).includes('unverified'));
		expect(texts(ash, group)).toEqual([]);
		// The real Cy then speaks and is believed; the forgery never surfaces.
		await cy.client.send(group, { text: 'actually me' });
		await until(() => texts(ash, group).includes('actually me'));
		expect(texts(ash, group)).toEqual(['actually me']);
		sodium().memzero(esk.eskSk);
	});
});
