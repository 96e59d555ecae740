/**
 * Two admins acting at once (docs/PROTOCOL.md §3.5): both name the same parent, the relay
 * appends the first and answers the second `RELAY_CONFLICT`. The loser keeps what it meant to do
 * as an `OpIntent`, re-reads the log and calls `rebaseOp` on the new head: the op is rebuilt
 * (new parent, new epoch number, keys sealed to the members as they are now, body re-sealed
 * under the right epoch), re-signed, and re-checked with `applyOp`, which throws if the intent no
 * longer makes sense (e.g. `PROTOCOL_UNKNOWN_MEMBER` when the target was removed meanwhile).
 */
import type { InviteBody } from '../../crypto/invite.ts';
import type { RequestNote } from '../../crypto/join-request.ts';
import { sodium } from '../../crypto/sodium.ts';
import type { Member, Op, Role, Settings } from '../../core/schema.ts';
import type { OpBody } from './body.ts';
import * as build from './build.ts';
import { applyOp } from './state.ts';
import type { ApplyContext, GroupState } from './types.ts';

export type OpIntent =
	| { kind: 'invite'; secret: Uint8Array; expires: number; maxUses: number; role: 'member' | 'listener'; content: InviteBody }
	| { kind: 'revoke'; invite: string }
	| { kind: 'join'; inviteSecret: Uint8Array; content: OpBody<'join'> }
	| { kind: 'add'; member: Member }
	| { kind: 'remove'; target: string }
	| { kind: 'leave' }
	| { kind: 'rekey' }
	| { kind: 'role'; target: string; role: Role }
	| { kind: 'settings'; settings: Settings; content: OpBody<'settings'> }
	| { kind: 'hide'; seq: number; reason?: string }
	| { kind: 'mute'; target: string; duration: number }
	| { kind: 'unhide'; seq: number }
	| { kind: 'warn'; target: string; text: string }
	| { kind: 'end' }
	| { kind: 'ask' }
	| { kind: 'key'; rk: Uint8Array }
	| { kind: 'request'; inviteSecret: Uint8Array; rk: Uint8Array; note: RequestNote }
	| { kind: 'approve'; target: string }
	| { kind: 'decline'; target: string };

export interface IntentOptions extends build.BuildOptions {
	/** Meta key of `state.epoch`: needed by `settings` and by `hide` with a reason. */
	metaKey?: Uint8Array;
}

export interface BuiltOp {
	op: Op;
	/** Set for ops that start an epoch; the caller derives its keys from it and wipes it. */
	secret?: Uint8Array;
}

function needMetaKey(opts: IntentOptions, kind: string): Uint8Array {
	if (!opts.metaKey) throw new TypeError(`${kind} needs the current epoch's meta key`);
	return opts.metaKey;
}

/** Builds the op an intent describes against `state` (no rule check). */
export function buildFromIntent(state: GroupState, signer: build.Boxed, intent: OpIntent, opts: IntentOptions = {}): BuiltOp {
	switch (intent.kind) {
		case 'invite':
			return { op: build.buildInvite(state, signer, intent, opts) };
		case 'revoke':
			return { op: build.buildRevoke(state, signer, intent.invite, opts) };
		case 'join':
			return build.buildJoin(state, signer, intent.inviteSecret, intent.content, opts);
		case 'add':
			return build.buildAdd(state, signer, intent.member, opts);
		case 'remove':
			return build.buildRemove(state, signer, intent.target, opts);
		case 'leave':
			return { op: build.buildLeave(state, signer, opts) };
		case 'rekey':
			return build.buildRekey(state, signer, opts);
		case 'role':
			return { op: build.buildRole(state, signer, intent.target, intent.role, opts) };
		case 'settings':
			return { op: build.buildSettings(state, signer, intent.settings, intent.content, needMetaKey(opts, 'settings'), opts) };
		case 'hide': {
			const reason = intent.reason === undefined ? undefined : { text: intent.reason, metaKey: needMetaKey(opts, 'hide') };
			return { op: build.buildHide(state, signer, intent.seq, reason, opts) };
		}
		case 'mute':
			return { op: build.buildMute(state, signer, intent.target, intent.duration, opts) };
		case 'unhide':
			return { op: build.buildUnhide(state, signer, intent.seq, opts) };
		case 'warn':
			return { op: build.buildWarn(state, signer, intent.target, intent.text, opts) };
		case 'end':
			return { op: build.buildEnd(state, signer, opts) };
		case 'ask':
			return { op: build.buildAsk(state, signer, opts) };
		case 'key':
			return { op: build.buildKey(state, signer, intent.rk, opts) };
		case 'request':
			return { op: build.buildRequest(state, signer, intent.inviteSecret, intent.rk, intent.note, opts) };
		case 'approve':
			return build.buildApprove(state, signer, intent.target, opts);
		case 'decline':
			return { op: build.buildDecline(state, signer, intent.target, opts) };
	}
}

/**
 * Builds the intent on `state` (the relay's current head) and checks it applies. Returns the op,
 * the epoch secret if any, and the state after it. On failure wipes the secret and rethrows the
 * `ProtocolError` from `applyOp`.
 */
export function rebaseOp(
	state: GroupState,
	signer: build.Boxed,
	intent: OpIntent,
	ctx: ApplyContext,
	opts: IntentOptions = {}
): BuiltOp & { next: GroupState } {
	const built = buildFromIntent(state, signer, intent, opts);
	try {
		return { ...built, next: applyOp(state, built.op, ctx) };
	} catch (error) {
		if (built.secret && built.secret !== opts.secret) sodium().memzero(built.secret);
		throw error;
	}
}
