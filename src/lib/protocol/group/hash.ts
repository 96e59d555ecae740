/**
 * What an op's signatures cover and how an op is named (docs/PROTOCOL.md §3.1). Shared by the
 * state machine (verification) and the builders (signing); crypto comes in through `Primitives`.
 */
import { labelled, type CJson } from '../../core/cjson.ts';
import { fromB64, toB64 } from '../../core/bytes.ts';
import { LABEL } from '../../core/labels.ts';
import type { Op } from '../../core/schema.ts';
import type { Primitives } from './types.ts';

/** The op without `sig` and `inviteSig`: the value both signatures are computed over. */
export function unsignedOp(op: Op): { [key: string]: CJson | undefined } {
	const { sig: _sig, inviteSig: _inviteSig, ...rest } = op as Op & { inviteSig?: string };
	return rest as { [key: string]: CJson | undefined };
}

/** Bytes the author signs: `labelled("unseen/v1/op", op without sig and inviteSig)`. */
export function opSigningBytes(op: Op): Uint8Array {
	return labelled(LABEL.op, unsignedOp(op));
}

/** Bytes the invite key signs to consent to a join: same value, label `unseen/v1/op-invite`. */
export function opInviteSigningBytes(op: Op): Uint8Array {
	return labelled(LABEL.opInvite, unsignedOp(op));
}

/** `H("unseen/v1/op-hash", whole op)`: names the op in `parent`; the genesis hash is the group id. */
export function opHash(op: Op, primitives: Primitives): Uint8Array {
	return primitives.sha256(labelled(LABEL.opHash, op as unknown as CJson));
}

export const opHashB64 = (op: Op, primitives: Primitives): string => toB64(opHash(op, primitives));

/** Decodes a b64 field the schema already checked (so it cannot throw for a parsed op). */
export const raw = (b64: string): Uint8Array => fromB64(b64);
