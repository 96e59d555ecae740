/**
 * P6 transcript integrity with erased messages (docs/PROTOCOL.md §9.8a, review of issue 9,
 * finding 6): the relay serves, in place of a message its sender deleted, the sender's signed
 * erase. A member who syncs later sees the deletion and no false gap; a relay that drops a
 * message and covers the hole with a tombstone of its own is caught (it cannot sign for the
 * sender), and the missing message is still reported as a gap.
 */
import { expect, test } from 'vitest';
import { Tamperer, makeGroup, selfKey, type EntryFrame } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import { captureEntries, startClient, texts, until, warningKinds, type TestClient } from '../integration/harness.ts';
import { sodium } from '../../src/lib/crypto/sodium.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';

const worlds = useWorld();

/** Ash's group with Bo and Cy; Cy goes offline (its device keeps its store) while Bo talks. */
async function cyAway() {
	const world = await worlds.start(['ash', 'bo', 'cy']);
	const group = await makeGroup(world, 'ash', ['bo', 'cy']);
	const { ash, bo, cy } = world.clients as Record<'ash' | 'bo' | 'cy', TestClient>;
	await bo.client.send(group, { text: 'hello all' });
	await until(() => texts(cy, group).includes('hello all'));
	await cy.client.stop();
	/** Cy comes back on the same device, every entry on its way passing through `tamper`. */
	const back = async (tamper: Tamperer) => {
		world.proxy.onDown('cy', tamper.hook);
		const again = await startClient(world.proxy.url('cy'), cy.store);
		world.clients.cy = again;
		return again;
	};
	/** Waits until the relay has stored an erase: the sender asks for it after its delete is acknowledged, so seeing the delete does not mean the erase is done. */
	const untilErased = async () => {
		const end = Date.now() + 10_000;
		while (!(await captureEntries(world.relay.url, ash, group)).some((e) => (e.entry as { erased?: unknown }).erased)) {
			if (Date.now() > end) throw new Error('the erase was not stored within 10 s');
			await new Promise((r) => setTimeout(r, 100));
		}
	};
	return { group, ash, bo, back, untilErased };
}

test('P6 transcript integrity: a member who syncs after a sender deleted and erased a message sees it deleted and no warning', async () => {
	const { group, ash, bo, back, untilErased } = await cyAway();
	await bo.client.send(group, { text: 'I should not have said this' });
	await bo.client.send(group, { text: 'and this stays' });
	await until(() => bo.client.messages(group).find((m) => m.text === 'I should not have said this')?.status === 'sent');
	const regret = bo.client.messages(group).find((m) => m.text === 'I should not have said this')!;
	await bo.client.deleteMessage(group, regret.id);
	await until(() => !texts(ash, group).includes('I should not have said this'));
	await untilErased();
	await ash.client.send(group, { text: 'thank you, Bo' });

	const tamper = new Tamperer();
	let tombstones = 0;
	tamper.rule = (f) => {
		if ((f.entry as { erased?: unknown }).erased) tombstones++;
		return undefined;
	};
	const cy = await back(tamper);
	await until(() => texts(cy, group).includes('thank you, Bo'), 30_000, 'cy caught up');
	expect(tombstones).toBe(1);
	expect(texts(cy, group)).toEqual(['hello all', 'and this stays', 'thank you, Bo']);
	expect(cy.client.warnings(group)).toEqual([]);
}, 40_000);

test('P6 transcript integrity: a relay that drops a message and serves a tombstone of its own in its place is caught, and the message is reported missing', async () => {
	const { group, bo, back } = await cyAway();
	const boKey = selfKey(bo, group);
	await bo.client.send(group, { text: 'evidence' });
	await bo.client.send(group, { text: 'after it' });

	const tamper = new Tamperer();
	tamper.rule = (f) => {
		const msg = f.entry.msg;
		if (!msg || msg.sender !== boKey || msg.ctr !== 2) return undefined;
		// A tombstone the relay makes up: it cannot sign for Bo.
		const forged = { sender: msg.sender, epoch: msg.epoch, ctr: msg.ctr, by: f.seq + 1, sig: toB64(sodium().randombytes_buf(64)) };
		return [{ t: 'entry', group: f.group, seq: f.seq, ts: f.ts, entry: { erased: forged } } as unknown as EntryFrame];
	};
	const cy = await back(tamper);
	await until(() => texts(cy, group).includes('after it'), 10_000, 'cy caught up');
	expect(texts(cy, group)).not.toContain('evidence');
	const warnings = cy.client.warnings(group);
	expect(warnings.find((w) => w.kind === 'tampered-log')).toMatchObject({ code: 'PROTOCOL_BAD_SIGNATURE' });
	expect(warnings.find((w) => w.kind === 'tampered-log')!.text).toMatch(/never asked for that/);
	expect(warningKinds(cy, group)).toContain('gap');
}, 40_000);

test('P6 transcript integrity: a relay that keeps a sender\'s genuine erase but drops the sender\'s delete is named, and the sender is not said to have erased without deleting for everyone', async () => {
	const { group, ash, bo, back, untilErased } = await cyAway();
	await bo.client.send(group, { text: 'I should not have said this' });
	await until(() => bo.client.messages(group).find((m) => m.text === 'I should not have said this')?.status === 'sent');
	const regret = bo.client.messages(group).find((m) => m.text === 'I should not have said this')!;
	await bo.client.deleteMessage(group, regret.id);
	await until(() => !texts(ash, group).includes('I should not have said this'));
	// Bo's erase of the relay's copy follows its delete (a moment later, in the background).
	await untilErased();
	await bo.client.send(group, { text: 'bo later' });
	await ash.client.send(group, { text: 'thank you, Bo' });

	// The relay serves Bo's signed tombstone, and drops the entry at its `by`: Bo's delete. It
	// numbers the entries after it one lower, so Bo's next message ("bo later") comes at `by`: only
	// the counter the delete held, skipped, shows that it was dropped (§9.8a, review of issue 9, D).
	const tamper = new Tamperer();
	let by = -1;
	tamper.rule = (f) => {
		const erased = (f.entry as { erased?: { by: number } }).erased;
		if (erased) by = erased.by;
		if (f.seq === by) return [];
		return undefined;
	};
	const cy = await back(tamper);
	await until(() => texts(cy, group).includes('thank you, Bo'), 30_000, 'cy caught up');
	expect(by).toBeGreaterThan(0);
	expect(texts(cy, group)).not.toContain('I should not have said this');
	await until(() => cy.client.warnings(group).some((w) => /relay may have dropped that note/.test(w.text)), 30_000, 'the relay named');
	const said = cy.client.warnings(group).map((w) => w.text);
	expect(said.filter((t) => /without deleting it for everyone/.test(t))).toEqual([]);
}, 40_000);
