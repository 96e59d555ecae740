/**
 * Malicious relay vs. the transcript (P6) and message content (P8): it drops, reorders and
 * replays messages, moves a ciphertext to another group, and strips or swaps the franking
 * commitment. Each test fails if the victim's client shows the attack as normal.
 */
import { describe, expect, test } from 'vitest';
import { ashAndVictimBo, isEntry, type EntryFrame } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import { texts, until, warningKinds } from '../integration/harness.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';

const worlds = useWorld();

const setup = async () => ashAndVictimBo(await worlds.start(['ash', 'bo']));

const textMsg = (ashKey: string, ctr: number) => (f: EntryFrame) => f.entry.msg?.sender === ashKey && f.entry.msg.ctr === ctr;

describe('P6 transcript integrity, against a tampering relay', () => {
	test('P6 a dropped message is shown as a gap, and the messages around it still arrive', async () => {
		const { tamper, group, ash, bo, ashKey } = await setup();
		tamper.rule = (f) => (textMsg(ashKey, 2)(f) ? [] : undefined);
		for (const text of ['one', 'two', 'three']) await ash.client.send(group, { text });
		await until(() => texts(bo, group).includes('three'));
		expect(texts(bo, group)).toEqual(['one', 'three']);
		expect(warningKinds(bo, group)).toEqual(['gap']);
		// Named as the group knows the sender, not by a key fragment.
		expect(bo.client.warnings(group)[0]!.text).toBe('A message from ash did not arrive. The relay may have dropped or delayed them.');
	});

	test('P6 reordered messages are flagged as late and both are shown', async () => {
		const { tamper, group, ash, bo, ashKey } = await setup();
		let held: EntryFrame | null = null;
		tamper.rule = (f) => {
			if (textMsg(ashKey, 2)(f)) {
				held = f;
				return [];
			}
			if (textMsg(ashKey, 3)(f) && held) return [f, held];
			return undefined;
		};
		for (const text of ['one', 'two', 'three']) await ash.client.send(group, { text });
		await until(() => texts(bo, group).length === 3);
		expect([...texts(bo, group)].sort()).toEqual(['one', 'three', 'two']);
		expect(warningKinds(bo, group)).toEqual(['gap', 'late']);
	});

	test('P6 a replayed message is rejected and shown once, with a replay warning', async () => {
		const { tamper, group, ash, bo, ashKey } = await setup();
		tamper.rule = (f) => (textMsg(ashKey, 1)(f) ? [f, { ...f }] : undefined);
		await ash.client.send(group, { text: 'only once' });
		await ash.client.send(group, { text: 'and then this' });
		await until(() => texts(bo, group).includes('and then this'));
		expect(texts(bo, group)).toEqual(['only once', 'and then this']);
		expect(warningKinds(bo, group)).toEqual(['replay']);
	});

	test('P6 a message replayed much later, after the sender moved on, is still rejected', async () => {
		const { tamper, group, ash, bo, ashKey } = await setup();
		await ash.client.send(group, { text: 'said once' });
		await ash.client.send(group, { text: 'said later' });
		await until(() => texts(bo, group).includes('said later'));
		const old = worlds.current.proxy.seen('bo').filter(isEntry).find(textMsg(ashKey, 1))!;
		tamper.inject({ ...old });
		await until(() => warningKinds(bo, group).includes('replay'));
		expect(texts(bo, group)).toEqual(['said once', 'said later']);
	});
});

describe('P3 messages before their sender is verified', () => {
	test('P3 a message delivered before its sender’s hello is held, and shown only once the hello verifies', async () => {
		const { tamper, group, ash, bo, ashKey } = await setup();
		let hello: EntryFrame | null = null;
		let release = false;
		tamper.rule = (f) => {
			if (textMsg(ashKey, 0)(f)) {
				hello = f;
				return [];
			}
			if (textMsg(ashKey, 1)(f)) release = true;
			return undefined;
		};
		await ash.client.send(group, { text: 'waiting for my hello' });
		await until(() => release && warningKinds(bo, group).includes('unverified'));
		expect(texts(bo, group)).toEqual([]);
		tamper.inject(hello!);
		await until(() => texts(bo, group).includes('waiting for my hello'));
		expect(bo.client.messages(group).find((m) => m.text === 'waiting for my hello')!.senderName).toBe('ash');
	});
});

describe('P8 content integrity, against a tampering relay', () => {
	test('P8 a ciphertext moved from one group to another is rejected, whether or not its header is rewritten', async () => {
		const { tamper, group, ash, bo, ashKey } = await setup();
		const other = await ash.client.createGroup({ description: '', retention: 0, listeners: false, listenersMaySpeak: false, invite: 'admins', name: 'Second', pseudonym: 'ash' });
		const invite = await ash.client.createInvite(other, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
		await bo.client.joinWithInvite(invite.link, 'bo');
		await ash.client.send(group, { text: 'meant for the first group' });
		await until(() => texts(bo, group).includes('meant for the first group'));
		const original = worlds.current.proxy.seen('bo').filter(isEntry).find((f) => f.group === group && f.entry.msg?.sender === ashKey && f.entry.msg.ctr === 1)!;
		tamper.inject({ ...original, group: other });
		tamper.inject({ ...original, group: other, entry: { msg: { ...original.entry.msg!, group: other } } });
		await until(() => bo.client.warnings(other).length >= 2);
		expect(texts(bo, other)).toEqual([]);
		// Each copy is refused before anything is opened: by its group field, or (header rewritten)
		// because its sender and epoch have no place in the other group's log.
		const refusals = bo.client.warnings(other).map((w) => `${w.kind} ${w.code}`);
		expect(refusals.every((r) => /^(decrypt-failed|fork) |^tampered-log PROTOCOL_(UNKNOWN_MEMBER|STALE_EPOCH)$/.test(r))).toBe(true);
	});

	test.each([
		['replaced by zeros', () => toB64(new Uint8Array(32))],
		['replaced by another message’s commitment', (other: string) => other]
	])('P8 a message whose commitment is %s is never shown', async (_name, replace) => {
		const { tamper, group, ash, bo, ashKey } = await setup();
		let firstC = '';
		tamper.rule = (f) => {
			const msg = f.entry.msg;
			if (msg?.sender === ashKey && msg.ctr === 1) firstC = msg.c;
			if (msg?.sender === ashKey && msg.ctr === 2) return [{ ...f, entry: { msg: { ...msg, c: replace(firstC) } } }];
			return undefined;
		};
		await ash.client.send(group, { text: 'harmless' });
		await ash.client.send(group, { text: 'the real words' });
		await ash.client.send(group, { text: 'after' });
		await until(() => texts(bo, group).includes('after'));
		expect(texts(bo, group)).toEqual(['harmless', 'after']);
		expect(warningKinds(bo, group)).toContain('decrypt-failed');
	});
});
