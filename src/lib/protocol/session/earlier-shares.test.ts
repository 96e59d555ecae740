/**
 * Privacy of earlier shares (docs/PROTOCOL.md §4.3, last paragraph): a new member receives only
 * the secret of the epoch its join creates, so what was sent before it joined stays unreadable
 * to it, even when a malicious relay hands it every earlier ciphertext.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { ready } from '../../crypto/sodium.ts';
import { SenderChain } from '../../crypto/chain.ts';
import { deriveEpochKeys, groupContext, openEpochSecret } from '../../crypto/epoch.ts';
import { newInvite } from '../../crypto/invite.ts';
import { decryptMessage } from '../../crypto/message.ts';
import { fromB64 } from '../../core/bytes.ts';
import { buildJoin } from '../group/build.ts';
import type { Envelope, Op } from '../../core/schema.ts';
import { receiveBacklog } from './backlog.ts';
import { GroupSession } from './session.ts';
import { buildAction } from './send.ts';
import type { RelayEntry, SessionEvent } from './types.ts';
import { T0, person, texts, warns, world } from './world.fixture.ts';

beforeAll(() => ready());

const DAY = 24 * 3_600_000;
const msgOf = (item: RelayEntry): Envelope => (item.entry as { msg: Envelope }).msg;
const isMsg = (item: RelayEntry) => 'msg' in item.entry;
const opsOf = (log: RelayEntry[]) => log.flatMap((i) => ('op' in i.entry ? [{ seq: i.seq, ts: i.ts, op: i.entry.op }] : []));

const EARLIER = ['epoch 0: ash one', 'epoch 0: bo one', 'epoch 0: ash two', 'epoch 1: bo two', 'epoch 1: ash three', 'epoch 1: bo after the invite', 'epoch 1: ash after the invite'];
const AFTER = ['after the join: welcome, dan', 'after the join: hi dan'];

/**
 * Ash, Bo and Cy talk in epoch 0, rekey, talk in epoch 1; Ash invites, both talk again; then Dan
 * joins with the invite as the client does (§7: the relay's invite fetch gives every op and no
 * message; the join carries a fresh epoch secret), and Ash and Bo write once more.
 */
function scenario() {
	const w = world(['ash', 'bo', 'cy']);
	const [a, b] = w.sessions;
	const say = (i: number, text: string) => w.say(w.sessions[i]!, text);
	say(0, EARLIER[0]!);
	say(1, EARLIER[1]!);
	say(0, EARLIER[2]!);
	w.sync(a!);
	w.append({ op: buildAction(a!, { kind: 'rekey' }, T0) });
	say(1, EARLIER[3]!);
	say(0, EARLIER[4]!);
	w.sync(a!);
	const invite = newInvite(w.group);
	w.append({ op: buildAction(a!, { kind: 'invite', secret: invite.secret.slice(), expires: T0 + DAY, maxUses: 1, role: 'member' }, T0) });
	// The fetch happens here: messages written from now until the join are not in it.
	const dan = person();
	const joiner = GroupSession.create(w.group, dan.nonce, dan.id, w.primitives, w.options);
	joiner.replayInviteLog(opsOf(w.log));
	say(1, EARLIER[5]!);
	say(0, EARLIER[6]!);
	const { op, secret } = buildJoin(joiner.state!, dan.id, invite.secret, { profile: { name: 'dan' } });
	const join = w.append({ op });
	// As joinWithInvite does: entries between the invite log and my join are not for me.
	joiner.data.cursor = join.seq - 1;
	say(0, AFTER[0]!);
	say(1, AFTER[1]!);
	const earlier = w.log.filter((i) => i.seq < join.seq && isMsg(i));
	const fresh = () => GroupSession.create(w.group, dan.nonce, dan.id, w.primitives, w.options);
	return { w, a: a!, b: b!, dan, joiner, fresh, join, joinOp: op, joinSecret: secret, inviteSecret: invite.secret, earlier };
}

/** True when `key`, as a message key or as a chain key ratcheted up to 8 steps, opens `env`. */
function opens(env: Envelope, key: Uint8Array): boolean {
	try {
		decryptMessage(env, key);
		return true;
	} catch {
		/* not this way */
	}
	const chain = SenderChain.fromChainKey(key);
	try {
		for (let ctr = 0; ctr < 8; ctr++) {
			try {
				chain.receive(ctr, T0, (k) => decryptMessage(env, k));
				return true;
			} catch {
				/* next counter */
			}
		}
		return false;
	} finally {
		chain.wipe();
	}
}

/** Every 32-byte value in an exported session state (as keys-and-tails.test.ts does for P4). */
function keysIn(state: unknown): Uint8Array[] {
	const found: Uint8Array[] = [];
	const walk = (v: unknown) => {
		if (typeof v === 'string') {
			try {
				const bytes = fromB64(v);
				if (bytes.length === 32) found.push(bytes);
			} catch {
				/* not b64 */
			}
		} else if (v && typeof v === 'object') Object.values(v).forEach(walk);
	};
	walk(JSON.parse(JSON.stringify(state)));
	return found;
}

describe('privacy of earlier shares: a newcomer cannot read what was sent before it joined', () => {
	test('given the whole log from seq 1 by the relay, the newcomer shows none of the earlier messages, does not crash, and reads those sent after its join', () => {
		const s = scenario();
		expect(s.earlier.length).toBe(EARLIER.length + 4); // every text, and the hellos of Ash and Bo in epochs 0 and 1
		const dan = s.fresh();
		const byItem = new Map<RelayEntry, SessionEvent[]>();
		expect(() => s.w.log.forEach((item) => byItem.set(item, dan.receive(item)))).not.toThrow();
		const events = [...byItem.values()].flat();
		// What the newcomer is shown: only what came after its join.
		expect(texts(events)).toEqual(AFTER);
		expect(warns(events)).toEqual([]);
		expect(dan.data.frozen).toBeNull();
		// Each earlier envelope is skipped without any event: nothing shown, no name learned from an earlier hello.
		for (const item of s.earlier) expect(byItem.get(item)).toEqual([]);
		expect(events.filter((e) => e.type === 'message' || e.type === 'profile').every((e) => !('address' in e) || e.address?.epoch === s.joinOp.epoch)).toBe(true);
		expect(dan.data.joinedEpoch).toBe(s.joinOp.epoch);
		expect(Object.keys(dan.data.epochs)).toEqual([String(s.joinOp.epoch)]);
	});

	test('the same whole log read as one backlog batch gives the same events', () => {
		const s = scenario();
		const one = s.fresh();
		const batch = s.fresh();
		const single = s.w.log.flatMap((item) => one.receive(item));
		const linked = receiveBacklog(batch, s.w.log);
		expect(texts(linked)).toEqual(AFTER);
		expect(warns(linked)).toEqual([]);
		expect(linked).toEqual(single);
	});

	test('earlier envelopes the relay re-delivers after the join are rejected as stale with a warning, never shown, and later messages still read', () => {
		const s = scenario();
		for (const item of s.earlier) s.w.append(item.entry);
		s.w.say(s.a, 'after the replays');
		const events = s.w.log.filter((i) => i.seq > s.joiner.data.cursor).flatMap((i) => s.joiner.receive(i));
		expect(texts(events)).toEqual([...AFTER, 'after the replays']);
		expect(warns(events)).toEqual(s.earlier.map(() => 'tampered-log:PROTOCOL_STALE_EPOCH'));
		expect(s.joiner.data.frozen).toBeNull();
	});

	test('key level: no key the newcomer holds or held opens an earlier envelope, and no earlier epoch was sealed to it', () => {
		const s = scenario();
		const dan = s.fresh();
		s.w.log.filter((i) => i.seq <= s.join.seq).forEach((i) => dan.receive(i));
		const afterJoin = dan.toJSON();
		s.w.log.filter((i) => i.seq > s.join.seq).forEach((i) => dan.receive(i));
		s.w.say(dan, 'dan writes too');
		const atEnd = dan.toJSON();
		const group = s.w.group;
		const everyone = [...s.w.sessions.map((x) => x.me), dan.me];
		// What the newcomer ever held: its exported state right after its join and at the end (chains, meta key,
		// epoch signing keys, its send chain), its join's epoch secret, the invite secret from the link and its own
		// identity secrets, each also taken as an epoch secret and derived for every member, for epoch 0 and later.
		const roots = [s.joinSecret, s.inviteSecret, s.dan.id.boxSk, s.dan.id.signSk.slice(0, 32)];
		const candidates = [...keysIn(afterJoin), ...keysIn(atEnd), ...roots];
		for (const root of roots) {
			for (const ctx of [groupContext(group), groupContext('')]) {
				const keys = deriveEpochKeys(root.slice(), ctx, everyone);
				candidates.push(keys.metaKey, ...keys.chains.values());
			}
		}
		expect(candidates.length).toBeGreaterThan(40);
		// The harness can open: Dan's state right after the join opens Ash's first message after it.
		const welcome = msgOf(s.w.log.find((i) => isMsg(i) && i.seq > s.join.seq && msgOf(i).sender === s.a.me && msgOf(i).ctr === 1)!);
		expect(keysIn(afterJoin).some((k) => opens(welcome, k))).toBe(true);
		// Nothing opens any earlier envelope, hello or text, of either sender, in either epoch.
		const name = (sign: string) => ['ash', 'bo', 'cy'][s.w.sessions.findIndex((x) => x.me === sign)];
		expect(s.earlier.every((item) => msgOf(item).epoch < s.joinOp.epoch)).toBe(true);
		const opened = s.earlier.map(msgOf).filter((env) => candidates.some((key) => opens(env, key)));
		expect(opened.map((env) => `epoch ${env.epoch} ${name(env.sender)} ctr ${env.ctr}`)).toEqual([]);
		// No earlier epoch op seals a box to the newcomer.
		const me = { sign: dan.me, boxPk: s.dan.id.boxPk, boxSk: s.dan.id.boxSk };
		const epochOps = opsOf(s.w.log).filter((o) => o.seq < s.join.seq && 'epoch' in o.op).map((o) => o.op as Extract<Op, { commit: string }>);
		expect(epochOps.map((op) => op.epoch)).toEqual([0, 1]);
		for (const op of epochOps) {
			expect(op.keys.some((k) => k.to === dan.me)).toBe(false);
			expect(() => openEpochSecret(op, op.kind === 'genesis' ? '' : group, me)).toThrow(expect.objectContaining({ code: 'PROTOCOL_BAD_KEYS' }));
		}
		// Only the join's epoch is held, and no counters or keys of earlier epochs.
		expect(Object.keys(atEnd.epochs)).toEqual([String(s.joinOp.epoch)]);
		expect(atEnd.tails ?? {}).toEqual({});
	});
});
