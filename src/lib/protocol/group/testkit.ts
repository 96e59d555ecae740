/**
 * Test support for the group log (used by *.test.ts here and by other engineers' tests): named
 * deterministic identities, a default context and a log that applies ops as the relay would.
 * Not imported by application code.
 */
import { deriveIdentity, identityMember, type Identity } from '../../crypto/identity.ts';
import { sodiumPrimitives } from '../../crypto/primitives.ts';
import { ready, sodium } from '../../crypto/sodium.ts';
import { utf8 } from '../../core/bytes.ts';
import type { Member, Op, Role, Settings } from '../../core/schema.ts';
import { buildGenesis, type EpochBuild } from './build.ts';
import { applyOp } from './state.ts';
import type { ApplyContext, GroupState } from './types.ts';

export const T0 = 1_700_000_000_000;

export const GROUP_SETTINGS: Settings = { retention: 0, rotate: 0, invite: 'admins', listeners: true, listenersMaySpeak: true, pair: false };

export type Person = Identity & { name: string; b64: string };

export async function loadSodium(): Promise<void> {
	await ready();
}

/** A deterministic identity named `name` (root = SHA-256(name), nonce = 32 zero bytes). */
export function person(name: string): Person {
	const identity = deriveIdentity(sodium().crypto_hash_sha256(utf8(name)), new Uint8Array(32));
	return { ...identity, name, b64: identityMember(identity, 'member').sign };
}

export const memberOf = (p: Identity, role: Role): Member => identityMember(p, role);

export function context(now = T0): ApplyContext {
	return { now, primitives: sodiumPrimitives() };
}

/** A log as the relay keeps it: ops in order and the state after each. */
export class TestLog {
	ops: Op[] = [];
	state: GroupState;
	now = T0;
	/** The log's op-hash index (`ctx.seen`, §3.5). */
	readonly seen = new Map<string, number>();

	constructor(genesis: EpochBuild<'genesis'>) {
		this.state = applyOp(null, genesis.op, context(this.now));
		this.ops.push(genesis.op);
		this.seen.set(this.state.head, 1);
	}

	get ctx(): ApplyContext {
		return { ...context(this.now), seen: (h) => this.seen.get(h) };
	}

	append(op: Op): GroupState {
		this.now += 1000;
		this.state = applyOp(this.state, op, this.ctx);
		this.ops.push(op);
		this.seen.set(this.state.head, this.state.length);
		return this.state;
	}
}

/** A group created by `creator` with `others` as initial members. */
export function newGroup(creator: Person, others: Member[] = [], settings: Partial<Settings> = {}): TestLog {
	const genesis = buildGenesis(
		creator,
		{ settings: { ...GROUP_SETTINGS, ...settings }, others, content: { name: 'Tuesday circle', description: 'A quiet place', profile: { name: creator.name } } },
		{ at: T0 }
	);
	return new TestLog(genesis);
}
