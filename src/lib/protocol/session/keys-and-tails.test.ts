import { beforeAll, describe, expect, test } from 'vitest';
import { ready } from '../../crypto/sodium.ts';
import { SenderChain } from '../../crypto/chain.ts';
import { openEpochSecret } from '../../crypto/epoch.ts';
import { decryptMessage } from '../../crypto/message.ts';
import { fromB64, toB64 } from '../../core/bytes.ts';
import { buildAdd } from '../group/build.ts';
import type { Envelope } from '../../core/schema.ts';
import { GroupSession } from './session.ts';
import { buildAction, helloStep } from './send.ts';
import { T0, person, texts, warns, world } from './world.fixture.ts';

beforeAll(() => ready());

const HOUR = 3_600_000;
const msgOf = (item: { entry: object }): Envelope => (item.entry as { msg: Envelope }).msg;

describe('P6 dropped tails and relay sequence gaps (review finding 12)', () => {
	test('P6 the last message of a sender in an epoch, dropped by the relay, is reported once the sender’s next hello arrives', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		w.say(a!, 'one');
		const dropped = w.say(a!, 'the last words of epoch 0');
		w.sync(a!);
		w.append({ op: buildAction(a!, { kind: 'rekey' }, T0) });
		w.say(a!, 'epoch one');
		const events = w.log.filter((i) => i !== dropped).flatMap((i) => b!.receive(i));
		expect(texts(events)).toEqual(['one', 'epoch one']);
		expect(warns(events)).toEqual(['gap:PROTOCOL_GAP']);
		const gap = events.find((e) => e.type === 'warning');
		expect(gap?.type === 'warning' && gap.detail).toEqual({ sender: a!.me, epoch: 0, from: 2, to: 2 });
	});

	test('P6 with nothing dropped the next hello raises no warning', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		w.say(a!, 'one');
		w.sync(a!);
		w.append({ op: buildAction(a!, { kind: 'rekey' }, T0) });
		w.say(a!, 'epoch one');
		expect(warns(w.sync(b!))).toEqual([]);
	});

	test('P6 a live entry whose seq skips one is reported as a gap in the relay log', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		w.sync(b!);
		w.say(a!, 'one');
		w.say(a!, 'two');
		const [hello, , two] = w.log.slice(1);
		b!.receive(hello!, { live: true });
		expect(warns(b!.receive(two!, { live: true }))).toEqual(['gap:PROTOCOL_SEQ_GAP', 'gap:PROTOCOL_GAP']);
	});
});

describe('missing messages older than the retention (review finding 7)', () => {
	const scenario = (retention: number) => {
		const w = world(['ash', 'bo'], { retention });
		const [a, b] = w.sessions;
		w.say(a!, 'old one');
		const expired = [w.say(a!, 'old two'), w.say(a!, 'old three')];
		w.clock.now += 3 * HOUR;
		w.say(a!, 'recent');
		// The relay's retention deleted the old messages; Bo comes back hours later.
		w.clock.now += HOUR;
		return w.log.filter((i) => !expired.includes(i)).flatMap((i) => b!.receive(i));
	};

	test('messages deleted by a one-hour retention are expired, not a gap', () => {
		const events = scenario(3_600);
		expect(texts(events)).toEqual(['old one', 'recent']);
		expect(warns(events)).toEqual([]);
	});

	test('the same missing messages without retention are a gap', () => {
		expect(warns(scenario(0))).toEqual(['gap:PROTOCOL_GAP']);
	});
});

describe('names for newcomers', () => {
	test('when someone is added, each existing speaker is asked to send its hello at once and the newcomer learns its name', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		w.say(b!, 'bo speaks');
		w.sync(a!);
		const dan = person();
		const { op, secret } = buildAdd(a!.state!, w.people[0]!.id, { sign: toB64(dan.id.signPk), box: toB64(dan.id.boxPk), role: 'member' });
		secret.fill(0);
		const danSession = GroupSession.create(w.group, dan.nonce, dan.id, w.primitives, w.options);
		danSession.replayInviteLog(w.log.map((i) => ({ seq: i.seq, ts: i.ts, op: (i.entry as { op: never }).op })).filter((i) => i.op));
		danSession.data.cursor = w.log.length;
		w.append({ op });
		expect(w.sync(b!).some((e) => e.type === 'hello-due')).toBe(true);
		const step = helloStep(b!, T0);
		expect(step?.kind).toBe('hello');
		w.put(b!, step!);
		expect(helloStep(b!, T0)).toBeNull();
		const events = w.sync(danSession);
		expect(events).toContainEqual(expect.objectContaining({ type: 'profile', sender: b!.me, name: 'member' }));
		expect(danSession.data.profiles[b!.me]).toBeDefined();
	});
});

describe('P4 P5 keys held by a session', () => {
	test('P4 forward secrecy: the exported state after some messages opens none of the earlier ciphertexts', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		const early = ['first', 'second', 'third'].map((t) => w.say(a!, t));
		w.sync(b!);
		w.sync(a!);
		w.append({ op: buildAction(a!, { kind: 'rekey' }, T0) });
		w.say(a!, 'new epoch');
		w.sync(b!);
		const stolen = JSON.parse(JSON.stringify(b!.toJSON()));
		// Every 32-byte value in the stolen state, used as a message key or as a chain key ratcheted forward.
		const candidates: Uint8Array[] = [];
		const walk = (v: unknown) => {
			if (typeof v === 'string') {
				try {
					const bytes = fromB64(v);
					if (bytes.length === 32) candidates.push(bytes);
				} catch {
					/* not b64 */
				}
			} else if (v && typeof v === 'object') Object.values(v).forEach(walk);
		};
		walk(stolen);
		expect(candidates.length).toBeGreaterThan(0);
		for (const item of early) {
			for (const key of candidates) {
				expect(() => decryptMessage(msgOf(item), key)).toThrow();
				const chain = SenderChain.fromChainKey(key);
				for (let ctr = 0; ctr < 4; ctr++) expect(() => chain.receive(ctr, T0, (k) => decryptMessage(msgOf(item), k))).toThrow();
			}
		}
		// Nothing of epoch 0 is left: no chain, no signing key, no sending key of mine.
		expect(Object.keys(stolen.epochs)).toEqual(['1']);
	});

	test('P5 secrecy after removal: every key the removed member held, and every box of the remove op, fails on the new epoch', () => {
		const w = world(['ash', 'bo', 'cy']);
		const [a, b, c] = w.sessions;
		w.say(a!, 'before');
		w.say(b!, 'bo before');
		w.sync(c!);
		const kept = c!.toJSON();
		w.sync(a!);
		const remove = w.append({ op: buildAction(a!, { kind: 'remove', target: c!.me }, T0) });
		const after = w.say(a!, 'after the removal');
		expect(texts(w.sync(b!))).toContain('after the removal');
		// No box of the remove op opens for Cy, so Cy never learns the new epoch secret.
		const op = (remove.entry as { op: Parameters<typeof openEpochSecret>[0] }).op;
		expect(() => openEpochSecret(op, w.group, { sign: c!.me, boxPk: w.people[2]!.id.boxPk, boxSk: w.people[2]!.id.boxSk })).toThrow(
			expect.objectContaining({ code: 'PROTOCOL_BAD_KEYS' })
		);
		// Every chain and meta key Cy kept, ratcheted forward, fails on the new epoch's messages.
		const keys: Uint8Array[] = [];
		for (const epoch of Object.values(kept.epochs)) {
			for (const chain of Object.values(epoch.chains)) keys.push(fromB64(chain.ck));
			if (epoch.meta) keys.push(fromB64(epoch.meta));
			if (epoch.own) keys.push(fromB64(epoch.own));
		}
		if (kept.send) keys.push(fromB64(kept.send.chain.ck));
		for (const key of keys) {
			const chain = SenderChain.fromChainKey(key);
			for (let ctr = 0; ctr < 3; ctr++) expect(() => chain.receive(ctr, T0, (k) => decryptMessage(msgOf(after), k))).toThrow();
		}
	});
});
