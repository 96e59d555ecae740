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
import { replayLog } from '../protocol/group/state.ts';
import { has } from '../protocol/group/may.ts';
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
		let ok;
		try {
			ok = await conn.request({ t: 'invite', group, key, sig: inviteFetchSignature(keys, challenge, group) });
		} catch (error) {
			if (error instanceof RelayError && (error.code === 'RELAY_INVITE_INVALID' || error.code === 'RELAY_NO_GROUP')) {
				throw new ProtocolError('PROTOCOL_INVITE_INVALID', 'this invite has expired, was withdrawn or was used up');
			}
			throw error;
		}
		const ops = ok.ops ?? [];
		const state = replayLog(
			ops.map((o) => o.op),
			(i) => ({ now: ops[i]!.ts, primitives })
		);
		if (state.group !== group) throw new ProtocolError('PROTOCOL_BAD_GENESIS', 'the relay sent the log of another group');
		// The link names the head it was given out at (§7): an older prefix (say, from before a
		// removal) would have this device seal the next epoch to someone who is no longer a member.
		if (head !== undefined && !has(state.seen, head)) throw new ProtocolError('PROTOCOL_STALE_LOG', 'the relay served an older log than the invite link names');
		const invite = state.invites[key];
		const lastTs = ops.length ? ops[ops.length - 1]!.ts : 0;
		if (!invite || invite.revoked || invite.uses >= invite.maxUses || invite.expires <= Math.max(lastTs, Date.now())) {
			throw new ProtocolError('PROTOCOL_INVITE_INVALID', 'this invite has expired, was withdrawn or was used up');
		}
		const inviteOp = ops.find((o) => o.op.kind === 'invite' && o.op.invite.key === key)?.op;
		if (!inviteOp || inviteOp.kind !== 'invite') throw new ProtocolError('PROTOCOL_INVITE_INVALID', 'invite not found in the group log');
		const body = openInviteBody(keys, group, inviteOp.body);
		return {
			preview: { group, name: body.name, description: body.description, inviterName: body.inviter.name || null, role: invite.role, expires: invite.expires },
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
