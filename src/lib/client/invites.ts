/**
 * Invite fetch (docs/PROTOCOL.md §7, §9.6): prove possession of the invite secret to the relay
 * by signing its challenge with the invite key, receive the group's op log, verify the whole
 * log (a relay cannot make up a group), check the invite is active in it, and open the invite
 * body for the preview. The secret never leaves the device.
 */
import type { InvitePreview } from './api.ts';
import { RelayError, type Connection } from './connection.ts';
import { ProtocolError } from '../core/errors.ts';
import type { Op } from '../core/schema.ts';
import { opHashB64, replayLog } from '../protocol/group/state.ts';
import type { Primitives } from '../protocol/group/types.ts';
import { inviteFetchSignature, inviteKeys, openInviteBody, parseInviteLink, wipeInviteKeys } from '../crypto/invite.ts';
import { toB64 } from '../core/bytes.ts';

export interface FetchedInvite {
	preview: InvitePreview;
	ops: { seq: number; ts: number; op: Op }[];
	/** Sign key of the member who made the invite (its name comes from the invite body). */
	inviter: string;
	/** The invite secret; the caller wipes it. */
	secret: Uint8Array;
}

export async function fetchInvite(conn: Connection, link: string, primitives: Primitives): Promise<FetchedInvite> {
	const { group, secret, head } = parseInviteLink(link);
	const keys = inviteKeys(secret, group);
	try {
		const key = toB64(keys.signPk);
		const challenge = conn.hello?.challenge;
		if (!challenge) throw new RelayError('CLIENT_OFFLINE', 'not connected to the relay');
		let ops: FetchedInvite['ops'];
		try {
			ops = await fetchPages(conn, { group, key, sig: inviteFetchSignature(keys, challenge, group) });
		} catch (error) {
			if (error instanceof RelayError && (error.code === 'RELAY_INVITE_INVALID' || error.code === 'RELAY_NO_GROUP')) {
				throw new ProtocolError('PROTOCOL_INVITE_INVALID', 'this invite has expired, was withdrawn or was used up');
			}
			throw error;
		}
		const state = replayLog(
			ops.map((o) => o.op),
			(i) => ({ now: ops[i]!.ts, primitives })
		);
		if (state.group !== group) throw new ProtocolError('PROTOCOL_BAD_GENESIS', 'the relay sent the log of another group');
		// The link names the head it was given out at (§7): an older prefix (say, from before a
		// removal) would have this device seal the next epoch to someone who is no longer a member.
		if (head !== undefined && !ops.some((o) => opHashB64(o.op, primitives) === head)) throw new ProtocolError('PROTOCOL_STALE_LOG', 'the relay served an older log than the invite link names');
		const invite = state.invites[key];
		const lastTs = ops.length ? ops[ops.length - 1]!.ts : 0;
		if (!invite || invite.revoked || invite.uses >= invite.maxUses || invite.expires <= Math.max(lastTs, Date.now())) {
			throw new ProtocolError('PROTOCOL_INVITE_INVALID', 'this invite has expired, was withdrawn or was used up');
		}
		const inviteOp = ops.find((o) => o.op.kind === 'invite' && o.op.invite.key === key)?.op;
		if (!inviteOp || inviteOp.kind !== 'invite') throw new ProtocolError('PROTOCOL_INVITE_INVALID', 'invite not found in the group log');
		const body = openInviteBody(keys, group, inviteOp.body);
		return {
			preview: { group, name: body.name, description: body.description, inviterName: body.inviter.name || null, role: invite.role, expires: invite.expires, approve: state.settings.approve === true },
			ops,
			inviter: invite.author,
			secret
		};
	} catch (error) {
		secret.fill(0);
		throw error;
	} finally {
		wipeInviteKeys(keys);
	}
}

/**
 * The whole op log, page by page (§9.6): each answer carries the ops after `after` and `more`
 * while the relay holds further ones. A page that does not move past `after` ends the fetch (a
 * relay that loops gets no further), and the log is verified as a whole afterwards.
 */
async function fetchPages(conn: Connection, proof: { group: string; key: string; sig: string }): Promise<FetchedInvite['ops']> {
	const ops: FetchedInvite['ops'] = [];
	let after = 0;
	for (;;) {
		const page = await conn.request({ t: 'invite', ...proof, after });
		const got = page.ops ?? [];
		if (got.some((o) => o.seq <= after)) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'the relay sent an invite page out of order');
		ops.push(...got);
		if (!page.more || got.length === 0) return ops;
		after = got[got.length - 1]!.seq;
	}
}

/** False when `link` cannot be an invite link at all: cut short, too long, or not one (checked before asking the relay). */
export function inviteLinkComplete(link: string): boolean {
	try {
		parseInviteLink(link);
		return true;
	} catch {
		return false;
	}
}
