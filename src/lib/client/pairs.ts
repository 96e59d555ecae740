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
import { identityMember } from '../crypto/identity.ts';
import { requireBoxKey } from '../crypto/box-key.ts';

const PREFIX = 'unseen-pair-1.';
const KEY = /^[A-Za-z0-9_-]{43}$/;

/** The keys in a pair code: `unseen-pair-1.<sign pk>.<box pk>` (base64url, 32 bytes each). */
export function parsePairCode(code: string): { sign: string; box: string } {
	const parts = code.trim().startsWith(PREFIX) ? code.trim().slice(PREFIX.length).split('.') : [];
	const [sign, box] = parts;
	if (parts.length !== 2 || !sign || !box || !KEY.test(sign) || !KEY.test(box)) {
		throw new ProtocolError('PROTOCOL_BAD_FRAME', 'that is not a pair code');
	}
	requireBoxKey(fromB64(box), 'pair code');
	return { sign, box };
}

/** Makes a fresh pseudonym for a pair and returns its code; the pseudonym waits for `acceptPair`. */
export async function offerPair(core: ClientCore): Promise<string> {
	const { device } = core.requireDevice();
	const nonce = device.newNonce();
	const member = identityMember(device.identity(nonce), 'member');
	device.offers[member.sign] = nonce;
	await putJson(core.store, keys.device, device.toJSON());
	return `${PREFIX}${member.sign}.${member.box}`;
}

/** Creates a pair with the person whose code this is; returns the pair's id to give back to them. */
export async function createPair(core: ClientCore, code: string, pseudonym: string): Promise<string> {
	const { device } = core.requireDevice();
	const other = parsePairCode(code);
	const nonce = device.newNonce();
	const id = device.identity(nonce);
	if (other.sign === identityMember(id, 'member').sign || device.offers[other.sign]) {
		throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'this pair code was made on this device');
	}
	return foundGroup(core, nonce, id, (rk) => buildPair(id, other, { name: '', description: '', profile: { name: pseudonym } }, { rk }));
}

/** Joins the pair `group` created from my `code`, as `pseudonym`. */
export async function acceptPair(core: ClientCore, group: string, code: string, pseudonym: string): Promise<string> {
	const { device, primitives } = core.requireDevice();
	const { sign } = parsePairCode(code);
	if (core.groups.has(group)) return group;
	const nonce = device.offers[sign];
	if (!nonce) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'this pair code was not made on this device, or was already used');
	if (!KEY.test(group)) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'that is not a pair id');
	const session = GroupSession.create(group, nonce, device.identity(nonce), primitives, core.sessionOptions);
	session.data.profiles[session.me] = pseudonym;
	const g = GroupHandle.fresh(core.store, session);
	let onRefused: (error: RelayError) => void = () => undefined;
	const refused = new Promise<RelayError>((resolve) => (onRefused = resolve));
	await attach(core, g, (error) => onRefused(error));
	const outcome = await Promise.race([g.waitFor(1, 10_000), refused]);
	const log = session.state;
	if (outcome !== true || !log?.settings.pair || !log.members[session.me]) {
		core.conn.removeKey(session.me);
		core.groups.delete(group);
		throw outcome instanceof RelayError ? outcome : new ProtocolError('PROTOCOL_UNKNOWN_MEMBER', 'no pair with this code was found under that id');
	}
	device.remember(group, nonce);
	delete device.offers[sign];
	await putJson(core.store, keys.device, device.toJSON());
	// My name reaches the other side in my hello: send it now rather than with my first message.
	session.data.helloDue = true;
	await g.save();
	core.emit({ type: 'groups' });
	await runDue(core, g);
	return group;
}
