import { beforeAll, describe, expect, test } from 'vitest';
import { ready, sodium } from '../../crypto/sodium.ts';
import { buildRekey, signOp } from '../group/build.ts';
import { toB64 } from '../../core/bytes.ts';
import type { Op } from '../../core/schema.ts';
import { buildAction, helloAcked, nextStep, recoveryStep } from './send.ts';
import { T0, texts, warns, world } from './world.fixture.ts';

beforeAll(() => ready());

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

describe('P5 P6 a message is accepted only where the relay could have stored it (review finding 2)', () => {
	test('P5 a removed member’s message delivered after its removal is rejected with a warning, not shown (poc3)', () => {
		const w = world(['ash', 'bo', 'cy']);
		const [a, b, c] = w.sessions;
		w.sync(c!);
		const hello = nextStep(c!, { t: 'text', text: 'x' }, T0);
		helloAcked(c!, 0);
		const before = nextStep(c!, { t: 'text', text: 'before removal' }, T0);
		const after = nextStep(c!, { t: 'text', text: 'posted after removal' }, T0);
		if (hello.kind !== 'hello' || before.kind !== 'msg' || after.kind !== 'msg') throw new Error('unexpected steps');
		w.append({ msg: hello.envelope });
		w.append({ msg: before.envelope });
		w.sync(a!);
		w.append({ op: buildAction(a!, { kind: 'remove', target: c!.me }, T0) });
		w.append({ msg: after.envelope });
		const events = w.sync(b!);
		expect(texts(events)).toEqual(['before removal']);
		expect(warns(events)).toEqual(['tampered-log:PROTOCOL_STALE_EPOCH']);
		// The departed member's keys are gone from every epoch Bo still holds.
		for (const epoch of Object.values(b!.data.epochs)) {
			expect(epoch.chains[c!.me]).toBeUndefined();
			expect(epoch.esk[c!.me]).toBeUndefined();
		}
	});

	test('P5 a message held back by the relay and delivered after a pair ended is rejected with a warning, and no key is left', () => {
		const w = world(['sponsor', 'mentee'], { pair: true });
		const [a, b] = w.sessions;
		w.sync(b!);
		const hello = nextStep(b!, { t: 'text', text: 'x' }, T0);
		helloAcked(b!, 0);
		const before = nextStep(b!, { t: 'text', text: 'before the end' }, T0);
		const after = nextStep(b!, { t: 'text', text: 'held back past the end' }, T0);
		if (hello.kind !== 'hello' || before.kind !== 'msg' || after.kind !== 'msg') throw new Error('unexpected steps');
		w.append({ msg: hello.envelope });
		w.append({ msg: before.envelope });
		w.sync(a!);
		w.append({ op: buildAction(a!, { kind: 'end' }, T0) });
		w.append({ msg: after.envelope });
		const events = w.sync(a!);
		expect(texts(events)).toEqual([]);
		expect(warns(events)).toEqual(['tampered-log:PROTOCOL_GROUP_ENDED']);
		expect(a!.data.epochs).toEqual({});
		expect(() => nextStep(a!, { t: 'text', text: 'after the end' }, T0)).toThrow(expect.objectContaining({ code: 'PROTOCOL_GROUP_ENDED' }));
	});

	test('P5 after a leave, a message sent before the rekey is rejected, and one from the leaver in the new epoch too', () => {
		const w = world(['ash', 'bo', 'cy']);
		const [a, b, c] = w.sessions;
		w.say(c!, 'still here');
		w.say(a!, 'hello all');
		w.sync(a!);
		const pending = nextStep(a!, { t: 'text', text: 'sent while the rekey is pending' }, T0);
		w.append({ op: buildAction(c!, { kind: 'leave' }, T0) });
		if (pending.kind !== 'msg') throw new Error('expected a message step');
		w.append({ msg: pending.envelope });
		let events = w.sync(b!);
		expect(texts(events)).toEqual(['still here', 'hello all']);
		expect(warns(events)).toEqual(['tampered-log:PROTOCOL_STALE_EPOCH']);
		w.say(a!, 'after the rekey');
		const ghost = { ...w.log.find((i) => 'msg' in i.entry && i.entry.msg.sender === c!.me && i.entry.msg.ctr === 1)! };
		const msg = 'msg' in ghost.entry ? ghost.entry.msg : null;
		w.append({ msg: { ...msg!, epoch: a!.state!.epoch } });
		events = w.sync(b!);
		expect(texts(events)).toEqual(['after the rekey']);
		expect(warns(events)).toEqual(['tampered-log:PROTOCOL_UNKNOWN_MEMBER']);
	});

	test('P6 a message of an earlier epoch replayed into the current one is rejected as stale', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		const old = w.say(a!, 'epoch zero');
		w.sync(a!);
		w.append({ op: buildAction(a!, { kind: 'rekey' }, T0) });
		w.say(a!, 'epoch one');
		w.append(old.entry);
		const events = w.sync(b!);
		expect(texts(events)).toEqual(['epoch zero', 'epoch one']);
		expect(warns(events)).toEqual(['tampered-log:PROTOCOL_STALE_EPOCH']);
	});
});

/** Bo (a plain member) posts a rekey whose sealed box for Cy is junk, signed by Bo (poc2). */
function junkRekey(w: ReturnType<typeof world>, targetIndex: number): Op {
	const [, b] = w.sessions;
	w.sync(b!);
	const { op, secret } = buildRekey(b!.state!, w.people[1]!.id);
	secret.fill(0);
	const target = w.sessions[targetIndex]!.me;
	const tampered = { ...op, keys: op.keys.map((k) => (k.to === target ? { ...k, box: toB64(sodium().randombytes_buf(80)) } : k)) };
	const { sig: _sig, ...unsigned } = tampered;
	return signOp(unsigned as Parameters<typeof signOp>[0], w.people[1]!.id);
}

describe('a key update that does not open for me (review finding 6)', () => {
	test('a junk box sealed to me marks the epoch unreadable, names its author, and my rekey heals the group', () => {
		const w = world(['ash', 'bo', 'cy']);
		const [a, b, c] = w.sessions;
		w.sync(a!);
		w.append({ op: junkRekey(w, 2) });
		const events = w.sync(c!);
		expect(c!.data.frozen).toBeNull();
		expect(warns(events)).toEqual(['decrypt-failed:PROTOCOL_BAD_KEYS']);
		const warning = events.find((e) => e.type === 'warning');
		expect(warning && warning.type === 'warning' && warning.detail?.author).toBe(b!.me);
		expect(events.some((e) => e.type === 'rekey-due')).toBe(true);
		// Ash is unaffected and still talks; Cy cannot read that epoch but is not stuck.
		w.say(a!, 'in the junk epoch');
		expect(texts(w.sync(c!))).toEqual([]);
		const recovery = recoveryStep(c!, T0);
		expect(recovery?.kind).toBe('op');
		w.put(c!, recovery!);
		w.sync(c!);
		expect(recoveryStep(c!, T0)).toBeNull();
		w.say(c!, 'back again');
		const ashEvents = w.sync(a!);
		w.say(a!, 'welcome back');
		expect(texts(ashEvents)).toEqual(['back again']);
		expect(texts(w.sync(b!))).toEqual(['in the junk epoch', 'back again', 'welcome back']);
		expect(texts(w.sync(c!))).toEqual(['welcome back']);
	});

	test('nextStep itself posts the healing rekey first when I next send', () => {
		const w = world(['ash', 'bo', 'cy']);
		const [, , c] = w.sessions;
		w.append({ op: junkRekey(w, 2) });
		w.sync(c!);
		const step = nextStep(c!, { t: 'text', text: 'hi' }, T0);
		expect(step.kind === 'op' && step.op.kind).toBe('rekey');
	});
});

describe('P6 relay order and time (review finding 8)', () => {
	test('P6 an entry whose relay time goes backwards is refused with a warning', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		w.say(a!, 'one');
		w.sync(b!);
		w.clock.now += MIN;
		const two = w.say(a!, 'two');
		const events = b!.receive({ ...two, ts: T0 - DAY });
		expect(texts(events)).toEqual([]);
		expect(warns(events)).toEqual(['tampered-log:PROTOCOL_BAD_ORDER']);
	});

	test('P6 an entry whose seq goes backwards is refused with a warning, a repeat of the last one is ignored', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		const one = w.say(a!, 'one');
		const two = w.say(a!, 'two');
		w.sync(b!);
		expect(b!.receive(two)).toEqual([]);
		expect(warns(b!.receive(one))).toEqual(['tampered-log:PROTOCOL_BAD_ORDER']);
	});

	test('a live entry dated more than ten minutes from the local clock is flagged, a close one is not', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		w.sync(b!);
		const one = w.say(a!, 'one');
		expect(warns(b!.receive(w.log[1]!, { live: true }))).toEqual([]);
		expect(warns(b!.receive({ ...one, ts: T0 + 11 * MIN }, { live: true }))).toEqual(['tampered-log:PROTOCOL_CLOCK_SKEW']);
		const two = w.say(a!, 'two');
		expect(warns(b!.receive({ ...two, ts: T0 + 12 * MIN }))).toEqual([]);
	});

	test('P4 skipped keys expire 7 days after local receipt, whatever time the relay claims', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		w.say(a!, 'one');
		const two = w.say(a!, 'two');
		w.say(a!, 'three');
		// Bo gets everything but "two", all dated by the relay in 1970 (as if to keep keys alive).
		w.log.filter((i) => i !== two).forEach((item, n) => b!.receive({ ...item, ts: n + 1 }));
		expect(b!.data.epochs['0']!.chains[a!.me]!.skipped.map((k) => k.ctr)).toEqual([2]);
		const late = { ...two, seq: 99, ts: 100 };
		// Six local days on, even a relay time 30 days ahead does not expire the key.
		w.clock.now = T0 + 6 * DAY;
		expect(texts(w.restore(b!, 1).receive({ ...late, ts: T0 + 30 * DAY }))).toEqual(['two']);
		// Eight local days on, the key is gone on load, however old the relay says things are.
		w.clock.now = T0 + 8 * DAY;
		const restored = w.restore(b!, 1);
		expect(restored.data.epochs['0']!.chains[a!.me]!.skipped).toEqual([]);
		expect(warns(restored.receive(late))).toEqual(['replay:PROTOCOL_REPLAY']);
	});
});

describe('P8 a message without its relay stamp (review finding 10)', () => {
	test('P8 a stripped stamp is flagged and the message is shown without franking, so it is not reportable', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		const one = w.say(a!, 'stamped');
		expect(texts(w.sync(b!))).toEqual(['stamped']);
		const w2 = world(['ash', 'bo']);
		const msg = w2.say(w2.sessions[0]!, 'stamp stripped');
		const { stamp: _stamp, ...stripped } = msg;
		const bo = w2.sessions[1]!;
		w2.log.filter((i) => i.seq < msg.seq).forEach((i) => bo.receive(i));
		const events = bo.receive(stripped);
		expect(texts(events)).toEqual(['stamp stripped']);
		expect(warns(events)).toEqual(['tampered-log:PROTOCOL_NO_STAMP']);
		const shown = events.find((e) => e.type === 'message');
		expect(shown?.type === 'message' && shown.franking).toBeNull();
		expect(one.stamp).toBeDefined();
	});
});
