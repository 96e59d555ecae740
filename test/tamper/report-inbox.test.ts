/**
 * The report inbox (issue 12 items 1 and 5, PROTOCOL §13.6) between four real clients through
 * the tampering relay: Ash (admin) and Dee (moderator) handle a report Bo filed about Cy's
 * message. States and notes reach the other moderator only; the reporter hears "received" and
 * "acted" / "reviewed" without the action or who; the relay can neither read nor forge a case.
 */
import { describe, expect, test } from 'vitest';
import { selfKey } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import { texts, until, untilKeysSettled, type TestClient } from '../integration/harness.ts';
import { getJson, keys } from '../../src/lib/client/store.ts';
import { fromB64, toB64 } from '../../src/lib/core/bytes.ts';
import type { CasesData } from '../../src/lib/client/cases.ts';
import { isProtocolError } from '../../src/lib/core/errors.ts';

const worlds = useWorld();

async function setup() {
	const { world, tamper, group } = await worlds.withVictim(['ash', 'dee', 'bo', 'cy'], 'dee');
	const { ash, dee, bo, cy } = world.clients as Record<string, TestClient>;
	await until(() => [ash!, dee!, bo!, cy!].every((c) => c.client.members(group).length === 4));
	await ash!.client.setRole(group, selfKey(dee!, group), 'moderator');
	await until(() => [ash!, dee!, bo!, cy!].every((c) => c.client.members(group).some((m) => m.name === 'dee' && m.role === 'moderator')));
	await cy!.client.send(group, { text: 'nobody wants you here' });
	await until(() => texts(bo!, group).includes('nobody wants you here'));
	const message = bo!.client.messages(group).find((m) => m.text === 'nobody wants you here')!;
	await eventually(async () => !!(await getJson(bo!.store, keys.franking(group, message.id))));
	await bo!.client.report(group, [message.id], 'this hurt', false);
	return { tamper, group, ash: ash!, dee: dee!, bo: bo!, cy: cy!, message };
}

/** `until` for checks that ask the relay (the inbox is fetched, and verified, each time). */
async function eventually(check: () => Promise<boolean>, what = 'condition'): Promise<void> {
	const end = Date.now() + 30_000;
	while (Date.now() < end) {
		if (await check()) return;
		// Each check opens a short-lived connection through the tampering proxy: not too often.
		await new Promise((r) => setTimeout(r, 500));
	}
	throw new Error(`${what} not met`);
}

const cases = async (c: TestClient, group: string) => (await getJson<CasesData>(c.store, keys.cases(group))) ?? { cases: {}, mine: {} };
const firstCase = async (c: TestClient, group: string) => (await c.client.reports(group))[0]!.case!;

describe('report inbox (§13.6)', () => {
	test('states and notes reach the other moderator, not the reporter or the reported; the reporter hears received, then acted, never the action', async () => {
		const { group, ash, dee, bo, cy, message } = await setup();
		expect(bo.client.myReports(group)).toEqual([expect.objectContaining({ status: 'sent', messages: [message.id] })]);

		const fresh = await firstCase(ash, group);
		expect(fresh).toMatchObject({ state: 'new', notes: [] });
		expect(ash.client.summary(group)!.openReports).toBe(1);
		expect((await firstCase(dee, group)).id).toBe(fresh.id);
		// Counts are for moderators only.
		expect(bo.client.summary(group)!.openReports).toBeUndefined();
		expect(cy.client.summary(group)!.openReports).toBeUndefined();

		await ash.client.takeReport(group, fresh.id);
		await eventually(async () => (await firstCase(dee, group)).state === 'review');
		expect((await firstCase(dee, group)).by).toMatchObject({ name: 'ash', me: false });
		await until(() => bo.client.myReports(group)[0]!.status === 'received');

		await ash.client.noteReport(group, fresh.id, 'I will talk to cy');
		await eventually(async () => (await firstCase(dee, group)).notes.length === 1);
		expect((await firstCase(dee, group)).notes[0]).toMatchObject({ name: 'ash', text: 'I will talk to cy' });

		await ash.client.hide(group, ash.client.messages(group).find((m) => m.text === 'nobody wants you here')!.id);
		await ash.client.resolveReport(group, fresh.id, 'hidden');
		await eventually(async () => (await firstCase(dee, group)).state === 'resolved');
		expect(await firstCase(dee, group)).toMatchObject({ state: 'resolved', outcome: 'hidden', by: { name: 'ash' } });
		await until(() => bo.client.myReports(group)[0]!.status === 'acted');
		expect(ash.client.summary(group)!.openReports).toBe(0);
		expect(dee.client.summary(group)!.openReports).toBe(0);

		// An action on a report another moderator resolved is refused, not repeated.
		const again = await dee.client.resolveReport(group, fresh.id, 'none').catch((e: unknown) => e);
		expect(isProtocolError(again, 'PROTOCOL_NOT_ALLOWED')).toBe(true);

		// The reporter and the reported learnt no state, no note, no outcome; the reporter's record
		// holds only its status ("acted"), and its one-time key is gone.
		await until(() => texts(cy, group).length >= 0 && cy.client.messages(group).every((m) => m.text !== 'nobody wants you here' || m.hidden));
		// What bo's device keeps is written after the screen learns it: wait for the store.
		await eventually(async () => (await cases(bo, group)).mine[fresh.id]?.status === 'acted', 'the reporter\'s stored status');
		const bos = await cases(bo, group);
		expect(bos.cases).toEqual({});
		expect(bos.mine[fresh.id]).toMatchObject({ status: 'acted' });
		expect(bos.mine[fresh.id]!.sk).toBeUndefined();
		expect(JSON.stringify(bos)).not.toMatch(/hidden|talk to cy/);
		const cys = await cases(cy, group);
		expect(cys).toEqual({ cases: {}, mine: {} });
		expect(JSON.stringify(cy.client.messages(group))).not.toContain('talk to cy');
		expect(JSON.stringify(bo.client.messages(group))).not.toContain('talk to cy');
	}, 90_000);

	test('"No action" tells the reporter it was reviewed; the first resolution is shown to the other moderator', async () => {
		const { group, ash, dee, bo } = await setup();
		const c = await firstCase(dee, group);
		await firstCase(ash, group);
		await dee.client.resolveReport(group, c.id, 'none');
		await eventually(async () => (await firstCase(ash, group)).state === 'resolved');
		expect(await firstCase(ash, group)).toMatchObject({ outcome: 'none', by: { name: 'dee' } });
		await until(() => bo.client.myReports(group)[0]!.status === 'reviewed');
		await bo.client.dismissMyReport(group, c.id);
		expect(bo.client.myReports(group)).toEqual([]);
	}, 90_000);

	test('the relay cannot read a case nor forge a state change: frames carry no case id or note, a flipped byte is refused, a replay adds nothing', { timeout: 90_000 }, async () => {
		const { tamper, group, ash, dee, bo } = await setup();
		const c = await firstCase(ash, group);
		await firstCase(dee, group);
		// Ash's hello must reach Dee before the relay starts corrupting: a corrupted hello leaves
		// Ash unverified at Dee for the rest of the epoch (held, §5.1), which is not this test.
		await untilKeysSettled([ash, dee, bo], group);
		await ash.client.send(group, { text: 'hello from ash' });
		await until(() => texts(dee, group).includes('hello from ash'));
		// Dee's copy of every message from Ash is altered by the relay.
		tamper.rule = (f) => {
			if (!f.entry.msg || f.entry.msg.sender !== selfKey(ash, group)) return undefined;
			const ct = fromB64(f.entry.msg.ct);
			ct[ct.length - 1]! ^= 1;
			return [{ ...f, entry: { msg: { ...f.entry.msg, ct: toB64(ct) } } }];
		};
		await ash.client.resolveReport(group, c.id, 'muted');
		await until(() => bo.client.myReports(group)[0]?.status === 'acted');
		await until(() => dee.client.warnings(group).length > 0);
		expect((await firstCase(dee, group)).state).toBe('new');

		// Now honest, but the relay sends each of Ash's entries twice.
		tamper.rule = (f) => (f.entry.msg && f.entry.msg.sender === selfKey(ash, group) ? [f, f] : undefined);
		await ash.client.noteReport(group, c.id, 'muted for a day');
		// Dee's device folds the note when it arrives (what the inbox then shows, §13.6).
		await until(() => dee.client.reportCase(group, c.id)?.notes.length === 1, 30_000);
		await ash.client.send(group, { text: 'after the note' });
		await until(() => texts(dee, group).includes('after the note'));
		expect(dee.client.reportCase(group, c.id)!.notes).toHaveLength(1);
		expect((await firstCase(dee, group)).notes).toHaveLength(1);

		// Nothing Ash sent up or the relay sent down names the case or the note's words.
		const wire = JSON.stringify([...worlds.current.proxy.sent('ash'), ...worlds.current.proxy.seen('dee'), ...worlds.current.proxy.seen('bo')]);
		expect(wire).not.toContain(c.id);
		expect(wire).not.toContain('muted for a day');
	});
});
