/**
 * P4 forward secrecy across epochs (docs/PROTOCOL.md §4.4): an epoch sealed to a receive key
 * that the log has since replaced does not open with anything the session or the device holds.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { fromB64 } from '../../core/bytes.ts';
import type { Op } from '../../core/schema.ts';
import { ready, sodium } from '../../crypto/sodium.ts';
import { KEY_OP_ATTEMPTS, KEY_OP_TICK_MS, KEY_OP_WAIT_MS, keyFailed, keyStalled, keyStep, buildAction } from './send.ts';
import { texts, world } from './world.fixture.ts';
import { buildPair } from '../group/build.ts';
import { MAX_RECEIVE_KEYS, holdReceiveKey, makeReceiveKey, newReceiveKeyPair } from './receive-keys.ts';
import { GroupSession } from './session.ts';
import { person } from './world.fixture.ts';
import { toB64 } from '../../core/bytes.ts';
import { expectCode } from '../../../../test/kit/expect-code.ts';
import { applyOp } from '../group/state.ts';

beforeAll(() => ready());

/** Every 32-byte value in `value` (b64 strings), plus the identity's box and sign seeds. */
function held(value: unknown, out: Uint8Array[] = []): Uint8Array[] {
	if (typeof value === 'string') {
		try {
			const b = fromB64(value);
			if (b.length === 32) out.push(b);
		} catch {
			// not base64url
		}
	} else if (value && typeof value === 'object') for (const v of Object.values(value)) held(v, out);
	return out;
}

const opensWith = (box: string, sk: Uint8Array): boolean => {
	const na = sodium();
	try {
		na.crypto_box_seal_open(fromB64(box), na.crypto_scalarmult_base(sk), sk);
		return true;
	} catch {
		return false;
	}
};

describe('P4 forward secrecy: receive keys', () => {
	test('P4 forward secrecy: an epoch sealed to a receive key that was since replaced does not open with anything the state holds', () => {
		const w = world(['ash', 'bo']);
		const [ash, bo] = w.sessions as [NonNullable<(typeof w.sessions)[0]>, NonNullable<(typeof w.sessions)[1]>];
		w.sync(ash);
		w.sync(bo);
		// Bo was listed in the genesis (sealed to its box key): it publishes a receive key at once.
		const first = keyStep(bo, w.clock.now)!;
		expect(first.kind).toBe('op');
		w.put(bo, first);
		w.sync(ash);
		w.sync(bo);
		const rk1 = bo.data.receiveKeys!.at(-1)!;
		expect(bo.state!.members[bo.me]!.rk).toBe(rk1.pk);
		expect(keyStep(bo, w.clock.now)).toBeNull();

		// Ash rekeys: Bo's copy is sealed to rk1.
		const rekey = w.append({ op: buildAction(ash, { kind: 'rekey' }, w.clock.now) });
		const sealed = (rekey.entry as { op: Extract<Op, { commit: string }> }).op.keys.find((k) => k.to === bo.me)!.box;
		expect(opensWith(sealed, fromB64(rk1.sk))).toBe(true);
		w.sync(ash);
		w.sync(bo);
		expect(bo.data.epochs[String(bo.state!.epoch)]?.unreadable).toBeUndefined();

		// Bo replaces rk1 once it has opened the epoch; then rk1's secret half is gone.
		w.put(bo, keyStep(bo, w.clock.now)!);
		w.sync(ash);
		w.sync(bo);
		expect(bo.state!.members[bo.me]!.rk).not.toBe(rk1.pk);
		expect(bo.data.receiveKeys!.map((k) => k.pk)).not.toContain(rk1.pk);
		const everything = [...held(bo.toJSON()), bo.id.boxSk, bo.id.signSk.slice(0, 32)];
		expect(everything.filter((sk) => opensWith(sealed, sk))).toEqual([]);
		// The current epoch still reads.
		w.say(ash, 'still here');
		expect(w.sync(bo).some((e) => e.type === 'message')).toBe(true);
	});

	test('the author seals its own copy to the rk it publishes, never to its box key', () => {
		const w = world(['ash', 'bo']);
		const [ash] = w.sessions;
		w.sync(ash!);
		const op = buildAction(ash!, { kind: 'rekey' }, w.clock.now) as Extract<Op, { commit: string }>;
		const mine = op.keys.find((k) => k.to === ash!.me)!.box;
		expect(op.rk).toBe(ash!.data.receiveKeys!.at(-1)!.pk);
		expect(opensWith(mine, ash!.id.boxSk)).toBe(false);
		expect(opensWith(mine, fromB64(ash!.data.receiveKeys!.at(-1)!.sk))).toBe(true);
	});

	test('P4 forward secrecy: a key op built again while the first has not landed publishes the same key, so a relay that drops it over and over cannot make the epoch sealed to it unreadable', () => {
		const w = world(['ash', 'bo']);
		const [ash, bo] = w.sessions as [NonNullable<(typeof w.sessions)[0]>, NonNullable<(typeof w.sessions)[1]>];
		w.sync(ash);
		w.sync(bo);
		// The relay drops each attempt (nothing is appended); Bo's client builds the step again.
		const attempts = Array.from({ length: MAX_RECEIVE_KEYS + 2 }, () => keyStep(bo, w.clock.now)!);
		const published = attempts.map((step) => (step.kind === 'op' && step.op.kind === 'key' ? step.op.rk : null));
		expect(new Set(published).size).toBe(1);
		// Then it appends the first attempt after all, and Ash seals the next epoch to that key.
		w.put(bo, attempts[0]!);
		w.sync(ash);
		w.sync(bo);
		w.append({ op: buildAction(ash, { kind: 'rekey' }, w.clock.now) });
		w.sync(ash);
		w.sync(bo);
		expect(bo.data.epochs[String(bo.state!.epoch)]?.unreadable).toBeUndefined();
		w.say(ash, 'after the dropped key ops');
		expect(w.sync(bo).some((e) => e.type === 'message')).toBe(true);
	});

	test('a session holds at most MAX_RECEIVE_KEYS keys, keeping the one the log records', () => {
		const w = world(['ash', 'bo']);
		const bo = w.sessions[1]!;
		w.sync(bo);
		w.put(bo, keyStep(bo, w.clock.now)!);
		w.sync(bo);
		const recorded = bo.state!.members[bo.me]!.rk;
		for (let i = 0; i < MAX_RECEIVE_KEYS * 2; i++) makeReceiveKey(bo.data);
		expect(bo.data.receiveKeys).toHaveLength(MAX_RECEIVE_KEYS);
		expect(bo.data.receiveKeys!.map((k) => k.pk)).toContain(recorded);
	});

	test('P4 forward secrecy: a member added with the first receive key of its code has no epoch sealed to its box key, and once its next key lands nothing it holds opens the epochs before', () => {
		const w = world(['ash', 'bo']);
		const ash = w.sessions[0]!;
		w.sync(ash);
		// Cy's device makes a pseudonym and a first receive key, and hands out their public halves.
		const cyPerson = person();
		const first = newReceiveKeyPair();
		const cy = GroupSession.create(w.group, cyPerson.nonce, cyPerson.id, w.primitives, w.options);
		holdReceiveKey(cy.data, first);
		const member = { sign: toB64(cyPerson.id.signPk), box: toB64(cyPerson.id.boxPk), role: 'member' as const, rk: first.pk };
		const add = w.append({ op: buildAction(ash, { kind: 'add', member }, w.clock.now) });
		const addBox = (add.entry as { op: Extract<Op, { commit: string }> }).op.keys.find((k) => k.to === cy.me)!.box;
		expect(opensWith(addBox, cyPerson.id.boxSk)).toBe(false);
		w.sync(ash);
		w.sync(cy);
		expect(cy.state!.members[cy.me]!.rk).toBe(first.pk);
		expect(cy.data.epochs[String(cy.state!.epoch)]?.unreadable).toBeUndefined();
		w.say(ash, 'welcome, Cy');
		expect(texts(w.sync(cy))).toEqual(['welcome, Cy']);

		// The next epoch is sealed to the same first key; Cy opens it and then replaces the key.
		const rekey = w.append({ op: buildAction(ash, { kind: 'rekey' }, w.clock.now) });
		const rekeyBox = (rekey.entry as { op: Extract<Op, { commit: string }> }).op.keys.find((k) => k.to === cy.me)!.box;
		w.sync(ash);
		w.sync(cy);
		w.put(cy, keyStep(cy, w.clock.now)!);
		w.sync(cy);
		expect(cy.state!.members[cy.me]!.rk).not.toBe(first.pk);
		const everything = [...held(cy.toJSON()), cyPerson.id.boxSk, cyPerson.id.signSk.slice(0, 32)];
		expect(everything.filter((sk) => opensWith(addBox, sk) || opensWith(rekeyBox, sk))).toEqual([]);
		w.say(ash, 'still here');
		expect(texts(w.sync(cy))).toEqual(['still here']);
	});

	test('P4 forward secrecy: a pair partner listed in the genesis with its code\'s first receive key opens the first epoch with it, not with its box key', () => {
		const w = world(['ash']);
		const bo = person();
		const first = newReceiveKeyPair();
		const { op } = buildPair(w.people[0]!.id, { sign: toB64(bo.id.signPk), box: toB64(bo.id.boxPk), rk: first.pk }, { name: '', description: '', profile: { name: 'Ash' } }, { rk: fromB64(newReceiveKeyPair().pk) });
		const box = op.keys.find((k) => k.to === toB64(bo.id.signPk))!.box;
		expect(opensWith(box, bo.id.boxSk)).toBe(false);
		expect(opensWith(box, fromB64(first.sk))).toBe(true);
		const state = applyOp(null, op, { now: w.clock.now, primitives: w.primitives });
		expect(state.members[toB64(bo.id.signPk)]).toMatchObject({ rk: first.pk, rkAt: 0 });
	});

	test('an entry naming the op\'s own author cannot carry a first receive key (its own goes in the op\'s rk)', () => {
		const w = world(['ash']);
		const ash = w.people[0]!;
		const { op } = buildPair(ash.id, { sign: toB64(person().id.signPk), box: toB64(person().id.boxPk) }, { name: '', description: '', profile: { name: 'Ash' } });
		const forged = { ...op, members: op.members.map((m) => (m.sign === op.author ? { ...m, rk: newReceiveKeyPair().pk } : m)) };
		expectCode(() => applyOp(null, forged, { now: w.clock.now, primitives: w.primitives }), 'PROTOCOL_BAD_FRAME');
	});

	test('P4 forward secrecy: a key op that has not landed warns once after KEY_OP_ATTEMPTS counted failures, or after KEY_OP_WAIT_MS online, and the count ends when the key lands', () => {
		const w = world(['ash', 'bo']);
		const [ash, bo] = w.sessions as [NonNullable<(typeof w.sessions)[0]>, NonNullable<(typeof w.sessions)[1]>];
		w.sync(ash);
		w.sync(bo);
		// One attempt, never answered; the device then sleeps ten minutes: that time is not waiting.
		let step = keyStep(bo, w.clock.now)!;
		const op = step.kind === 'op' ? step.op : null;
		if (op?.kind !== 'key') throw new Error('expected a key op');
		expect(keyStalled(bo)).toEqual([]);
		keyFailed(bo, op.rk, op.parent, 'CLIENT_TIMEOUT');
		w.clock.now += KEY_OP_WAIT_MS;
		expect(keyStalled(bo)).toEqual([]);
		// Ten minutes online and caught up (checked every minute): the warning, once.
		let told = 0;
		for (let t = 0; t < KEY_OP_WAIT_MS; t += KEY_OP_TICK_MS) {
			w.clock.now += KEY_OP_TICK_MS;
			told += keyStalled(bo).length;
		}
		expect(told).toBe(1);
		expect(keyStalled(bo)).toEqual([]);
		// It lands: the attempts are forgotten.
		w.put(bo, keyStep(bo, w.clock.now)!);
		w.sync(bo);
		expect(bo.data.keyAttempts).toBeUndefined();
		// A new epoch; attempts lost to other members' entries (RELAY_CONFLICT, the log moved) never count.
		w.sync(ash);
		w.append({ op: buildAction(ash, { kind: 'rekey' }, w.clock.now) });
		w.sync(bo);
		for (let i = 0; i < KEY_OP_ATTEMPTS + 2; i++) {
			step = keyStep(bo, w.clock.now)!;
			const lost = step.kind === 'op' && step.op.kind === 'key' ? step.op : null;
			keyFailed(bo, lost!.rk, lost!.parent, 'RELAY_CONFLICT', 'another head');
			w.sync(ash);
			w.append({ op: buildAction(ash, { kind: 'rekey' }, w.clock.now) });
			w.sync(bo);
			expect(keyStalled(bo)).toEqual([]);
		}
		// A conflict naming my own parent as the head (a relay inventing it) counts, as does any other refusal.
		for (let i = 0; i < KEY_OP_ATTEMPTS; i++) {
			step = keyStep(bo, w.clock.now)!;
			const refused = step.kind === 'op' && step.op.kind === 'key' ? step.op : null;
			expect(keyStalled(bo)).toEqual([]);
			keyFailed(bo, refused!.rk, refused!.parent, i % 2 ? 'RELAY_INTERNAL' : 'RELAY_CONFLICT', refused!.parent);
		}
		keyStep(bo, w.clock.now);
		expect(keyStalled(bo)).toHaveLength(1);
	});

	test('P4 forward secrecy: an epoch op built again after more refusals than keys are held publishes the same receive key, so the first version, stored late, still opens for its author', () => {
		const w = world(['ash', 'bo']);
		const [ash, bo] = w.sessions as [NonNullable<(typeof w.sessions)[0]>, NonNullable<(typeof w.sessions)[1]>];
		w.sync(ash);
		w.sync(bo);
		const first = buildAction(bo, { kind: 'rekey' }, w.clock.now);
		// The relay answers RELAY_CONFLICT each time: Bo builds the rekey again, and again.
		for (let i = 0; i < MAX_RECEIVE_KEYS + 1; i++) buildAction(bo, { kind: 'rekey' }, w.clock.now);
		w.append({ op: first });
		const events = w.sync(bo);
		expect(events.filter((e) => e.type === 'warning')).toEqual([]);
		expect(bo.data.epochs[String(bo.data.log!.epoch)]?.unreadable).toBeUndefined();
	});

	test('P4 forward secrecy: my own epoch op stored with a receive key this device no longer holds, outside a restore, names the relay instead of saying nobody is at fault', () => {
		const w = world(['ash', 'bo']);
		const [ash, bo] = w.sessions as [NonNullable<(typeof w.sessions)[0]>, NonNullable<(typeof w.sessions)[1]>];
		w.sync(ash);
		w.sync(bo);
		const op = buildAction(bo, { kind: 'rekey' }, w.clock.now);
		// The key the op names is gone from the device (pushed out of those held).
		bo.data.receiveKeys = bo.data.receiveKeys!.filter((k) => op.kind !== 'rekey' || k.pk !== op.rk);
		w.append({ op });
		const told = w.sync(bo).filter((e) => e.type === 'warning');
		expect(told.map((e) => e.type === 'warning' && [e.kind, e.about])).toEqual([['tampered-log', 'own-key-dropped']]);
	});
});
