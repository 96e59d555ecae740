/**
 * Test fixture: an in-memory relay log (seq and ts assigned in append order, every message
 * stamped) and real GroupSessions on a shared, settable local clock. Tests play the malicious
 * relay by editing, dropping or re-delivering its entries.
 */
import { sodiumPrimitives } from '../../crypto/primitives.ts';
import { deriveIdentity, newRoot, newIdentityNonce, type Identity } from '../../crypto/identity.ts';
import { buildGenesis } from '../group/build.ts';
import { opHashB64 } from '../group/state.ts';
import { toB64 } from '../../core/bytes.ts';
import type { Settings, StoredEntry } from '../../core/schema.ts';
import { GroupSession } from './session.ts';
import { helloAcked, nextStep } from './send.ts';
import type { RelayEntry, SessionEvent, SendStep } from './types.ts';

export const person = (): { id: Identity; nonce: string } => {
	const nonce = newIdentityNonce();
	return { id: deriveIdentity(newRoot(), nonce), nonce: toB64(nonce) };
};

export const baseSettings: Settings = { retention: 0, rotate: 0, invite: 'admins', listeners: true, listenersMaySpeak: true, pair: false };

export const T0 = 1_700_000_000_000;

export function world(names: string[], settings: Partial<Settings> = {}) {
	const primitives = sodiumPrimitives();
	const clock = { now: T0 };
	const people = names.map(person);
	const [admin, ...others] = people;
	const { op, secret } = buildGenesis(admin!.id, {
		settings: { ...baseSettings, ...settings },
		others: others.map((p) => ({ sign: toB64(p.id.signPk), box: toB64(p.id.boxPk), role: 'member' as const })),
		content: { name: 'Tuesday circle', description: 'peer support', profile: { name: names[0]! } }
	});
	secret.fill(0);
	const group = opHashB64(op, primitives);
	const log: RelayEntry[] = [];
	/** The relay stores an entry at its own time (the local clock here: an honest relay). */
	const append = (entry: StoredEntry) => {
		const item: RelayEntry = { seq: log.length + 1, ts: Math.max(clock.now, log.at(-1)?.ts ?? 0), entry, stamp: toB64(new Uint8Array(32)) };
		log.push(item);
		return item;
	};
	append({ op });
	const options = { clock: () => clock.now };
	const sessions = people.map((p) => GroupSession.create(group, p.nonce, p.id, primitives, options));
	const sync = (s: GroupSession): SessionEvent[] => log.filter((i) => i.seq > s.data.cursor).flatMap((item) => s.receive(item));
	/** Appends one send step the way the client does. */
	const put = (s: GroupSession, step: SendStep) => {
		if (step.kind === 'op') return append({ op: step.op });
		const item = append({ msg: step.envelope });
		if (step.kind === 'hello') helloAcked(s, step.envelope.epoch);
		return item;
	};
	/** Sends `text` from `s` with every step appended in order; returns the message's entry. */
	const say = (s: GroupSession, text: string): RelayEntry => {
		for (;;) {
			sync(s);
			const step = nextStep(s, { t: 'text', text }, clock.now);
			const item = put(s, step);
			if (step.kind === 'msg') return item;
		}
	};
	const restore = (s: GroupSession, i: number) => GroupSession.fromJSON(JSON.parse(JSON.stringify(s.toJSON())), people[i]!.id, primitives, options);
	return { primitives, clock, people, sessions, log, append, sync, put, say, restore, group, options };
}

export const texts = (events: SessionEvent[]) => events.flatMap((e) => (e.type === 'message' && e.content.t === 'text' ? [e.content.text] : []));
export const warns = (events: SessionEvent[]) => events.flatMap((e) => (e.type === 'warning' ? [`${e.kind}:${e.code}`] : []));
