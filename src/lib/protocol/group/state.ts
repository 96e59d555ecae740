/**
 * The group state machine (docs/PROTOCOL.md §3): `applyOp(state, op, ctx)` checks one op
 * against the state before it and returns the state after it. Pure and deterministic; crypto is
 * injected through `ctx.primitives` so the relay (node:crypto) and the client (libsodium) run
 * exactly the same rules. Never mutates its input; throws `ProtocolError` with the §3.3 codes.
 */
import * as v from 'valibot';
import { ProtocolError } from '../../core/errors.ts';
import { describeIssues, opSchema, type Op } from '../../core/schema.ts';
import { opHashB64, opInviteSigningBytes, opSigningBytes, raw } from './hash.ts';
import * as may from './may.ts';
import * as rules from './rules.ts';
import type { ApplyContext, GroupState, MemberState } from './types.ts';

export { opHash, opHashB64, opInviteSigningBytes, opSigningBytes, unsignedOp } from './hash.ts';

type EpochOp = Extract<Op, { commit: string }>;

/** Kinds that carry epoch fields (`epoch`, `keys`, `commit`) and start a new epoch. */
export const EPOCH_KINDS: ReadonlySet<Op['kind']> = new Set(['genesis', 'join', 'add', 'remove', 'rekey', 'approve']);

/** While a rekey is pending (after a leave) only these kinds are accepted, besides epoch kinds. */
const ALLOWED_WHILE_REKEY_PENDING: ReadonlySet<Op['kind']> = new Set(['leave', 'revoke', 'end', 'ask', 'key', 'request', 'decline']);

/** Parses an op from `unknown` (wire or storage). Throws PROTOCOL_BAD_FRAME listing the bad paths. */
export function parseOp(value: unknown): Op {
	const result = v.safeParse(opSchema, value);
	if (result.success) return result.output;
	throw new ProtocolError('PROTOCOL_BAD_FRAME', `invalid op: ${describeIssues(result.issues, '(op)')}`);
}

export function isEpochOp(op: Op): op is EpochOp {
	return EPOCH_KINDS.has(op.kind);
}

function verifySignatures(op: Op, ctx: ApplyContext): void {
	const { verify } = ctx.primitives;
	if (!verify(raw(op.sig), opSigningBytes(op), raw(op.author))) {
		throw new ProtocolError('PROTOCOL_BAD_SIGNATURE', `${op.kind} op signature does not verify`);
	}
	if ((op.kind === 'join' || op.kind === 'request') && !verify(raw(op.inviteSig), opInviteSigningBytes(op), raw(op.invite))) {
		throw new ProtocolError('PROTOCOL_BAD_SIGNATURE', `${op.kind} op is not signed by the invite key`);
	}
}

/** §4.2: `epoch = S.epoch + 1` (0 in genesis) and `keys` addressed to exactly the members after the op, sorted by `to`. */
function applyEpochFields(next: GroupState, op: EpochOp, expected: number, now: number): void {
	if (op.epoch !== expected) throw new ProtocolError('PROTOCOL_BAD_EPOCH', `epoch must be ${expected}, got ${op.epoch}`);
	const recipients = op.keys.map((k) => k.to);
	for (let i = 1; i < recipients.length; i++) {
		if (!(recipients[i - 1]! < recipients[i]!)) {
			throw new ProtocolError('PROTOCOL_BAD_KEYS', 'keys must be sorted by recipient, without duplicates');
		}
	}
	const members = Object.keys(next.members).sort();
	if (members.length !== recipients.length || members.some((m, i) => m !== recipients[i])) {
		throw new ProtocolError('PROTOCOL_BAD_KEYS', 'keys must be addressed to exactly the members after the op');
	}
	next.epoch = op.epoch;
	if (op.rk !== undefined) rules.setReceiveKey(next, op.author, op.rk, op.epoch);
	next.commit = op.commit;
	next.epochStartedAt = now;
	next.needsRekey = false;
}

function applyGenesis(op: Extract<Op, { kind: 'genesis' }>, hash: string, ctx: ApplyContext): GroupState {
	const signs = op.members.map((m) => m.sign);
	if (new Set(signs).size !== signs.length) throw new ProtocolError('PROTOCOL_BAD_GENESIS', 'a member is listed twice');
	const creator = op.members.find((m) => m.sign === op.author);
	if (!creator) throw new ProtocolError('PROTOCOL_BAD_GENESIS', 'the creator must be a member');
	rules.requireUsableKeys(op);
	verifySignatures(op, ctx);
	if (op.settings.pair) {
		if (op.members.length !== 2 || op.members.some((m) => m.role !== 'member')) {
			throw new ProtocolError('PROTOCOL_BAD_GENESIS', 'a pair has exactly two members, both with role member');
		}
	} else if (creator.role !== 'admin') {
		throw new ProtocolError('PROTOCOL_BAD_GENESIS', 'the creator of a group is its admin');
	} else if (op.settings.met !== undefined) {
		throw new ProtocolError('PROTOCOL_BAD_GENESIS', 'only a pair’s genesis may carry settings.met');
	}
	const members: Record<string, MemberState> = {};
	for (const m of op.members) members[m.sign] = { sign: m.sign, box: m.box, role: m.role, since: 0, ...(m.rk !== undefined ? { rk: m.rk, rkAt: 0 } : {}) };
	const state: GroupState = {
		group: hash,
		head: hash,
		length: 1,
		epoch: 0,
		commit: op.commit,
		epochStartedAt: ctx.now,
		needsRekey: false,
		ended: false,
		settings: { ...op.settings },
		members,
		invites: {},
		hidden: [],
		lastOpAt: ctx.now
	};
	applyEpochFields(state, op, 0, ctx.now);
	return state;
}

/**
 * Applies one op. `state` is null for the genesis. Checks, in order (§3.3): schema → group →
 * replay → parent (fork) → ended → author membership → usable keys → signatures → rekey pending →
 * kind rule → epoch fields.
 */
export function applyOp(state: GroupState | null, input: Op, ctx: ApplyContext): GroupState {
	const op = parseOp(input);
	const hash = opHashB64(op, ctx.primitives);
	if (op.kind === 'genesis') {
		if (state === null) return applyGenesis(op, hash, ctx);
		if (hash === state.group) throw new ProtocolError('PROTOCOL_REPLAY', 'genesis replayed');
		throw new ProtocolError('PROTOCOL_BAD_GENESIS', 'a genesis can only start a log');
	}
	if (state === null) throw new ProtocolError('PROTOCOL_BAD_GENESIS', 'a log starts with a genesis');
	if (op.group !== state.group) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'op belongs to another group');
	// An op already in the log, or a second child of an earlier op, never names the head.
	if (op.parent !== state.head) {
		const applied = (h: string) => (ctx.seen?.(h) ?? Infinity) <= state.length;
		if (applied(hash)) throw new ProtocolError('PROTOCOL_REPLAY', `${op.kind} op already applied`);
		if (applied(op.parent)) throw new ProtocolError('PROTOCOL_FORK', 'a second op names an already-used parent');
		throw new ProtocolError('PROTOCOL_BAD_PARENT', 'parent is not the head of the log');
	}
	may.enforce(may.author(state, op.kind, op.author, op.kind === 'decline' ? op.target : undefined));
	rules.requireUsableKeys(op);
	verifySignatures(op, ctx);
	if (state.needsRekey && !EPOCH_KINDS.has(op.kind) && !ALLOWED_WHILE_REKEY_PENDING.has(op.kind)) {
		throw new ProtocolError('PROTOCOL_STALE_EPOCH', 'a member left: the next op must start a new epoch');
	}

	const next: GroupState = {
		...state,
		head: hash,
		length: state.length + 1,
		lastOpAt: ctx.now
	};
	switch (op.kind) {
		case 'invite':
			rules.applyInvite(next, op, ctx.now);
			break;
		case 'revoke':
			rules.applyRevoke(next, op);
			break;
		case 'join':
			rules.applyJoin(next, op, ctx.now);
			break;
		case 'add':
			rules.applyAdd(next, op);
			break;
		case 'remove':
			rules.applyRemove(next, op);
			break;
		case 'leave':
			rules.applyLeave(next, op);
			break;
		case 'rekey':
			may.enforce(may.rekey(next, op.author));
			break;
		case 'role':
			rules.applyRole(next, op);
			break;
		case 'settings':
			rules.applySettings(next, op);
			break;
		case 'hide':
			rules.applyHide(next, op);
			break;
		case 'mute':
			rules.applyMute(next, op, ctx.now);
			break;
		case 'unhide':
			rules.applyUnhide(next, op);
			break;
		case 'warn':
			rules.applyWarn(next, op);
			break;
		case 'end':
			rules.applyEnd(next, op);
			break;
		case 'ask':
			rules.applyAsk(next, op);
			break;
		case 'key':
			rules.applyKey(next, op);
			break;
		case 'request':
			rules.applyRequest(next, op, ctx.now);
			break;
		case 'approve':
			rules.applyApprove(next, op);
			break;
		case 'decline':
			rules.applyDecline(next, op);
			break;
	}
	if (isEpochOp(op)) applyEpochFields(next, op, state.epoch + 1, ctx.now);
	return next;
}

/** `ctx.seen` over an index kept as a record (op hash → 1-based position), e.g. in stored session data. */
export const seenIn =
	(index: Readonly<Record<string, number>>) =>
	(hash: string): number | undefined =>
		Object.hasOwn(index, hash) ? index[hash] : undefined;

/** Replays a whole log from its genesis, keeping its own index of op hashes. Throws at the first invalid op. */
export function replayLog(ops: readonly Op[], ctx: (index: number) => ApplyContext): GroupState {
	let state: GroupState | null = null;
	const seen = new Map<string, number>();
	ops.forEach((op, i) => {
		state = applyOp(state, op, { ...ctx(i), seen: (h) => seen.get(h) });
		seen.set(state.head, state.length);
	});
	if (state === null) throw new ProtocolError('PROTOCOL_BAD_GENESIS', 'empty log');
	return state;
}

/** True when the next sender must post a `rekey` first: a member left, or the epoch is older than `settings.rotate`. */
export function rekeyDue(state: GroupState, now: number): boolean {
	if (state.ended) return false;
	if (state.needsRekey) return true;
	return state.settings.rotate > 0 && now - state.epochStartedAt >= state.settings.rotate * 1000;
}
