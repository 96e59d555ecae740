/**
 * Malicious relay vs. the edges of the transcript (P6): a sender's LAST message dropped, which
 * no later counter in the same epoch can reveal, and a hole in the relay's own numbering of live
 * entries. Each test fails if the victim's client stays silent about the loss.
 */
import { describe, expect, test } from 'vitest';
import { Tamperer, makeGroup, selfKey, type World } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import { texts, until } from '../integration/harness.ts';

const worlds = useWorld();

describe('P6 transcript integrity at the edges, against a tampering relay', () => {
	test('P6 a dropped last message of a sender is reported as a gap when the sender’s next hello names it', async () => {
		const { world, tamper, group } = await worlds.withVictim(['ash', 'bo', 'cy'], 'bo');
		const { ash, bo, cy } = world.clients as Record<'ash' | 'bo' | 'cy', NonNullable<World['clients'][string]>>;
		const ashKey = selfKey(ash, group);
		const epoch = ash.client.state(group)!.epoch;
		let dropped = false;
		tamper.rule = (f) => {
			const msg = f.entry.msg;
			if (msg?.sender !== ashKey || msg.epoch !== epoch || msg.ctr < 2) return undefined;
			dropped = true;
			return [];
		};
		await ash.client.send(group, { text: 'one' });
		await ash.client.send(group, { text: 'the last words of this key period' });
		await until(() => texts(bo, group).includes('one') && dropped);
		// Nothing after it in the epoch: the loss cannot show yet.
		expect(bo.client.warnings(group)).toEqual([]);
		await ash.client.remove(group, selfKey(cy, group));
		await ash.client.send(group, { text: 'after the keys changed' });
		await until(() => texts(bo, group).includes('after the keys changed'));
		expect(texts(bo, group)).toEqual(['one', 'after the keys changed']);
		const gaps = bo.client.warnings(group).filter((w) => w.kind === 'gap');
		expect(gaps).toHaveLength(1);
		expect(gaps[0]!.code).toBe('PROTOCOL_GAP');
		expect(gaps[0]!.text).toMatch(/The last message from .* before the keys changed did not arrive/);
	});

	test('P6 a live entry the relay skips over is reported as a sequence gap, even when no counter shows it', async () => {
		const world = await worlds.start(['ash', 'bo']);
		const tamper = new Tamperer();
		tamper.fillSeqGaps = false;
		world.proxy.onDown('bo', tamper.hook);
		const group = await makeGroup(world, 'ash', ['bo']);
		const { ash, bo } = world.clients as Record<'ash' | 'bo', NonNullable<World['clients'][string]>>;
		const boKey = selfKey(bo, group);
		await ash.client.send(group, { text: 'hello bo' });
		await until(() => texts(bo, group).includes('hello bo'));
		// Bo's own message is withheld from Bo: no counter of anyone else's moves, only seq jumps.
		let dropped = false;
		tamper.rule = (f) => {
			if (f.entry.msg?.sender !== boKey || dropped) return undefined;
			dropped = true;
			return [];
		};
		await bo.client.send(group, { text: 'my own words' });
		await until(() => dropped);
		await ash.client.send(group, { text: 'hello again' });
		await until(() => texts(bo, group).includes('hello again'));
		const warnings = bo.client.warnings(group);
		expect(warnings.map((w) => `${w.kind} ${w.code}`)).toEqual(['gap PROTOCOL_SEQ_GAP']);
		expect(warnings[0]!.text).toMatch(/did not arrive\. The relay may have dropped/);
		expect(texts(bo, group)).toEqual(['hello bo', 'my own words', 'hello again']);
	});
});
