/**
 * Malicious relay vs. removal (P5, P6; review finding 2, poc3): the relay holds back a removed
 * member's message and delivers it to a victim after the removal. The victim's real client must
 * reject it with a warning, never show it.
 */
import { describe, expect, test } from 'vitest';
import { selfKey, type EntryFrame } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import { texts, until, warningKinds } from '../integration/harness.ts';

const worlds = useWorld();

describe('P5 a removed member cannot be made to speak after its removal', () => {
	test('P5 a message held back by the relay and delivered after its sender’s removal is rejected with a warning', async () => {
		const { world, tamper, group } = await worlds.withVictim(['ash', 'bo', 'cy'], 'bo');
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
