/**
 * Per-kind rules of the group log (docs/PROTOCOL.md §3.3): who may make each op and what it
 * changes. Each rule receives a fresh shallow copy of the state (`next`) and replaces, never
 * mutates, the nested objects it changes, so the caller's state stays untouched.
 */
import { ed25519KeyIsUsable, x25519KeyIsUsable } from '../../core/curve-checks.ts';
import { fromB64 } from '../../core/bytes.ts';
import { ProtocolError } from '../../core/errors.ts';
import type { Op, Role } from '../../core/schema.ts';
import type { GroupState, MemberState } from './types.ts';

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

const RANK: Record<Role, number> = { listener: 0, member: 1, moderator: 2, admin: 3 };

const notAllowed = (why: string) => new ProtocolError('PROTOCOL_NOT_ALLOWED', why);
const inviteInvalid = (why: string) => new ProtocolError('PROTOCOL_INVITE_INVALID', why);

export const has = (record: object, key: string): boolean => Object.prototype.hasOwnProperty.call(record, key);

function member(state: GroupState, sign: string): MemberState {
	if (!has(state.members, sign)) throw new ProtocolError('PROTOCOL_UNKNOWN_MEMBER', 'target is not a member');
	return state.members[sign]!;
}

function noPairs(state: GroupState, kind: string): void {
	if (state.settings.pair) throw notAllowed(`${kind} is not allowed in a one-to-one pair`);
}

/** Drops `sign` from the pending asks (its role changed, or it is no longer a member). */
function withoutAsk(next: GroupState, sign: string): void {
	if (!next.asks?.includes(sign)) return;
	const asks = next.asks.filter((a) => a !== sign);
	if (asks.length > 0) next.asks = asks;
	else delete next.asks;
}

function withoutMember(next: GroupState, sign: string): void {
	withoutAsk(next, sign);
	const members = { ...next.members };
	delete members[sign];
	next.members = members;
	// A former member knows the secrets of the invites it made: they must not let it back in.
	let invites = next.invites;
	for (const [key, invite] of Object.entries(next.invites)) {
		if (invite.author === sign && !invite.revoked) {
			if (invites === next.invites) invites = { ...next.invites };
			invites[key] = { ...invite, revoked: true };
		}
	}
	next.invites = invites;
}

/**
 * When the last admin leaves a group that still has members, the longest-standing member of the
 * highest remaining role becomes admin, so that the group never loses the power to manage itself
 * and leaving is never blocked (someone in danger must always be able to walk away).
 */
function keepAnAdmin(next: GroupState): void {
	const rest = Object.values(next.members);
	if (rest.length === 0 || rest.some((m) => m.role === 'admin')) return;
	rest.sort((a, b) => RANK[b.role] - RANK[a.role] || a.since - b.since || (a.sign < b.sign ? -1 : 1));
	const heir = rest[0]!;
	next.members = { ...next.members, [heir.sign]: { ...heir, role: 'admin' } };
}

/**
 * Every key an op introduces must be one libsodium accepts (§3.3): Ed25519 keys (author,
 * member.sign, invite key) canonical and not of small order, X25519 box keys not of small order.
 * Checked before signatures so that the relay and every client refuse such an op with the same
 * code, `PROTOCOL_WEAK_KEY`, and no member can join with a key nobody can seal to.
 */
export function requireUsableKeys(op: Op): void {
	const signKeys: [string, string][] = [['author', op.author]];
	const boxKeys: [string, string][] = [];
	const member = (m: { sign: string; box: string }, path: string) => {
		signKeys.push([`${path}.sign`, m.sign]);
		boxKeys.push([`${path}.box`, m.box]);
	};
	if (op.kind === 'genesis') op.members.forEach((m, i) => member(m, `members[${i}]`));
	if (op.kind === 'join' || op.kind === 'add') member(op.member, 'member');
	if (op.kind === 'join') signKeys.push(['invite', op.invite]);
	if (op.kind === 'invite') signKeys.push(['invite.key', op.invite.key]);
	for (const [path, key] of signKeys) {
		if (!ed25519KeyIsUsable(fromB64(key, path))) throw new ProtocolError('PROTOCOL_WEAK_KEY', `${path} is not a usable Ed25519 key`);
	}
	for (const [path, key] of boxKeys) {
		if (!x25519KeyIsUsable(fromB64(key, path))) throw new ProtocolError('PROTOCOL_WEAK_KEY', `${path} is not a usable X25519 key`);
	}
}

export function applyInvite(next: GroupState, op: OpOf<'invite'>, author: MemberState, now: number): void {
	noPairs(next, 'invite');
	const mayInvite = author.role === 'admin' || (next.settings.invite === 'members' && author.role !== 'listener');
	if (!mayInvite) throw notAllowed(`a ${author.role} may not create invites in this group`);
	if (op.invite.role === 'listener' && !next.settings.listeners) throw notAllowed('this group does not allow listeners');
	if (has(next.invites, op.invite.key)) throw notAllowed('invite key already used');
	if (op.invite.expires <= now) throw inviteInvalid('invite is already expired');
	next.invites = {
		...next.invites,
		[op.invite.key]: { key: op.invite.key, author: op.author, expires: op.invite.expires, maxUses: op.invite.maxUses, uses: 0, role: op.invite.role, revoked: false }
	};
}

export function applyRevoke(next: GroupState, op: OpOf<'revoke'>, author: MemberState): void {
	if (!has(next.invites, op.invite)) throw inviteInvalid('unknown invite');
	const invite = next.invites[op.invite]!;
	if (author.role !== 'admin' && invite.author !== op.author) throw notAllowed('only an admin or its author may revoke an invite');
	if (invite.revoked) throw inviteInvalid('invite already revoked');
	next.invites = { ...next.invites, [op.invite]: { ...invite, revoked: true } };
}

export function applyJoin(next: GroupState, op: OpOf<'join'>, now: number): void {
	if (!has(next.invites, op.invite)) throw inviteInvalid('unknown invite');
	const invite = next.invites[op.invite]!;
	if (invite.revoked) throw inviteInvalid('invite was revoked');
	if (now >= invite.expires) throw inviteInvalid('invite expired');
	if (invite.uses >= invite.maxUses) throw inviteInvalid('invite is used up');
	if (invite.role === 'listener' && !next.settings.listeners) throw inviteInvalid('this group no longer allows listeners');
	if (op.member.sign !== op.author) throw notAllowed('a join adds its own author');
	if (op.member.role !== invite.role) throw notAllowed(`this invite grants the role ${invite.role}`);
	next.invites = { ...next.invites, [op.invite]: { ...invite, uses: invite.uses + 1 } };
	next.members = { ...next.members, [op.author]: { ...op.member, since: op.epoch } };
}

export function applyAdd(next: GroupState, op: OpOf<'add'>, author: MemberState): void {
	noPairs(next, 'add');
	if (author.role !== 'admin') throw notAllowed('only an admin may add a member');
	if (has(next.members, op.member.sign)) throw notAllowed('already a member');
	next.members = { ...next.members, [op.member.sign]: { ...op.member, since: op.epoch } };
}

export function applyRemove(next: GroupState, op: OpOf<'remove'>, author: MemberState): void {
	const target = member(next, op.target);
	if (op.target === op.author) throw notAllowed('use leave to remove yourself');
	const may = author.role === 'admin' || (author.role === 'moderator' && RANK[target.role] <= RANK.member);
	if (!may) throw notAllowed(`a ${author.role} may not remove a ${target.role}`);
	withoutMember(next, op.target);
}

export function applyLeave(next: GroupState, op: OpOf<'leave'>): void {
	if (next.settings.pair) throw notAllowed('end the pair instead of leaving it');
	withoutMember(next, op.author);
	keepAnAdmin(next);
	// The leaver knows the current epoch secret and must not choose the next one.
	next.needsRekey = true;
}

export function applyRole(next: GroupState, op: OpOf<'role'>, author: MemberState): void {
	noPairs(next, 'role');
	const target = member(next, op.target);
	if (target.role === op.role) throw notAllowed(`already a ${op.role}`);
	const self = op.target === op.author;
	if (author.role === 'admin') {
		const admins = Object.values(next.members).filter((m) => m.role === 'admin').length;
		if (self && admins === 1) throw notAllowed('the last admin may not demote themself');
	} else if (!self) {
		throw notAllowed('only an admin may change another member\'s role');
	} else if (RANK[op.role] > RANK[target.role]) {
		const mayStartSpeaking = target.role === 'listener' && op.role === 'member' && next.settings.listenersMaySpeak;
		if (!mayStartSpeaking) throw notAllowed(`a ${target.role} may not raise their own role to ${op.role}`);
	}
	next.members = { ...next.members, [op.target]: { ...target, role: op.role } };
	withoutAsk(next, op.target);
}

/**
 * A listener asks to speak. Nothing changes but the pending request, which the next role
 * change of that listener clears. At most one pending ask per listener: asking again before an
 * answer is PROTOCOL_NOT_ALLOWED (the rules are the rate limit, so the relay enforces it too).
 */
export function applyAsk(next: GroupState, op: OpOf<'ask'>, author: MemberState): void {
	noPairs(next, 'ask');
	if (author.role !== 'listener') throw notAllowed('only a listener asks to speak');
	if (next.asks?.includes(op.author)) throw notAllowed('you have already asked to speak; an admin will answer');
	next.asks = [...(next.asks ?? []), op.author];
}

export function applySettings(next: GroupState, op: OpOf<'settings'>, author: MemberState): void {
	noPairs(next, 'settings');
	if (author.role !== 'admin') throw notAllowed('only an admin may change settings');
	if (op.settings.pair !== next.settings.pair) throw notAllowed('settings.pair never changes');
	next.settings = { ...op.settings };
}

export function applyHide(next: GroupState, op: OpOf<'hide'>, author: MemberState): void {
	if (RANK[author.role] < RANK.moderator) throw notAllowed('only a moderator or an admin may hide a message');
	if (!next.hidden.includes(op.target)) next.hidden = [...next.hidden, op.target];
}

export function applyEnd(next: GroupState): void {
	if (!next.settings.pair) throw notAllowed('only a one-to-one pair can be ended');
	next.ended = true;
}
