/**
 * P4 forward secrecy against a relay that keeps a member's `key` op from landing (docs/PROTOCOL.md
 * §4.4, review of issue 9, finding 2): every later epoch is then sealed to the member's older
 * receive key, so the member is told, calmly and once, after a few attempts.
 */
import { expect, test } from 'vitest';
import { useWorld } from './world-per-test.ts';
import type { Frame } from './proxy.ts';
import { defaults, texts, until } from '../integration/harness.ts';

const worlds = useWorld();

const isKeyOp = (f: Frame) => f.t === 'append' && (f.entry as { op?: { kind: string } }).op?.kind === 'key';

test('P4 forward secrecy: a member whose key op the relay keeps refusing is told once, in calm words, and the warning stops when the key lands', async () => {
	const world = await worlds.start(['ash', 'bo']);
	const { ash, bo } = world.clients as Record<'ash' | 'bo', (typeof world.clients)[string]>;
	// Keys rotate every second, so Ash's next message after a pause starts a new epoch.
	const group = await ash!.client.createGroup({ ...defaults, rotate: 1, name: 'Circle', pseudonym: 'Ash' });
	const invite = await ash!.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 5, role: 'member' });
	await bo!.client.joinWithInvite(invite.link, 'Bo');

	// The relay answers every key op of Bo's with a passing failure, and never stores it.
	let refused = 0;
	world.proxy.onUp('bo', (f, link) => {
		if (!isKeyOp(f)) return [f];
		refused++;
		link.toClient({ t: 'err', re: f.id, code: 'RELAY_INTERNAL', message: 'try again later' });
		return [];
	});
	await new Promise((r) => setTimeout(r, 1_100));
	await ash!.client.send(group, { text: 'a new key period' });
	// Each live entry makes Bo's client try again.
	for (let i = 0; refused < 4 && i < 20; i++) {
		await ash!.client.send(group, { text: `note ${i}` });
		await until(() => texts(bo!, group).includes(`note ${i}`));
	}
	await until(() => bo!.client.warnings(group).some((w) => w.code === 'PROTOCOL_KEY_STALLED'), 10_000, 'key-stalled warning');
	const stalled = bo!.client.warnings(group).filter((w) => w.code === 'PROTOCOL_KEY_STALLED');
	expect(stalled).toHaveLength(1);
	expect(stalled[0]!.text).toMatch(/has not reached the server after several tries/);
	expect(stalled[0]!.text).not.toMatch(/tamper|attack/i);
	expect(refused).toBeGreaterThanOrEqual(3);

	// The relay lets it through: the key lands, and no further warning follows.
	world.proxy.onUp('bo', null);
	const epoch = bo!.client.state(group)!.epoch;
	await ash!.client.send(group, { text: 'all well' });
	await until(() => {
		const me = Object.values(bo!.client.state(group)!.members).find((m) => m.sign === bo!.client.members(group).find((x) => x.self)!.sign)!;
		// rkAt at this epoch or a later one (Ash's message may start another: keys rotate every second).
		return (me.rkAt ?? -1) >= epoch;
	}, 10_000, 'key landed');
	expect(bo!.client.warnings(group).filter((w) => w.code === 'PROTOCOL_KEY_STALLED')).toHaveLength(1);
}, 40_000);
