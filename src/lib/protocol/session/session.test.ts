import { beforeAll, describe, expect, test } from 'vitest';
import { ready } from '../../crypto/sodium.ts';
import { sodiumPrimitives } from '../../crypto/primitives.ts';
import { deriveIdentity, newRoot, newIdentityNonce, type Identity } from '../../crypto/identity.ts';
import { buildGenesis, buildAdd } from '../group/build.ts';
import { opHashB64 } from '../group/state.ts';
import { toB64 } from '../../core/bytes.ts';
import type { Entry } from '../../core/schema.ts';
import { GroupSession } from './session.ts';
import { buildAction, helloAcked, nextStep } from './send.ts';
import type { RelayEntry, SessionEvent } from './types.ts';

let primitives: ReturnType<typeof sodiumPrimitives>;
beforeAll(async () => {
	await ready();
	primitives = sodiumPrimitives();
});

const person = (): { id: Identity; nonce: string } => {
	const nonce = newIdentityNonce();
	return { id: deriveIdentity(newRoot(), nonce), nonce: toB64(nonce) };
};
const settings = { retention: 0, rotate: 0, invite: 'admins' as const, listeners: true, listenersMaySpeak: true, pair: false };

/** An honest in-memory log standing in for the relay: seq and ts assigned in append order. */
function world(names: string[]) {
	const people = names.map(person);
	const [admin, ...others] = people;
	const { op, secret } = buildGenesis(admin!.id, {
		settings,
		others: others.map((p) => ({ sign: toB64(p.id.signPk), box: toB64(p.id.boxPk), role: 'member' as const })),
		content: { name: 'Tuesday circle', description: 'peer support', profile: { name: 'Ash' } }
	});
	secret.fill(0);
	const group = opHashB64(op, primitives);
	const log: RelayEntry[] = [];
	const append = (entry: Entry) => log.push({ seq: log.length + 1, ts: 1_000 + log.length, entry, stamp: toB64(new Uint8Array(32)) });
	append({ op });
	const sessions = people.map((p) => GroupSession.create(group, p.nonce, p.id, primitives));
	const sync = (s: GroupSession): SessionEvent[] => log.flatMap((item) => s.receive(item));
	/** Sends `text` from session `s` with every step appended in order. */
	const say = (s: GroupSession, text: string) => {
		for (;;) {
			sync(s);
			const step = nextStep(s, { t: 'text', text }, 2_000);
			if (step.kind === 'op') append({ op: step.op });
			else if (step.kind === 'hello') {
				append({ msg: step.envelope });
				helloAcked(s, step.envelope.epoch);
			} else {
				append({ msg: step.envelope });
				return log[log.length - 1]!;
			}
		}
	};
	return { people, sessions, log, append, sync, say, group };
}

const texts = (events: SessionEvent[]) => events.flatMap((e) => (e.type === 'message' && e.content.t === 'text' ? [e.content.text] : []));
const warnings = (events: SessionEvent[]) => events.flatMap((e) => (e.type === 'warning' ? [e.kind] : []));

describe('GroupSession', () => {
	test('members read each other and learn the group name and pseudonyms from encrypted bodies', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		w.say(a!, 'hello from Ash');
		w.say(b!, 'hi Ash');
		expect(texts(w.sync(a!))).toEqual(['hi Ash']);
		const restored = GroupSession.fromJSON(b!.toJSON(), w.people[1]!.id, primitives);
		const bEvents = w.log.slice(restored.data.cursor - 1).flatMap((item) => restored.receive(item));
		expect(bEvents.map((e) => e.type)).toEqual(['own']);
		expect(b!.data.name).toBe('Tuesday circle');
		expect(b!.data.profiles[a!.me]).toBe('Ash');
	});

	test('a session restored from JSON keeps reading where it stopped', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		w.say(a!, 'one');
		w.sync(b!);
		const restored = GroupSession.fromJSON(JSON.parse(JSON.stringify(b!.toJSON())), w.people[1]!.id, primitives);
		w.say(a!, 'two');
		expect(texts(w.sync(restored))).toEqual(['two']);
	});

	test('P6 transcript integrity: a dropped message is a gap, a delayed one late, a repeated one a replay', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		w.say(a!, 'first');
		const second = w.say(a!, 'second');
		const third = w.say(a!, 'third');
		const hello = w.log[1]!;
		const first = w.log[2]!;
		expect(texts(b!.receive(w.log[0]!))).toEqual([]);
		b!.receive(hello);
		expect(texts(b!.receive(first))).toEqual(['first']);
		const jumped = b!.receive({ ...third, seq: 10 });
		expect(texts(jumped)).toEqual(['third']);
		expect(warnings(jumped)).toEqual(['gap']);
		// A relay that reorders must also rewrite times, or the entry is refused (see below).
		const late = b!.receive({ ...second, seq: 11, ts: third.ts });
		expect(texts(late)).toEqual(['second']);
		expect(warnings(late)).toEqual(['late']);
		const replay = b!.receive({ ...first, seq: 12, ts: third.ts });
		expect(texts(replay)).toEqual([]);
		expect(warnings(replay)).toEqual(['replay']);
	});

	test('P2 an op signed by a non-member freezes the group and changes no membership', () => {
		const w = world(['ash', 'bo']);
		const [, b] = w.sessions;
		w.sync(b!);
		const intruder = person();
		const forged = buildAdd(b!.state!, intruder.id, { sign: toB64(intruder.id.signPk), box: toB64(intruder.id.boxPk), role: 'admin' }).op;
		const events = b!.receive({ seq: 99, ts: 5_000, entry: { op: forged } });
		expect(warnings(events)).toEqual(['tampered-log']);
		expect(b!.data.frozen?.code).toBe('PROTOCOL_UNKNOWN_MEMBER');
		expect(Object.keys(b!.state!.members)).not.toContain(toB64(intruder.id.signPk));
	});

	test('P5 secrecy after removal: the removed member cannot open anything sent after the remove', () => {
		const w = world(['ash', 'bo', 'cy']);
		const [a, b, c] = w.sessions;
		w.say(a!, 'before');
		w.sync(c!);
		w.append({ op: buildAction(a!, { kind: 'remove', target: c!.me }, 3_000) });
		w.say(a!, 'after the removal');
		expect(texts(w.sync(b!))).toEqual(['before', 'after the removal']);
		const cEvents = w.sync(c!);
		expect(cEvents.some((e) => e.type === 'removed')).toBe(true);
		expect(texts(cEvents)).toEqual([]);
		expect(c!.data.epochs).toEqual({});
		// Keys kept from before the removal, and the remove op's boxes: keys-and-tails.test.ts.
	});

	test('a listener is refused before anything is built', () => {
		const w = world(['ash', 'bo']);
		const [a, b] = w.sessions;
		w.sync(a!);
		w.append({ op: buildAction(a!, { kind: 'role', target: b!.me, role: 'listener' }, 3_000) });
		w.sync(b!);
		expect(() => nextStep(b!, { t: 'text', text: 'may I?' }, 3_000)).toThrow(expect.objectContaining({ code: 'PROTOCOL_NOT_ALLOWED' }));
	});

	test('§13.3 mute: the muted member\'s client refuses to send; a message a relay lets through during the mute is dropped by every receiver; after the end it is not', () => {
		const w = world(['ash', 'bo', 'cy']);
		const [a, b, c] = w.sessions;
		w.say(b!, 'before');
		w.sync(a!);
		// A modified client (or one that has not seen the mute yet) prepares a message first.
		const early = w.say(b!, 'prepared before');
		w.log.pop();
		w.append({ op: buildAction(a!, { kind: 'mute', target: b!.me, duration: 3600 }, 3_000) });
		const muteAt = w.log[w.log.length - 1]!.ts;
		// The relay appends it anyway, inside the mute.
		w.log.push({ ...early, seq: w.log.length + 1, ts: muteAt + 1 });
		const seen = w.sync(c!);
		expect(texts(seen)).toEqual(['before']);
		expect(seen.some((e) => e.type === 'warning' && e.kind === 'unverified' && JSON.stringify(e).includes('muted'))).toBe(true);
		// Bo's own client, once it has the mute, does not build anything before the end.
		w.sync(b!);
		expect(() => nextStep(b!, { t: 'text', text: 'let me speak' }, muteAt + 1_000)).toThrow(expect.objectContaining({ code: 'PROTOCOL_NOT_ALLOWED' }));
		// After the end (relay time), the same client sends and everyone reads it.
		const step = nextStep(b!, { t: 'text', text: 'back again' }, muteAt + 3_600_000);
		if (step.kind !== 'msg') throw new Error(`expected a message step, got ${step.kind}`);
		w.log.push({ seq: w.log.length + 1, ts: muteAt + 3_600_000, entry: { msg: step.envelope }, stamp: w.log[0]!.stamp });
		expect(texts(w.sync(c!))).toEqual(['back again']);
	});
});
