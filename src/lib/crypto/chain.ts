/**
 * Per-sender symmetric ratchet (docs/PROTOCOL.md §4.3, property P4).
 *
 *   chain_{i+1} = KDF(chain_i, "unseen/v1/chain-next", "")
 *   msgKey_i    = KDF(chain_i, "unseen/v1/chain-msg", "")
 *
 * One `SenderChain` per (epoch, sender). The sender takes keys with `nextSendKey()`; a
 * receiver opens counter `ctr` with `receive(ctr, now, use)`, which hands the message key to
 * `use` and commits the ratchet step only if `use` returns: a forged envelope with a far
 * counter therefore burns no key. Chain keys and message keys are wiped as soon as they are
 * used; keys skipped over by a gap are kept (at most MAX_SKIPPED, at most MAX_SKIPPED_AGE_MS).
 * Call `ready()` from sodium.ts before using anything here.
 */
import * as v from 'valibot';
import { fromB64, toB64, utf8, concat } from '../core/bytes.ts';
import { ProtocolError } from '../core/errors.ts';
import { LABEL } from '../core/labels.ts';
import { key32, uint } from '../core/schema.ts';
import { sodium } from './sodium.ts';

/** Skipped message keys kept per sender per epoch; also the largest accepted jump. */
export const MAX_SKIPPED = 2000;
/** Skipped message keys older than this are wiped (7 days). */
export const MAX_SKIPPED_AGE_MS = 7 * 24 * 60 * 60 * 1000;

const kdfInput = (label: string, ctx: Uint8Array) => concat(utf8(label), new Uint8Array([0]), ctx);

/** KDF(key, label, ctx) = BLAKE2b-256 keyed by `key` over `label ‖ 0x00 ‖ ctx` (§1.1). */
export function kdf(key: Uint8Array, label: string, ctx: Uint8Array = new Uint8Array(0)): Uint8Array {
	return keyedHash(key, kdfInput(label, ctx));
}

function keyedHash(key: Uint8Array, input: Uint8Array): Uint8Array {
	if (key.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'KDF key must be 32 bytes');
	return sodium().crypto_generichash(32, input, key);
}

/**
 * The ratchet's two KDF inputs have no ctx, so they are constant: built once instead of at
 * every step (two per message). Only read (libsodium copies its inputs), never handed out.
 */
const CHAIN_MSG_INPUT = kdfInput(LABEL.chainMsg, new Uint8Array(0));
const CHAIN_NEXT_INPUT = kdfInput(LABEL.chainNext, new Uint8Array(0));
/** `kdf(ck, LABEL.chainMsg)` */
const msgKeyOf = (ck: Uint8Array) => keyedHash(ck, CHAIN_MSG_INPUT);
/** `kdf(ck, LABEL.chainNext)` */
const nextChainKeyOf = (ck: Uint8Array) => keyedHash(ck, CHAIN_NEXT_INPUT);

/** Serialised chain state: plain JSON with b64 secrets, for the (encrypted) store. */
export interface ChainState {
	v: 1;
	/** Chain key for counter `next`. */
	ck: string;
	next: number;
	skipped: { ctr: number; key: string; at: number }[];
}

const chainStateSchema = v.strictObject({
	v: v.literal(1),
	ck: key32,
	next: uint,
	skipped: v.pipe(v.array(v.strictObject({ ctr: uint, key: key32, at: uint })), v.maxLength(MAX_SKIPPED))
});

interface SkippedKey {
	key: Uint8Array;
	at: number;
}

export class SenderChain {
	#ck: Uint8Array;
	#next: number;
	#skipped = new Map<number, SkippedKey>();
	/** Lower bound of the skipped keys' times, so `prune` is O(1) until something can expire. */
	#oldestAt = Infinity;
	#wiped = false;

	private constructor(chainKey: Uint8Array, next: number) {
		this.#ck = chainKey;
		this.#next = next;
	}

	/** Starts a chain at counter 0 from `chain_{e,s,0}`. Takes a copy; the caller wipes its own. */
	static fromChainKey(chainKey: Uint8Array): SenderChain {
		if (chainKey.length !== 32) throw new ProtocolError('PROTOCOL_BAD_LENGTH', 'chain key must be 32 bytes');
		return new SenderChain(chainKey.slice(), 0);
	}

	/** Restores a chain from `toJSON()` output. Throws PROTOCOL_BAD_FRAME on anything malformed. */
	static fromJSON(state: unknown): SenderChain {
		const parsed = v.safeParse(chainStateSchema, state);
		if (!parsed.success) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'chain state is malformed');
		const s = parsed.output;
		const chain = new SenderChain(fromB64(s.ck), s.next);
		for (const k of s.skipped) {
			if (k.ctr >= s.next) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'chain state has a skipped key ahead of the chain');
			chain.#skipped.set(k.ctr, { key: fromB64(k.key), at: k.at });
			chain.#oldestAt = Math.min(chain.#oldestAt, k.at);
		}
		return chain;
	}

	/** The next counter this chain will send or expects to receive in order. */
	get next(): number {
		return this.#next;
	}

	/** Counters below `next` whose keys are still held (messages not yet received). */
	get missing(): number[] {
		return [...this.#skipped.keys()].sort((a, b) => a - b);
	}

	toJSON(): ChainState {
		this.#alive();
		return {
			v: 1,
			ck: toB64(this.#ck),
			next: this.#next,
			skipped: [...this.#skipped].sort((a, b) => a[0] - b[0]).map(([ctr, k]) => ({ ctr, key: toB64(k.key), at: k.at }))
		};
	}

	/** Sender side: the key for counter `next`; the chain moves on and forgets it. Caller wipes `msgKey`. */
	nextSendKey(): { ctr: number; msgKey: Uint8Array } {
		this.#alive();
		const ctr = this.#next;
		const msgKey = msgKeyOf(this.#ck);
		this.#advance();
		return { ctr, msgKey };
	}

	/**
	 * Receiver side: derives the key for `ctr`, calls `use(msgKey)`, and only if `use` returns
	 * commits (wipes the key, advances, keeps skipped keys). If `use` throws, nothing changes.
	 * Throws PROTOCOL_REPLAY for a counter already used (or whose key was discarded) and
	 * PROTOCOL_TOO_FAR_AHEAD for a jump of more than MAX_SKIPPED.
	 */
	receive<T>(ctr: number, now: number, use: (msgKey: Uint8Array) => T): T {
		this.#alive();
		if (!Number.isSafeInteger(ctr) || ctr < 0) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'counter out of range');
		this.prune(now);
		if (ctr < this.#next) return this.#receiveSkipped(ctr, use);
		if (ctr - this.#next > MAX_SKIPPED) {
			throw new ProtocolError('PROTOCOL_TOO_FAR_AHEAD', `counter ${ctr} is more than ${MAX_SKIPPED} ahead of ${this.#next}`);
		}
		// Walk a scratch copy forward; the real state changes only after `use` succeeds.
		const passed: { ctr: number; key: Uint8Array }[] = [];
		let ck: Uint8Array = this.#ck.slice();
		for (let i = this.#next; i < ctr; i++) {
			passed.push({ ctr: i, key: msgKeyOf(ck) });
			const nextCk = nextChainKeyOf(ck);
			sodium().memzero(ck);
			ck = nextCk;
		}
		const msgKey = msgKeyOf(ck);
		let result: T;
		try {
			result = use(msgKey);
		} catch (error) {
			for (const p of passed) sodium().memzero(p.key);
			sodium().memzero(ck);
			throw error;
		} finally {
			sodium().memzero(msgKey);
		}
		for (const p of passed) this.#skipped.set(p.ctr, { key: p.key, at: now });
		if (passed.length > 0) this.#oldestAt = Math.min(this.#oldestAt, now);
		sodium().memzero(this.#ck);
		this.#ck = ck;
		this.#next = ctr;
		this.#advance();
		this.#enforceBound();
		return result;
	}

	/** Wipes skipped keys older than MAX_SKIPPED_AGE_MS at time `now`. */
	prune(now: number): void {
		if (now - this.#oldestAt <= MAX_SKIPPED_AGE_MS) return;
		let oldest = Infinity;
		for (const [ctr, k] of this.#skipped) {
			if (now - k.at > MAX_SKIPPED_AGE_MS) this.#drop(ctr);
			else oldest = Math.min(oldest, k.at);
		}
		this.#oldestAt = oldest;
	}

	/** Wipes every key this chain holds; the chain is unusable afterwards. */
	wipe(): void {
		if (this.#wiped) return;
		sodium().memzero(this.#ck);
		for (const ctr of [...this.#skipped.keys()]) this.#drop(ctr);
		this.#wiped = true;
	}

	#receiveSkipped<T>(ctr: number, use: (msgKey: Uint8Array) => T): T {
		const held = this.#skipped.get(ctr);
		if (!held) throw new ProtocolError('PROTOCOL_REPLAY', `counter ${ctr} was already used or its key has expired`);
		const result = use(held.key);
		this.#drop(ctr);
		return result;
	}

	#advance(): void {
		const nextCk = nextChainKeyOf(this.#ck);
		sodium().memzero(this.#ck);
		this.#ck = nextCk;
		this.#next += 1;
	}

	#enforceBound(): void {
		if (this.#skipped.size <= MAX_SKIPPED) return;
		const oldest = [...this.#skipped.keys()].sort((a, b) => a - b);
		for (const ctr of oldest.slice(0, this.#skipped.size - MAX_SKIPPED)) this.#drop(ctr);
	}

	#drop(ctr: number): void {
		const k = this.#skipped.get(ctr);
		if (!k) return;
		sodium().memzero(k.key);
		this.#skipped.delete(ctr);
	}

	#alive(): void {
		if (this.#wiped) throw new ProtocolError('PROTOCOL_LOCKED', 'chain has been wiped');
	}
}
