/**
 * The sending half of a group session: what to append next for an outgoing content
 * (a `rekey` first when one is due, then this epoch's `hello`, then the message), and the
 * signed ops behind member actions. Every op is dry-run through `applyOp` before it is
 * returned, so an action that no longer makes sense (after a RELAY_CONFLICT rebase, say)
 * fails here with the rule's code instead of at the relay.
 */
import { fromB64, toB64 } from '../../core/bytes.ts';
import { ProtocolError } from '../../core/errors.ts';
import type { Member, Op, Role, Settings } from '../../core/schema.ts';
import * as may from '../group/may.ts';
import { applyOp } from '../group/state.ts';
import * as build from '../group/build.ts';
import { SenderChain } from '../../crypto/chain.ts';
import type { Content } from '../../core/content.ts';
import { buildHello, encryptMessage, messageLink, newEpochSigningKey } from '../../crypto/message.ts';
import { sodium } from '../../crypto/sodium.ts';
import { makeReceiveKey, pendingReceiveKey } from './receive-keys.ts';
import type { GroupSession } from './session.ts';
import { WARNING_CODE, type SendData, type SendStep, type SessionEvent } from './types.ts';
import { warning } from './receive.ts';

export type Action =
	| { kind: 'invite'; secret: Uint8Array; expires: number; maxUses: number; role: 'member' | 'listener' }
	| { kind: 'revoke'; key: string }
	| { kind: 'remove'; target: string }
	/** `member.rk`: the first receive key from the code the new member handed out (§4.4). */
	| { kind: 'add'; member: Member }
	| { kind: 'leave' }
	| { kind: 'rekey' }
	| { kind: 'role'; target: string; role: Role }
	| { kind: 'settings'; settings: Settings; name: string; description: string }
	| { kind: 'hide'; seq: number }
	| { kind: 'mute'; target: string; duration: number }
	| { kind: 'unhide'; seq: number }
	| { kind: 'warn'; target: string; text: string }
	| { kind: 'end' }
	/** A moderator answers a join request (§13.8). */
	| { kind: 'approve'; target: string }
	| { kind: 'decline'; target: string };

export const newMid = (): string => toB64(sodium().randombytes_buf(16));

/** This device's standing beyond the log (may.ts): frozen after a failed verification, removed. */
export const standingOf = (session: GroupSession): may.Standing => ({ frozen: Boolean(session.data.frozen), removed: Boolean(session.data.removed) });

/** The group state, when this device may act in the group at all (not frozen, a member, not ended). */
function usable(session: GroupSession) {
	may.enforce(may.usable(session.data.log, session.data.me, standingOf(session)));
	return session.data.log!;
}

/** Builds the op for `action` against the current head and checks it would be accepted. */
export function buildAction(session: GroupSession, action: Action, now: number): Op {
	const log = usable(session);
	const me = session.data.me;
	const signer = { signPk: session.id.signPk, signSk: session.id.signSk };
	let op: Op;
	let secret: Uint8Array | undefined;
	switch (action.kind) {
		case 'invite':
			op = build.buildInvite(log, signer, {
				secret: action.secret,
				expires: action.expires,
				maxUses: action.maxUses,
				role: action.role,
				content: { name: session.data.name, description: session.data.description, inviter: { name: session.data.profiles[me] ?? '' } }
			});
			break;
		case 'revoke':
			op = build.buildRevoke(log, signer, action.key);
			break;
		case 'remove':
			({ op, secret } = build.buildRemove(log, signer, action.target, { rk: pendingReceiveKey(session.data) }));
			break;
		case 'add':
			({ op, secret } = build.buildAdd(log, signer, action.member, { rk: pendingReceiveKey(session.data) }));
			break;
		case 'leave':
			op = build.buildLeave(log, signer);
			break;
		case 'rekey':
			({ op, secret } = build.buildRekey(log, signer, { rk: pendingReceiveKey(session.data) }));
			break;
		case 'role':
			op = build.buildRole(log, signer, action.target, action.role);
			break;
		case 'settings': {
			const meta = session.metaKey(log.epoch);
			if (!meta) throw new ProtocolError('PROTOCOL_BAD_KEYS', 'the current epoch key is not available');
			op = build.buildSettings(log, signer, action.settings, { name: action.name, description: action.description }, meta);
			sodium().memzero(meta);
			break;
		}
		case 'hide':
			op = build.buildHide(log, signer, action.seq);
			break;
		case 'mute':
			op = build.buildMute(log, signer, action.target, action.duration);
			break;
		case 'unhide':
			op = build.buildUnhide(log, signer, action.seq);
			break;
		case 'warn':
			op = build.buildWarn(log, signer, action.target, action.text);
			break;
		case 'end':
			op = build.buildEnd(log, signer);
			break;
		case 'approve':
			({ op, secret } = build.buildApprove(log, signer, action.target, { rk: pendingReceiveKey(session.data) }));
			break;
		case 'decline':
			op = build.buildDecline(log, signer, action.target);
			break;
	}
	// `rk`: the newest key of mine the log does not record yet, else a fresh one: an epoch op built
	// again after a refusal publishes the same key, so refusals cannot push it out of those held (§4.4).
	// The author reads its own epoch secret back from the log like everyone else (§4.2).
	if (secret) sodium().memzero(secret);
	applyOp(log, op, { now, primitives: session.primitives });
	return op;
}

/** Starts my sending side for the current epoch: my chain and a fresh epoch signing key. */
function sendState(session: GroupSession): SendData {
	const { data } = session;
	const epoch = data.log!.epoch;
	if (data.send && data.send.epoch === epoch) return data.send;
	const epochData = data.epochs[String(epoch)];
	if (!epochData?.own) throw new ProtocolError('PROTOCOL_BAD_KEYS', 'no sending key for the current epoch');
	const chain = SenderChain.fromChainKey(fromB64(epochData.own));
	delete epochData.own;
	const esk = newEpochSigningKey();
	data.send = { epoch, chain: chain.toJSON(), eskPk: toB64(esk.eskPk), eskSk: toB64(esk.eskSk) };
	chain.wipe();
	sodium().memzero(esk.eskSk);
	return data.send;
}

function seal(session: GroupSession, send: SendData, content: Content) {
	const chain = SenderChain.fromJSON(send.chain);
	const { ctr, msgKey } = chain.nextSendKey();
	send.chain = chain.toJSON();
	chain.wipe();
	const eskSk = fromB64(send.eskSk);
	// Link to my previous message of the epoch (§5.2) so a backlog verifies with one signature.
	const prev = ctr > 0 && send.link ? fromB64(send.link) : undefined;
	try {
		const sealed = encryptMessage({ group: session.data.group, epoch: send.epoch, sender: session.data.me, ctr, state: session.data.log!.head, content, msgKey, eskSk, prev });
		send.link = toB64(messageLink(sealed.envelope, prev));
		return sealed;
	} finally {
		sodium().memzero(msgKey);
		sodium().memzero(eskSk);
	}
}

/** My send state with this epoch's hello built (carrying my previous epoch's last counter, §5.4). */
function helloState(session: GroupSession): SendData {
	const { data } = session;
	const send = sendState(session);
	if (!send.hello) {
		const prev = data.ownLast && data.ownLast.epoch < send.epoch ? data.ownLast : undefined;
		const hello = buildHello({
			group: data.group,
			epoch: send.epoch,
			sender: data.me,
			senderBoxSk: session.id.boxSk,
			members: Object.values(data.log!.members).map((m) => ({ sign: m.sign, box: m.box })),
			eskPk: fromB64(send.eskPk),
			name: data.profiles[data.me] || 'member',
			...(prev ? { prev } : {})
		});
		send.hello = { mid: newMid(), envelope: seal(session, send, hello).envelope, acked: false };
	}
	return send;
}

/**
 * My hello now, when the session asked for it (`hello-due`: a member new to this epoch should
 * learn my name before my next message), else null. Append it like a `hello` step of `nextStep`
 * and call `helloAcked` once stored.
 */
export function helloStep(session: GroupSession, now: number): SendStep | null {
	const { data } = session;
	if (!data.helloDue) return null;
	const log = usable(session);
	// Muted (§13.3): the hello is a message too; it waits, still due, until the mute ends.
	if (may.mutedUntil(log, data.me, now) !== null) return null;
	// Slow mode (§13.7): likewise, it waits (it goes with my next message at the latest).
	if (may.slowWait(log, data.me, now, data.posts?.[data.me]) > 0) return null;
	if (!may.post(log, data.me).ok || session.rekeyDue(now)) {
		data.helloDue = false;
		return null;
	}
	const send = helloState(session);
	if (send.hello!.acked) {
		data.helloDue = false;
		return null;
	}
	return { kind: 'hello', envelope: send.hello!.envelope, mid: send.hello!.mid };
}

/** The rekey that heals my copy after a key update I could not open (`rekey-due`, §4.2), else null. */
export function recoveryStep(session: GroupSession, now: number): SendStep | null {
	const log = usable(session);
	if (session.data.recover !== log.epoch || !session.rekeyDue(now) || !may.rekey(log, session.data.me).ok) return null;
	return { kind: 'op', op: buildAction(session, { kind: 'rekey' }, now), mid: newMid() };
}

/** The rekey that moves a restored copy to fresh counters (`restored`, §8) before it sends, else null. */
export function restoreStep(session: GroupSession, now: number): SendStep | null {
	const log = usable(session);
	if (!session.data.restored || !session.rekeyDue(now) || !may.post(log, session.data.me).ok) return null;
	return { kind: 'op', op: buildAction(session, { kind: 'rekey' }, now), mid: newMid() };
}

/**
 * My fresh receive key (§4.4) when the current epoch was sealed to one I have since used (or to
 * my box key), else null: a `key` op, sent at once like a hello. Listeners publish too.
 */
export function keyStep(session: GroupSession, now: number): SendStep | null {
	const { data } = session;
	if (!may.keyDue(data.log, data.me, standingOf(session))) return null;
	const log = data.log!;
	const op = build.buildKey(log, { signPk: session.id.signPk, signSk: session.id.signSk }, pendingReceiveKey(data));
	applyOp(log, op, { now, primitives: session.primitives });
	if (data.keyAttempts?.pk !== op.rk) data.keyAttempts = { pk: op.rk, n: 0, online: 0 };
	return { kind: 'op', op, mid: newMid() };
}

/** Failed attempts at one receive key after which, or online time since the first attempt after which, the member is told (§4.4). */
export const KEY_OP_ATTEMPTS = 3;
export const KEY_OP_WAIT_MS = 10 * 60 * 1000;
/** The most one check adds to the online time: a longer gap is sleep or time offline, not waiting (§4.4). */
export const KEY_OP_TICK_MS = 60 * 1000;
/** The largest random pause before a `key` op is built, spreading the members' race after an epoch change (§4.4). */
export const KEY_OP_JITTER_MS = 2000;

/**
 * The relay refused or never answered my `key` op built on `parent` (§4.4). RELAY_CONFLICT and
 * RELAY_STALE_EPOCH naming a head other than `parent` mean another entry won the race: not
 * counted. Anything else (no answer, any other refusal, a conflict that names my own parent as
 * the head) counts.
 */
export function keyFailed(session: GroupSession, pk: string, parent: string, code: string, head?: string): void {
	const tries = session.data.keyAttempts;
	if (!tries || tries.pk !== pk) return;
	if ((code === 'RELAY_CONFLICT' || code === 'RELAY_STALE_EPOCH') && head !== undefined && head !== parent) return;
	tries.n++;
}

/**
 * Called only while online and caught up, before another attempt at my pending `key` op: adds
 * the time since the last check (at most KEY_OP_TICK_MS) to the online time, and raises one
 * warning when KEY_OP_ATTEMPTS attempts failed, or KEY_OP_WAIT_MS of online time passed
 * without the key landing, whatever the relay answered (§4.4).
 */
export function keyStalled(session: GroupSession): SessionEvent[] {
	const { data } = session;
	const tries = data.keyAttempts;
	if (!tries || tries.warned || !may.keyDue(data.log, data.me, standingOf(session))) return [];
	const local = session.clock();
	if (tries.at !== undefined) tries.online = (tries.online ?? 0) + Math.max(0, Math.min(local - tries.at, KEY_OP_TICK_MS));
	tries.at = local;
	if (tries.n < KEY_OP_ATTEMPTS && tries.online < KEY_OP_WAIT_MS) return [];
	tries.warned = true;
	return [warning('tampered-log', WARNING_CODE.keyStalled, 'key-stalled', local, { attempts: tries.n, online: tries.online })];
}

/**
 * Throws when I may not post in this group now: frozen, not (or no longer) a member, ended, a
 * listener, or (given `now`, this device's clock) muted by a moderator (§13.3).
 */
export function assertCanPost(session: GroupSession, now?: number): void {
	may.enforce(may.post(session.data.log, session.data.me, { ...standingOf(session), ...(now === undefined ? {} : { at: now }) }));
}

/**
 * The next entry to append so that `content` gets sent. Call again after each acknowledged
 * step (and after the relay's copy of an op has been received) until it returns a `msg`.
 * Listeners may not post (PROTOCOL_NOT_ALLOWED).
 */
export function nextStep(session: GroupSession, content: Content, now: number): SendStep {
	assertCanPost(session, now);
	if (session.rekeyDue(now)) return { kind: 'op', op: buildAction(session, { kind: 'rekey' }, now), mid: newMid() };
	const send = helloState(session);
	if (!send.hello!.acked) return { kind: 'hello', envelope: send.hello!.envelope, mid: send.hello!.mid };
	const sealed = seal(session, send, content);
	const env = sealed.envelope;
	const step: SendStep = {
		kind: 'msg',
		envelope: env,
		mid: newMid(),
		address: { sender: env.sender, epoch: env.epoch, ctr: env.ctr },
		fk: toB64(sealed.frankingKey),
		body: toB64(sealed.contentBytes)
	};
	sodium().memzero(sealed.frankingKey);
	return step;
}

/** The relay stored this epoch's hello (or already had it: same mid). */
export function helloAcked(session: GroupSession, epoch: number): void {
	const send = session.data.send;
	if (send && send.epoch === epoch && send.hello) {
		send.hello.acked = true;
		session.data.helloDue = false;
	}
}
