/**
 * Creating a group and joining one with an invite link (§7). Both make a fresh pseudonymous
 * identity from the device root, append the first op as that identity, and attach the group.
 */
import type { CreateGroupOptions } from './api.ts';
import type { ClientCore } from './core.ts';
import { RelayError } from './connection.ts';
import { GroupHandle } from './group.ts';
import { fetchInvite, type FetchedInvite } from './invites.ts';
import { attach } from './subscriptions.ts';
import { jsonPut, keys, prefixDeletes, putJson } from './store.ts';
import { buildGenesis, buildJoin, buildRequest, type EpochBuild } from '../protocol/group/build.ts';
import { opHashB64 } from '../protocol/group/state.ts';
import { GroupSession } from '../protocol/session/session.ts';
import { newMid } from '../protocol/session/send.ts';
import { holdReceiveKey, makeReceiveKey, newReceiveKeyPair } from '../protocol/session/receive-keys.ts';
import { fromB64 } from '../core/bytes.ts';
import type { Identity } from '../crypto/identity.ts';
import { sodium } from '../crypto/sodium.ts';

/** Default scheduled key rotation for new groups (P5): weekly. */
export const DEFAULT_ROTATE_SECONDS = 7 * 24 * 60 * 60;

const JOIN_ATTEMPTS = 8;
/** After a RELAY_CONFLICT, members are likely still publishing their receive keys (§4.4): let them land. */
const JOIN_RETRY_MS = 150;

export async function createGroup(core: ClientCore, options: CreateGroupOptions): Promise<string> {
	const { device } = core.requireDevice();
	const nonce = device.newNonce();
	const id = device.identity(nonce);
	const settings = { retention: options.retention, rotate: options.rotate ?? DEFAULT_ROTATE_SECONDS, invite: options.invite, listeners: options.listeners, listenersMaySpeak: options.listenersMaySpeak, pair: false };
	return foundGroup(core, nonce, id, (rk) => buildGenesis(id, { settings, content: { name: options.name, description: options.description, profile: { name: options.pseudonym } } }, { rk }));
}

/**
 * The common start of a group this device founds (a circle or a pair): appends its genesis as
 * the fresh identity `id` made from `nonce`, remembers the nonce, and attaches the group once
 * the relay has stored the genesis. The genesis' epoch secret is not kept: the session derives
 * its keys from the op when it arrives. Returns the group's id.
 */
export async function foundGroup(core: ClientCore, nonce: string, id: Identity, genesis: (rk: Uint8Array) => EpochBuild<'genesis'>): Promise<string> {
	const { device, primitives } = core.requireDevice();
	// My copy of the first epoch is sealed to a fresh receive key, never to my box key (§4.4).
	const rk = newReceiveKeyPair();
	const { op, secret } = genesis(fromB64(rk.pk));
	sodium().memzero(secret);
	const group = opHashB64(op, primitives);
	const session = GroupSession.create(group, nonce, id, primitives, core.sessionOptions);
	holdReceiveKey(session.data, rk);
	const g = GroupHandle.fresh(core.store, session);
	core.addKey(g);
	await core.conn.ready(g.session.me);
	await core.conn.of(g.session.me).request({ t: 'append', group, mid: newMid(), entry: { op } });
	device.remember(group, nonce);
	await putJson(core.store, keys.device, device.toJSON());
	await attach(core, g);
	await g.waitFor(1);
	await g.save();
	core.emit({ type: 'groups' });
	return group;
}

/** A join op (§7): the epoch secret it starts is not kept; the session reads it back from the log. */
function joinOp(session: GroupSession, id: Identity, inviteSecret: Uint8Array, pseudonym: string) {
	const { op, secret } = buildJoin(session.state!, id, inviteSecret, { profile: { name: pseudonym } }, { rk: makeReceiveKey(session.data) });
	sodium().memzero(secret);
	return op;
}

export async function joinWithInvite(core: ClientCore, link: string, pseudonym: string, note?: string): Promise<string> {
	const { device, primitives } = core.requireDevice();
	let fetched: FetchedInvite | null = null;
	for (let attempt = 0; attempt < JOIN_ATTEMPTS; attempt++) {
		// A fresh keyless connection: the relay cannot tie the invite to any of my pseudonyms (P9).
		fetched = await core.conn.once((conn) => fetchInvite(conn, link, primitives));
		const group = fetched.preview.group;
		const existing = core.groups.get(group);
		if (existing && !existing.session.data.removed) {
			sodium().memzero(fetched.secret);
			return group;
		}
		const nonce = device.newNonce();
		const id = device.identity(nonce);
		const session = GroupSession.create(group, nonce, id, primitives, core.sessionOptions);
		session.replayInviteLog(fetched.ops);
		session.data.name = fetched.preview.name;
		session.data.description = fetched.preview.description;
		// Names travel in hellos; until the inviter speaks, the invite body is how we know theirs.
		if (fetched.preview.inviterName) session.data.profiles[fetched.inviter] = fetched.preview.inviterName;
		// A group whose new members wait (§13.8): ask, with the first receive key the approve will be sealed to.
		const op = session.state!.settings.approve
			? buildRequest(session.state!, id, fetched.secret, makeReceiveKey(session.data), { profile: { name: pseudonym }, ...(note?.trim() ? { note: note.trim() } : {}) })
			: joinOp(session, id, fetched.secret, pseudonym);
		const g = GroupHandle.fresh(core.store, session);
		core.addKey(g);
		try {
			await core.conn.ready(session.me);
			const ok = await core.conn.of(session.me).request({ t: 'append', group, mid: newMid(), entry: { op } });
			sodium().memzero(fetched.secret);
			// Entries between the invite log and my join are messages of epochs I may not read.
			session.data.cursor = (ok.seq ?? 1) - 1;
			if (op.kind === 'request') session.data.profiles[session.me] = pseudonym;
			device.remember(group, nonce);
			// Coming back after a removal: the old notice and session go, the new membership starts clean.
			if (existing) {
				core.cancelSave(existing);
				core.groups.delete(group);
				await existing.save();
			}
			const stale = existing ? await prefixDeletes(core.store, keys.group(group)) : [];
			await core.store.batch([jsonPut(keys.device, device.toJSON()), ...stale]);
			await attach(core, g);
			await g.waitFor(ok.seq ?? 0);
			await g.save();
			core.emit({ type: 'groups' });
			return group;
		} catch (error) {
			core.conn.removeKey(session.me);
			if (error instanceof RelayError && error.code === 'RELAY_CONFLICT') {
				await new Promise((resolve) => setTimeout(resolve, JOIN_RETRY_MS * (1 + attempt) * (0.5 + Math.random())));
				continue;
			}
			throw error;
		}
	}
	if (fetched) sodium().memzero(fetched.secret);
	throw new RelayError('RELAY_CONFLICT', 'the group kept changing while joining; try again');
}
