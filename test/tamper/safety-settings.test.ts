/**
 * Safety settings (PROTOCOL §13.7) with three members and a relay that lies to one of them (Bo):
 * slow mode is held by the sender's own client (a second message waits, nothing fails), and a
 * relay that squeezes an honest member's messages together makes Bo drop one with a warning that
 * names the server, not the member; the link limit hides a link that reached the log anyway (a
 * message queued before the limit) behind a notice, on every honest device; and a note sent
 * from the report inbox records "warned" as the report's outcome (§13.6).
 */
import { describe, expect, test } from 'vitest';
import { selfKey, type EntryFrame } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import { texts, until, untilKeysSettled, type TestClient } from '../integration/harness.ts';
import { getJson, keys } from '../../src/lib/client/store.ts';
import type { Frame, Link } from './proxy.ts';
import { sodium } from '../../src/lib/crypto/sodium.ts';
import { deriveIdentity, newIdentityNonce, newRoot } from '../../src/lib/crypto/identity.ts';
import { buildSettings } from '../../src/lib/protocol/group/build.ts';
import { opSigningBytes } from '../../src/lib/protocol/group/state.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';

const worlds = useWorld();

async function setup() {
	const { world, tamper, group } = await worlds.withVictim(['ash', 'bo', 'cy'], 'bo');
	const { ash, bo, cy } = world.clients as Record<'ash' | 'bo' | 'cy', TestClient>;
	await untilKeysSettled([ash!, bo!, cy!], group);
	return { tamper, group, ash: ash!, bo: bo!, cy: cy! };
}

/** `until` for checks that ask the relay or the store. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
	const end = Date.now() + 30_000;
	while (!(await check())) {
		if (Date.now() > end) throw new Error('condition not met within 30 s');
		await new Promise((r) => setTimeout(r, 300));
	}
}

const byText = (c: TestClient, group: string, text: string) => c.client.messages(group).find((m) => m.kind === 'text' && m.text === text);

describe('§13.7 slow mode, against a tampering relay', () => {
	test('the sender’s second message waits its turn (nothing fails); a relay squeezing it closer is named, the member is not blamed', { timeout: 60_000 }, async () => {
		const { tamper, group, ash, bo, cy } = await setup();
		await ash.client.setSafety(group, { slow: 10, links: 'any' });
		await until(() => [bo, cy].every((c) => c.client.groups()[0]!.settings.slow === 10));
		const cyKey = selfKey(cy, group);
		// Bo's relay moves Cy's later messages to 6 s after Cy's first, inside the window.
		let first: number | null = null;
		tamper.rule = (f: EntryFrame) => {
			const msg = (f.entry as { msg?: { sender: string } }).msg;
			if (!msg || msg.sender !== cyKey) return undefined;
			if (first === null || f.ts < first + 5_000) {
				first ??= f.ts;
				return undefined;
			}
			return [{ ...f, ts: first + 6_000 }];
		};
		await cy.client.send(group, { text: 'first, after a while' });
		await cy.client.send(group, { text: 'second, a little later' });
		// Cy's own client holds the second until slow mode lets it pass: it is sent, not failed.
		await until(() => texts(ash, group).includes('second, a little later'), 30_000);
		const [a, b] = ['first, after a while', 'second, a little later'].map((t) => byText(ash, group, t)!);
		expect(b!.ts - a!.ts).toBeGreaterThanOrEqual(10_000);
		expect(byText(cy, group, 'second, a little later')!.status).toBe('sent');
		expect(cy.client.groups()[0]!.slowUntil).toBe(b!.ts + 10_000);
		// Bo: the squeezed message is not shown, and the warning speaks of the server.
		await until(() => bo.client.warnings(group).some((w) => w.code === 'PROTOCOL_NOT_ALLOWED'), 30_000);
		expect(texts(bo, group)).toContain('first, after a while');
		expect(texts(bo, group)).not.toContain('second, a little later');
		const warning = bo.client.warnings(group).find((w) => w.code === 'PROTOCOL_NOT_ALLOWED')!;
		expect(warning.text).not.toMatch(/\bcy\b/);
		expect(warning.kind).toBe('tampered-log');
		expect(warning.text).toMatch(/server/);
		// Ash, a moderator's peer with an honest relay, warned of nothing of the kind.
		expect(ash.client.warnings(group).some((w) => w.code === 'PROTOCOL_NOT_ALLOWED')).toBe(false);
	});
});

describe('§13.7 a made-up slow mode refusal', () => {
	/** The relay's side of Cy's (or Ash's) link answers the first `n` message appends with RELAY_SLOW_MODE and a day's wait. */
	function refuse(who: string, n: number): { refused: () => number } {
		let count = 0;
		worlds.current.proxy.onUp(who, (frame, link) => {
			if (frame.t === 'append' && (frame.entry as { msg?: unknown }).msg && count < n) {
				count++;
				link.toClient({ t: 'err', re: frame.id, code: 'RELAY_SLOW_MODE', message: 'this group is in slow mode', retry: 86_400_000 });
				return [];
			}
			return [frame];
		});
		return { refused: () => count };
	}

	test('in a group without slow mode it does not stall the send beyond the usual retry, and the warning names the server', { timeout: 60_000 }, async () => {
		const { group, ash, cy } = await setup();
		const relay = refuse('cy', 2);
		await cy.client.send(group, { text: 'are you all ok?' });
		await until(() => texts(ash, group).includes('are you all ok?'), 30_000);
		expect(relay.refused()).toBe(2);
		expect(byText(cy, group, 'are you all ok?')!.status).toBe('sent');
		const named = cy.client.warnings(group).filter((w) => w.code === 'PROTOCOL_BAD_REFUSAL');
		expect(named).toHaveLength(1);
		expect(named[0]!.kind).toBe('tampered-log');
		expect(named[0]!.text).toMatch(/server/);
	});

	test('an admin, whom slow mode spares, is not stalled either; a member’s refusal is believed only up to the window', { timeout: 60_000 }, async () => {
		const { group, ash, bo, cy } = await setup();
		await ash.client.setSafety(group, { slow: 2, links: 'any' });
		await until(() => [bo, cy].every((c) => c.client.groups()[0]!.settings.slow === 2));
		refuse('ash', 1);
		await ash.client.send(group, { text: 'welcome, everyone' });
		await until(() => texts(bo, group).includes('welcome, everyone'), 30_000);
		expect(ash.client.warnings(group).some((w) => w.code === 'PROTOCOL_BAD_REFUSAL')).toBe(true);
		// Cy is slowed: the day's wait shrinks to the 2 s window (plus a margin), and nobody is blamed.
		const relay = refuse('cy', 1);
		await cy.client.send(group, { text: 'thank you' });
		await until(() => texts(bo, group).includes('thank you'), 30_000);
		expect(relay.refused()).toBe(1);
		expect(cy.client.warnings(group).some((w) => w.code === 'PROTOCOL_BAD_REFUSAL')).toBe(false);
	});
});

describe('§13.7 the settings are signed', () => {
	test('P2 the relay cannot switch slow mode on by itself: a settings op not signed by the admin freezes the victim, and nothing is slowed', { timeout: 60_000 }, async () => {
		const { tamper, group, ash, bo } = await setup();
		const state = bo.client.state(group)!;
		const mallory = deriveIdentity(newRoot(), newIdentityNonce());
		const op = buildSettings(state, mallory, { ...state.settings, slow: 900, links: 'none' }, { name: 'Circle', description: '' }, new Uint8Array(32));
		const forged = { ...op, author: selfKey(ash, group) };
		forged.sig = toB64(sodium().crypto_sign_detached(opSigningBytes(forged), mallory.signSk));
		tamper.inject({ t: 'entry', group, seq: 0, ts: Date.now(), entry: { op: forged } });
		await until(() => bo.client.groups()[0]!.frozen !== undefined);
		expect(bo.client.groups()[0]!.frozen!.code).toBe('PROTOCOL_BAD_SIGNATURE');
		expect(bo.client.state(group)!.settings.slow).toBeUndefined();
		expect(ash.client.state(group)!.settings.slow).toBeUndefined();
	});
});

describe('§13.7 link limit', () => {
	test('a link queued before the limit reached the log after it: hidden behind a notice everywhere; the composer refuses the next; an admin’s link shows', { timeout: 60_000 }, async () => {
		const { group, ash, bo, cy } = await setup();
		await cy.client.send(group, { text: 'hello all' });
		await until(() => texts(bo, group).includes('hello all') && texts(ash, group).includes('hello all'));
		// Cy's next append is held on its way to the relay (a slow network) while Ash limits links.
		let held: { frame: Frame; link: Link } | null = null;
		worlds.current.proxy.onUp('cy', (frame, link) => {
			if (frame.t === 'append' && (frame.entry as { msg?: unknown }).msg && !held) {
				held = { frame, link };
				return [];
			}
			return [frame];
		});
		await cy.client.send(group, { text: 'look at example.com' });
		await until(() => held !== null);
		await ash.client.setSafety(group, { slow: 0, links: 'none' });
		await until(() => [bo, cy].every((c) => c.client.groups()[0]!.settings.links === 'none'));
		worlds.current.proxy.onUp('cy', null);
		held!.link.toRelay(held!.frame);
		for (const c of [ash, bo]) await until(() => byText(c, group, 'look at example.com') !== undefined, 30_000);
		for (const c of [ash, bo]) expect(byText(c, group, 'look at example.com')!.noLinks).toBe(true);
		// From now on Cy's own app says no before anything is sent.
		await expect(cy.client.send(group, { text: 'and www.other.place' })).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
		await ash.client.send(group, { text: 'the meeting list is at meetings.org' });
		await until(() => texts(bo, group).includes('the meeting list is at meetings.org'));
		expect(byText(bo, group, 'the meeting list is at meetings.org')!.noLinks).toBeUndefined();
	});
});

describe('§13.6 a note from the report inbox', () => {
	test('records "warned" as the outcome: the moderator sees it, the member reads the note, the reporter hears someone acted', { timeout: 60_000 }, async () => {
		const { group, ash, bo, cy } = await setup();
		await cy.client.send(group, { text: 'nobody wants you here' });
		await until(() => texts(bo, group).includes('nobody wants you here'));
		const message = byText(bo, group, 'nobody wants you here')!;
		await eventually(async () => !!(await getJson(bo.store, keys.franking(group, message.id))));
		await bo.client.report(group, [message.id], 'this hurt', false);
		let caseId = '';
		await eventually(async () => {
			const reports = await ash.client.reports(group);
			caseId = reports[0]?.case?.id ?? '';
			return caseId !== '';
		});
		await ash.client.warnFromReport(group, caseId, selfKey(cy, group), 'Please keep things kind here.');
		expect(ash.client.reportCase(group, caseId)).toMatchObject({ state: 'resolved', outcome: 'warned' });
		await until(() => cy.client.messages(group).some((m) => m.note === 'warn' && m.text.includes('Please keep things kind here.')), 30_000);
		await until(() => bo.client.myReports(group)[0]?.status === 'acted', 30_000);
		// Resolved: a second resolution is refused, the note is not repeated.
		await expect(ash.client.warnFromReport(group, caseId, selfKey(cy, group), 'again')).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
	});
});
