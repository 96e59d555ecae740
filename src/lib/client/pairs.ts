/**
 * One-to-one pairs (sponsor and mentee, PROTOCOL §3.3 and §7.1): a group of exactly two with no
 * admin, created from a pair code. One side offers a code (the public keys of a fresh
 * pseudonym made for this pair); the other creates the pair with it and hands back the pair's
 * id; the first accepts. Either side can end it, after which neither can send.
 */
import type { ClientCore } from './core.ts';
import { RelayError } from './connection.ts';
import { GroupHandle } from './group.ts';
import { runDue } from './due.ts';
import { foundGroup } from './joining.ts';
import { attach } from './subscriptions.ts';
import { keys, putJson } from './store.ts';
import { fromB64 } from '../core/bytes.ts';
import { ProtocolError } from '../core/errors.ts';
import { buildPair } from '../protocol/group/build.ts';
import { GroupSession } from '../protocol/session/session.ts';
import type { GroupState } from '../protocol/group/types.ts';
import { holdReceiveKey, newReceiveKeyPair } from '../protocol/session/receive-keys.ts';
import { identityMember } from '../crypto/identity.ts';
import { requireBoxKey } from '../crypto/box-key.ts';

const PREFIX = 'unseen-pair-2.';
/** Codes made before receive keys (§7.1): no first receive key. */
const PREFIX_V1 = 'unseen-pair-1.';
const KEY = /^[A-Za-z0-9_-]{43}$/;

/**
 * The keys in a pair code: `unseen-pair-2.<sign pk>.<box pk>.<receive pk>` (base64url, 32 bytes
 * each), or the older `unseen-pair-1.<sign pk>.<box pk>` without a first receive key (§7.1).
 */
export function parsePairCode(code: string): { sign: string; box: string; rk?: string } {
	const text = code.trim();
	const version = text.startsWith(PREFIX) ? 2 : text.startsWith(PREFIX_V1) ? 1 : 0;
	const parts = version ? text.slice(PREFIX.length).split('.') : [];
	const [sign, box, rk] = parts;
	if (parts.length !== version + 1 || !sign || !box || !KEY.test(sign) || !KEY.test(box) || (version === 2 && (!rk || !KEY.test(rk)))) {
		throw new ProtocolError('PROTOCOL_BAD_FRAME', 'that is not a pair code');
	}
	requireBoxKey(fromB64(box), 'pair code');
	if (rk === undefined) return { sign, box };
	requireBoxKey(fromB64(rk), 'pair code');
	return { sign, box, rk };
}

/**
 * Makes a fresh pseudonym for a pair and returns its code; the pseudonym waits for `acceptPair`.
 * The code carries a fresh first receive key (§4.4), so that the pair's first epoch is not
 * sealed to the pseudonym's long-term box key.
 */
export async function offerPair(core: ClientCore): Promise<string> {
	const { device } = core.requireDevice();
	const nonce = device.newNonce();
	const member = identityMember(device.identity(nonce), 'member');
	const rk = newReceiveKeyPair();
	device.offers[member.sign] = nonce;
	device.offerKeys[member.sign] = rk;
	await putJson(core.store, keys.device, device.toJSON());
	return `${PREFIX}${member.sign}.${member.box}.${rk.pk}`;
}

/**
 * Creates a pair with the person whose code this is; returns the pair's id to give back to them.
 * `met`: the genesis tag of the group where we met (§3.2), for a pair made from a request there.
 */
export async function createPair(core: ClientCore, code: string, pseudonym: string, met?: string): Promise<string> {
	const { device } = core.requireDevice();
	const other = parsePairCode(code);
	const nonce = device.newNonce();
	const id = device.identity(nonce);
	if (other.sign === identityMember(id, 'member').sign || device.offers[other.sign]) {
		throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'this pair code was made on this device');
	}
	return foundGroup(core, nonce, id, (rk) => buildPair(id, other, { name: '', description: '', profile: { name: pseudonym } }, { rk }, met));
}

/**
 * Joins the pair `group` created from my `code`, as `pseudonym`. `check`, when given, must hold
 * for the pair's log before anything is kept or sent (the sponsor's bind, §6.3).
 */
export async function acceptPair(core: ClientCore, group: string, code: string, pseudonym: string, check?: (log: GroupState, me: string) => boolean): Promise<string> {
	const { device, primitives } = core.requireDevice();
	const { sign } = parsePairCode(code);
	if (core.groups.has(group)) return group;
	const nonce = device.offers[sign];
	if (!nonce) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'this pair code was not made on this device, or was already used');
	if (!KEY.test(group)) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'that is not a pair id');
	const session = GroupSession.create(group, nonce, device.identity(nonce), primitives, core.sessionOptions);
	session.data.profiles[session.me] = pseudonym;
	// The first receive key of my code: the genesis seals my copy of its epoch secret to it (§7.1).
	const offered = device.offerKeys[sign];
	if (offered) holdReceiveKey(session.data, offered);
	const g = GroupHandle.fresh(core.store, session);
	let onRefused: (error: RelayError) => void = () => undefined;
	const refused = new Promise<RelayError>((resolve) => (onRefused = resolve));
	await attach(core, g, (error) => onRefused(error));
	const outcome = await Promise.race([g.waitFor(1, 10_000), refused]);
	const log = session.state;
	if (outcome !== true || !log?.settings.pair || !log.members[session.me] || (check && !check(log, session.me))) {
		core.conn.removeKey(session.me);
		core.groups.delete(group);
		throw outcome instanceof RelayError ? outcome : new ProtocolError('PROTOCOL_UNKNOWN_MEMBER', 'no pair with this code was found under that id');
	}
	device.remember(group, nonce);
	delete device.offers[sign];
	delete device.offerKeys[sign];
	await putJson(core.store, keys.device, device.toJSON());
	// My name reaches the other side in my hello: send it now rather than with my first message.
	session.data.helloDue = true;
	await g.save();
	core.emit({ type: 'groups' });
	await runDue(core, g);
	return group;
}
