/**
 * Verifiable reporting (P8) end to end: a member reports a message to the group's admin, who
 * verifies it with the relay. A forged relay stamp, words altered by the reporter, or words
 * pinned on another sender must each come out "not verified"; an honest report must verify.
 */
import { describe, expect, test } from 'vitest';
import { selfKey } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import { texts, until } from '../integration/harness.ts';
import { fromUtf8, toB64, utf8, fromB64 } from '../../src/lib/core/bytes.ts';
import { getJson, keys, putJson } from '../../src/lib/client/store.ts';
import type { FrankingRecord } from '../../src/lib/protocol/session/types.ts';

const worlds = useWorld();

async function setup() {
	const { world, tamper, group } = await worlds.withVictim(['ash', 'bo', 'cy'], 'bo');
	const { ash, bo, cy } = world.clients;
	return { tamper, group, ash: ash!, bo: bo!, cy: cy! };
}

async function reportFirstFromCy(setupResult: Awaited<ReturnType<typeof setup>>, edit?: (record: FrankingRecord) => FrankingRecord) {
	const { group, ash, bo, cy } = setupResult;
	await cy.client.send(group, { text: 'you people are worthless' });
	await until(() => texts(bo, group).includes('you people are worthless'));
	const message = bo.client.messages(group).find((m) => m.text === 'you people are worthless')!;
	// Franking material is saved shortly after display.
	let record = await getJson<FrankingRecord>(bo.store, keys.franking(group, message.id));
	for (let i = 0; !record && i < 100; i++) {
		await new Promise((r) => setTimeout(r, 20));
		record = await getJson<FrankingRecord>(bo.store, keys.franking(group, message.id));
	}
	if (edit) await putJson(bo.store, keys.franking(group, message.id), edit(record!));
	await bo.client.report(group, [message.id], 'please look at this', false);
	const inbox = await ash.client.reports(group);
	expect(inbox).toHaveLength(1);
	expect(inbox[0]!.note).toBe('please look at this');
	expect(inbox[0]!.messages).toHaveLength(1);
	return { verdict: inbox[0]!.messages[0]!, cyKey: selfKey(cy, group), ashKey: selfKey(ash, group) };
}

describe('P8 verifiable reporting against a tampering relay and a dishonest reporter', () => {
	test('P8 an honest report of a received message is verified by the admin, with its sender and words', async () => {
		const s = await setup();
		const { verdict, cyKey } = await reportFirstFromCy(s);
		expect(verdict).toMatchObject({ verified: true, sender: cyKey, senderName: 'cy', text: 'you people are worthless' });
	});

	test('P8 a forged relay stamp makes the report "not verified"', async () => {
		const s = await setup();
		s.tamper.rule = (f) => (f.entry.msg ? [{ ...f, stamp: toB64(new Uint8Array(32).fill(7)) }] : undefined);
		const { verdict } = await reportFirstFromCy(s);
		expect(verdict).toMatchObject({ verified: false, reason: 'stamp' });
	});

	test('P8 a reporter who changes the words cannot get them verified', async () => {
		const s = await setup();
		const { verdict } = await reportFirstFromCy(s, (r) => {
			const content = JSON.parse(fromUtf8(fromB64(r.body))) as { t: string; text: string };
			return { ...r, body: toB64(utf8(JSON.stringify({ ...content, text: 'I will hurt you' }))) };
		});
		expect(verdict).toMatchObject({ verified: false, reason: 'commitment' });
	});

	test('P8 a reporter who pins the words on another member cannot get them verified', async () => {
		const s = await setup();
		const ashKey = selfKey(s.ash, s.group);
		const { verdict } = await reportFirstFromCy(s, (r) => ({ ...r, header: { ...r.header, sender: ashKey } }));
		expect(verdict.verified).toBe(false);
		expect(['commitment', 'stamp']).toContain(verdict.reason);
	});
});
