/**
 * Op builders (client side, libsodium): each returns a signed op ready to append, and for ops
 * that start an epoch the fresh epoch secret, for the author's own key derivation (pass it to
 * `deriveEpochKeys`, which wipes it). Builders do not check the rules: `rebaseOp` and the relay
 * run `applyOp` on what they produce. Optional `secret` / `nonce` inputs exist for known-answer
 * vectors only.
 */
import { toB64 } from '../../core/bytes.ts';
import { ProtocolError } from '../../core/errors.ts';
import { LABEL } from '../../core/labels.ts';
import type { Member, Op, Role, Settings } from '../../core/schema.ts';
import { kdf } from '../../crypto/chain.ts';
import { groupContext, newEpochSecret, sealEpochKeys } from '../../crypto/epoch.ts';
import { inviteKeys, sealInviteBody, wipeInviteKeys, type InviteBody } from '../../crypto/invite.ts';
import { sodium } from '../../crypto/sodium.ts';
import { sealWarn } from '../../crypto/warn-note.ts';
import { MAX_REQUEST_READERS, sealRequest, type RequestNote } from '../../crypto/join-request.ts';
import { RANK } from './may.ts';
import { encryptOpBody, type OpBody } from './body.ts';
import { opInviteSigningBytes, opSigningBytes } from './hash.ts';
import type { GroupState } from './types.ts';

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

export interface Signer {
	signPk: Uint8Array;
	signSk: Uint8Array;
}

export interface Boxed extends Signer {
	boxPk: Uint8Array;
}

export interface BuildOptions {
	/** Author's clock (ms); informational. Defaults to Date.now(). */
	at?: number;
	/** Epoch secret to use instead of a random one (vectors only). */
	secret?: Uint8Array;
	/** Body AEAD nonce instead of a random one (vectors only). */
	nonce?: Uint8Array;
	/**
	 * Epoch ops: the author's fresh receive key (public half, §4.4), published as `rk`; the
	 * author's own copy of the secret is sealed to it. Without it the op has no `rk`.
	 */
	rk?: Uint8Array;
}

export interface EpochBuild<K extends Op['kind']> {
	op: OpOf<K>;
	/** The new epoch's secret. The caller derives its keys from it and wipes it. */
	secret: Uint8Array;
}

/** Fills in `sig` (the author's signature over the op without `sig` and `inviteSig`). */
export function signOp<T extends Op>(op: Omit<T, 'sig'>, signer: Signer): T {
	const withSig = { ...op, sig: '' } as T;
	withSig.sig = toB64(sodium().crypto_sign_detached(opSigningBytes(withSig), signer.signSk));
	return withSig;
}

function chained<K extends Op['kind']>(state: GroupState, kind: K, signer: Signer, opts: BuildOptions) {
	return { v: 1 as const, kind, group: state.group, parent: state.head, author: toB64(signer.signPk), at: opts.at ?? Date.now() };
}

function membersOf(state: GroupState): Member[] {
	return Object.values(state.members).map((m) => ({ sign: m.sign, box: m.box, role: m.role }));
}

/** Meta key of an epoch whose secret the caller still needs (does not wipe `secret`). */
export function metaKeyOf(secret: Uint8Array, group: string): Uint8Array {
	return kdf(secret, LABEL.epochMeta, groupContext(group));
}

/**
 * The key each member's copy of an epoch secret is sealed to (§4.2): the author's fresh `rk`,
 * else the member's published receive key, else the first receive key its entry carries (a
 * member this op adds), else its box key.
 */
export function sealTargets(state: GroupState | null, members: readonly Member[], author: string, rk: Uint8Array | undefined): { sign: string; box: string }[] {
	return members.map((m) => {
		if (m.sign === author && rk) return { sign: m.sign, box: toB64(rk) };
		const known = state && Object.prototype.hasOwnProperty.call(state.members, m.sign) ? state.members[m.sign]!.rk : undefined;
		return { sign: m.sign, box: known ?? m.rk ?? m.box };
	});
}

function epochFields(state: GroupState, members: readonly Member[], author: string, opts: BuildOptions) {
	const secret = opts.secret ?? newEpochSecret();
	const fields = sealEpochKeys(secret, state.epoch + 1, state.group, sealTargets(state, members, author, opts.rk));
	return { secret, fields: opts.rk ? { ...fields, rk: toB64(opts.rk) } : fields };
}

export interface GenesisParams {
	settings: Settings;
	/** Members besides the creator (exactly one for a pair). */
	others?: Member[];
	content: OpBody<'genesis'>;
	/** 32-byte genesis nonce (vectors only; random otherwise). */
	genesisNonce?: Uint8Array;
}

export function buildGenesis(creator: Boxed, params: GenesisParams, opts: BuildOptions = {}): EpochBuild<'genesis'> {
	const na = sodium();
	const role: Role = params.settings.pair ? 'member' : 'admin';
	const members: Member[] = [{ sign: toB64(creator.signPk), box: toB64(creator.boxPk), role }, ...(params.others ?? [])];
	const secret = opts.secret ?? newEpochSecret();
	const author = toB64(creator.signPk);
	const sealed = sealEpochKeys(secret, 0, '', sealTargets(null, members, author, opts.rk));
	const fields = opts.rk ? { ...sealed, rk: toB64(opts.rk) } : sealed;
	const metaKey = metaKeyOf(secret, '');
	const body = encryptOpBody(metaKey, params.content, { group: '', kind: 'genesis', author, epoch: 0 }, opts.nonce);
	na.memzero(metaKey);
	const nonce = params.genesisNonce ?? na.randombytes_buf(32);
	const op = signOp<OpOf<'genesis'>>(
		{ v: 1, kind: 'genesis', author, at: opts.at ?? Date.now(), nonce: toB64(nonce), settings: { ...params.settings }, members, ...fields, body },
		creator
	);
	return { op, secret };
}

/**
 * A one-to-one pair (sponsor and mentee): exactly two members, no admin, no invites. `met`: the
 * tag of the group where the two met (§3.2), absent for a pair made from an out-of-band code.
 */
export function buildPair(creator: Boxed, other: { sign: string; box: string; rk?: string }, content: OpBody<'genesis'>, opts: BuildOptions = {}, met?: string): EpochBuild<'genesis'> {
	const settings: Settings = { retention: 0, rotate: 0, invite: 'admins', listeners: false, listenersMaySpeak: false, pair: true, ...(met !== undefined ? { met } : {}) };
	return buildGenesis(creator, { settings, others: [{ ...other, role: 'member' }], content }, opts);
}

export interface InviteParams {
	secret: Uint8Array;
	expires: number;
	maxUses: number;
	role: 'member' | 'listener';
	content: InviteBody;
}

export function buildInvite(state: GroupState, author: Signer, params: InviteParams, opts: BuildOptions = {}): OpOf<'invite'> {
	const keys = inviteKeys(params.secret, state.group);
	try {
		const invite = { key: toB64(keys.signPk), expires: params.expires, maxUses: params.maxUses, role: params.role };
		const body = sealInviteBody(keys, state.group, params.content, opts.nonce);
		return signOp<OpOf<'invite'>>({ ...chained(state, 'invite', author, opts), invite, body }, author);
	} finally {
		wipeInviteKeys(keys);
	}
}

export function buildRevoke(state: GroupState, author: Signer, inviteKey: string, opts: BuildOptions = {}): OpOf<'revoke'> {
	return signOp<OpOf<'revoke'>>({ ...chained(state, 'revoke', author, opts), invite: inviteKey }, author);
}

/** The newcomer's join, signed by its new identity and co-signed by the invite key (§7). */
export function buildJoin(
	state: GroupState,
	joiner: Boxed,
	inviteSecret: Uint8Array,
	content: OpBody<'join'>,
	opts: BuildOptions = {}
): EpochBuild<'join'> {
	const keys = inviteKeys(inviteSecret, state.group);
	try {
		const { inviteKey, member } = invitedMember(state, keys.signPk, joiner);
		const { secret, fields } = epochFields(state, [...membersOf(state), member], member.sign, opts);
		const metaKey = metaKeyOf(secret, state.group);
		const body = encryptOpBody(metaKey, content, { group: state.group, kind: 'join', author: member.sign, epoch: fields.epoch }, opts.nonce);
		sodium().memzero(metaKey);
		const unsigned = { ...chained(state, 'join', joiner, opts), member, invite: inviteKey, ...fields, body };
		const op = signOp<OpOf<'join'>>({ ...unsigned, inviteSig: '' } as Omit<OpOf<'join'>, 'sig'>, joiner);
		op.inviteSig = toB64(sodium().crypto_sign_detached(opInviteSigningBytes(op), keys.signSk));
		return { op, secret };
	} finally {
		wipeInviteKeys(keys);
	}
}

/**
 * The box keys a join request is sealed to (§13.8): every moderator and admin of `state`, highest
 * role first, then the lowest `since`, then the smallest `sign`, at most MAX_REQUEST_READERS.
 */
export function requestReaders(state: GroupState): string[] {
	return Object.values(state.members)
		.filter((m) => RANK[m.role] >= RANK.moderator)
		.sort((a, b) => RANK[b.role] - RANK[a.role] || a.since - b.since || (a.sign < b.sign ? -1 : 1))
		.slice(0, MAX_REQUEST_READERS)
		.map((m) => m.box);
}

/**
 * The newcomer's request to join a group with approval (§13.8): signed by its new identity,
 * co-signed by the invite key, no epoch fields; `rk` its first receive key (public half), to
 * which the approving epoch is sealed; the name and note sealed to the moderators.
 */
export function buildRequest(state: GroupState, joiner: Boxed, inviteSecret: Uint8Array, rk: Uint8Array, note: RequestNote, opts: BuildOptions = {}): OpOf<'request'> {
	const keys = inviteKeys(inviteSecret, state.group);
	try {
		const { inviteKey, member } = invitedMember(state, keys.signPk, joiner);
		const fixed = opts.secret && opts.nonce ? { key: opts.secret, nonce: opts.nonce } : undefined;
		const body = sealRequest(state.group, member.sign, inviteKey, note, requestReaders(state), fixed);
		const unsigned = { ...chained(state, 'request', joiner, opts), member, invite: inviteKey, rk: toB64(rk), body };
		const op = signOp<OpOf<'request'>>({ ...unsigned, inviteSig: '' } as Omit<OpOf<'request'>, 'sig'>, joiner);
		op.inviteSig = toB64(sodium().crypto_sign_detached(opInviteSigningBytes(op), keys.signSk));
		return op;
	} finally {
		wipeInviteKeys(keys);
	}
}

/**
 * A moderator lets the pending requester `target` in (§13.8): a new epoch sealed to every member
 * and to the request's `rk`.
 */
export function buildApprove(state: GroupState, author: Signer, target: string, opts: BuildOptions = {}): EpochBuild<'approve'> {
	const waiting = state.pending && Object.prototype.hasOwnProperty.call(state.pending, target) ? state.pending[target]! : undefined;
	if (!waiting) throw new ProtocolError('PROTOCOL_UNKNOWN_MEMBER', 'nobody with this key is waiting to join');
	const newcomer: Member = { sign: target, box: waiting.box, role: waiting.role, rk: waiting.rk };
	const { secret, fields } = epochFields(state, [...membersOf(state), newcomer], toB64(author.signPk), opts);
	return { op: signOp<OpOf<'approve'>>({ ...chained(state, 'approve', author, opts), target, ...fields }, author), secret };
}

/** A moderator declines the pending request of `target`, or the requester withdraws its own (§13.8). */
export function buildDecline(state: GroupState, author: Signer, target: string, opts: BuildOptions = {}): OpOf<'decline'> {
	return signOp<OpOf<'decline'>>({ ...chained(state, 'decline', author, opts), target }, author);
}

export function buildAdd(state: GroupState, author: Signer, member: Member, opts: BuildOptions = {}): EpochBuild<'add'> {
	const { secret, fields } = epochFields(state, [...membersOf(state), member], toB64(author.signPk), opts);
	return { op: signOp<OpOf<'add'>>({ ...chained(state, 'add', author, opts), member, ...fields }, author), secret };
}

export function buildRemove(state: GroupState, author: Signer, target: string, opts: BuildOptions = {}): EpochBuild<'remove'> {
	const rest = membersOf(state).filter((m) => m.sign !== target);
	const { secret, fields } = epochFields(state, rest, toB64(author.signPk), opts);
	return { op: signOp<OpOf<'remove'>>({ ...chained(state, 'remove', author, opts), target, ...fields }, author), secret };
}

export function buildRekey(state: GroupState, author: Signer, opts: BuildOptions = {}): EpochBuild<'rekey'> {
	const { secret, fields } = epochFields(state, membersOf(state), toB64(author.signPk), opts);
	return { op: signOp<OpOf<'rekey'>>({ ...chained(state, 'rekey', author, opts), ...fields }, author), secret };
}

export function buildLeave(state: GroupState, author: Signer, opts: BuildOptions = {}): OpOf<'leave'> {
	return signOp<OpOf<'leave'>>(chained(state, 'leave', author, opts), author);
}

export function buildRole(state: GroupState, author: Signer, target: string, role: Role, opts: BuildOptions = {}): OpOf<'role'> {
	return signOp<OpOf<'role'>>({ ...chained(state, 'role', author, opts), target, role }, author);
}

/** `metaKey` is the current epoch's meta key: the new name and description are sealed under it. */
export function buildSettings(
	state: GroupState,
	author: Signer,
	settings: Settings,
	content: OpBody<'settings'>,
	metaKey: Uint8Array,
	opts: BuildOptions = {}
): OpOf<'settings'> {
	const base = chained(state, 'settings', author, opts);
	const body = encryptOpBody(metaKey, content, { group: state.group, kind: 'settings', author: base.author, epoch: state.epoch }, opts.nonce);
	return signOp<OpOf<'settings'>>({ ...base, settings: { ...settings }, body }, author);
}

/** Hides message `seq` for everyone; an optional reason is sealed under the current meta key. */
export function buildHide(
	state: GroupState,
	author: Signer,
	seq: number,
	reason?: { text: string; metaKey: Uint8Array },
	opts: BuildOptions = {}
): OpOf<'hide'> {
	const base = chained(state, 'hide', author, opts);
	const body = reason
		? encryptOpBody(reason.metaKey, { reason: reason.text }, { group: state.group, kind: 'hide', author: base.author, epoch: state.epoch }, opts.nonce)
		: undefined;
	return signOp<OpOf<'hide'>>({ ...base, target: seq, ...(body === undefined ? {} : { body }) }, author);
}

/** Shows message `seq` again for everyone (§13.4). */
export function buildUnhide(state: GroupState, author: Signer, seq: number, opts: BuildOptions = {}): OpOf<'unhide'> {
	return signOp<OpOf<'unhide'>>({ ...chained(state, 'unhide', author, opts), target: seq }, author);
}

/** A private note to one member, sealed to them and every moderator and admin (§13.5). */
export function buildWarn(state: GroupState, author: Signer, target: string, text: string, opts: BuildOptions = {}): OpOf<'warn'> {
	const base = chained(state, 'warn', author, opts);
	const member = state.members[target];
	if (!member) throw new ProtocolError('PROTOCOL_UNKNOWN_MEMBER', 'that person is not in the group');
	if (target === base.author) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'a moderator does not send a note to themself');
	const readers = [member.box, ...Object.values(state.members).filter((m) => m.role === 'moderator' || m.role === 'admin').map((m) => m.box)];
	const fixed = opts.secret && opts.nonce ? { key: opts.secret, nonce: opts.nonce } : undefined;
	const body = sealWarn(state.group, base.author, { target, text }, readers, fixed);
	return signOp<OpOf<'warn'>>({ ...base, body }, author);
}

export function buildEnd(state: GroupState, author: Signer, opts: BuildOptions = {}): OpOf<'end'> {
	return signOp<OpOf<'end'>>(chained(state, 'end', author, opts), author);
}

/** A moderator mutes `target` for `duration` seconds of relay time, 0 lifting it (§13.3): nothing sealed. */
export function buildMute(state: GroupState, author: Signer, target: string, duration: number, opts: BuildOptions = {}): OpOf<'mute'> {
	return signOp<OpOf<'mute'>>({ ...chained(state, 'mute', author, opts), target, duration }, author);
}

/** A listener's request to speak (§3.3): no body, nothing sealed. */
export function buildAsk(state: GroupState, author: Signer, opts: BuildOptions = {}): OpOf<'ask'> {
	return signOp<OpOf<'ask'>>(chained(state, 'ask', author, opts), author);
}

/** Publishes the author's fresh receive key `rk` (public half) in the current epoch (§4.4). */
export function buildKey(state: GroupState, author: Signer, rk: Uint8Array, opts: BuildOptions = {}): OpOf<'key'> {
	return signOp<OpOf<'key'>>({ ...chained(state, 'key', author, opts), epoch: state.epoch, rk: toB64(rk) }, author);
}

/** The invite (from the invite's sign key) a joiner or requester uses, and the member record it asks for. */
function invitedMember(state: GroupState, invitePk: Uint8Array, joiner: Boxed): { inviteKey: string; member: Member } {
	const inviteKey = toB64(invitePk);
	const invite = Object.prototype.hasOwnProperty.call(state.invites, inviteKey) ? state.invites[inviteKey] : undefined;
	if (!invite) throw new ProtocolError('PROTOCOL_INVITE_INVALID', 'this invite is not in the group log');
	return { inviteKey, member: { sign: toB64(joiner.signPk), box: toB64(joiner.boxPk), role: invite.role } };
}
