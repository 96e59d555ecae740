/**
 * P4 forward secrecy against a tampering relay: receive keys travel in signed ops, so a relay
 * that swaps a member's published receive key for one of its own (to be sealed the next epoch
 * secret) is caught by the signature, and the victim never records the swapped key.
 */
import { expect, test } from 'vitest';
import { selfKey } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import { until, warningKinds } from '../integration/harness.ts';
import { sodium } from '../../src/lib/crypto/sodium.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';

const worlds = useWorld();

test('P4 forward secrecy: a relay that swaps a member\'s published receive key is caught (the op is signed)', async () => {
	const { world, tamper, group } = await worlds.withVictim(['ash', 'bo', 'cy'], 'bo');
	const { ash, bo } = world.clients as Record<'ash' | 'bo', (typeof world.clients)[string]>;
	const boKey = selfKey(bo!, group);
	const relayKey = toB64(sodium().crypto_box_keypair().publicKey);
	let swapped = 0;
	tamper.rule = (f) => {
		const op = f.entry.op;
		if (!op || !('rk' in op) || op.rk === undefined || op.author === boKey) return undefined;
		swapped++;
		return [{ ...f, entry: { op: { ...op, rk: relayKey } } }];
	};
	// Ash's remove carries Ash's next receive key; Cy's key ops stop with the removal.
	await ash!.client.remove(group, selfKey(world.clients.cy!, group));
	await until(() => swapped > 0 && warningKinds(bo!, group).includes('tampered-log'));
	const members = bo!.client.state(group)!.members;
	expect(Object.values(members).map((m) => m.rk)).not.toContain(relayKey);
	expect(bo!.client.warnings(group).find((w) => w.kind === 'tampered-log')!.code).toBe('PROTOCOL_BAD_SIGNATURE');
}, 30_000);
