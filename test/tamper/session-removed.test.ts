/**
 * Malicious relay vs. removal (P5, P6; review finding 2, poc3): the relay holds back a removed
 * member's message and delivers it to a victim after the removal. The victim's real client must
 * reject it with a warning, never show it.
 */
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Tamperer, makeGroup, selfKey, startWorld, type EntryFrame, type World } from './setup.ts';
import { texts, until, warningKinds } from '../integration/harness.ts';
import { ready } from '../../src/lib/crypto/sodium.ts';

beforeAll(() => ready());

let world: World | null = null;
afterEach(async () => {
	await world?.close();
	world = null;
});

describe('P5 a removed member cannot be made to speak after its removal', () => {
	test('P5 a message held back by the relay and delivered after its sender’s removal is rejected with a warning', async () => {
		world = await startWorld(['ash', 'bo', 'cy']);
		const tamper = new Tamperer();
		world.proxy.onDown('bo', tamper.hook);
		const group = await makeGroup(world, 'ash', ['bo', 'cy']);
		const { ash, bo, cy } = world.clients;
		const cyKey = selfKey(cy!, group);
		const held: EntryFrame[] = [];
		tamper.rule = (f) => {
			if (f.entry.msg?.sender === cyKey && f.entry.msg.ctr === 2) {
				held.push(f);
				return [];
			}
			return undefined;
		};
		await cy!.client.send(group, { text: 'before removal' });
		await cy!.client.send(group, { text: 'posted after removal' });
		await until(() => texts(bo!, group).includes('before removal') && held.length === 1);
		await ash!.client.remove(group, cyKey);
		await until(() => !bo!.client.members(group).some((m) => m.sign === cyKey));
		tamper.inject({ ...held[0]!, ts: Date.now() });
		await until(() => warningKinds(bo!, group).includes('tampered-log'));
		expect(texts(bo!, group)).toEqual(['before removal']);
		expect(bo!.client.warnings(group).at(-1)!.text).toMatch(/rejected/);
	});
});
