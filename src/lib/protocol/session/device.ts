/**
 * What a device holds across all its groups (docs/PROTOCOL.md §2.1): one root secret and, per
 * group, the nonce its pseudonymous identity is derived from. Backing up this object restores
 * every identity. Plain JSON for the (encrypted) store.
 */
import * as v from 'valibot';
import { fromB64, toB64 } from '../../core/bytes.ts';
import { ProtocolError } from '../../core/errors.ts';
import { key32 } from '../../core/schema.ts';
import { deriveIdentity, newRoot, type Identity } from '../../crypto/identity.ts';
import { sodium } from '../../crypto/sodium.ts';

export interface DeviceData {
	v: 1;
	root: string;
	/** Group id → identity nonce. */
	groups: Record<string, string>;
	/** Pair codes offered and not yet accepted: offered sign pk → identity nonce (§2.1). */
	offers?: Record<string, string>;
	/** The first receive key (§4.4, §7.1) of each offered pair code: offered sign pk → key pair (b64). */
	offerKeys?: Record<string, { pk: string; sk: string }>;
}

const deviceSchema = v.strictObject({
	v: v.literal(1),
	root: key32,
	groups: v.record(key32, key32),
	offers: v.optional(v.record(key32, key32)),
	offerKeys: v.optional(v.record(key32, v.strictObject({ pk: key32, sk: key32 })))
});

export class DeviceState {
	#root: Uint8Array;
	readonly groups: Record<string, string>;
	readonly offers: Record<string, string>;
	readonly offerKeys: Record<string, { pk: string; sk: string }>;

	private constructor(root: Uint8Array, groups: Record<string, string>, offers: Record<string, string> = {}, offerKeys: Record<string, { pk: string; sk: string }> = {}) {
		this.#root = root;
		this.groups = groups;
		this.offers = offers;
		this.offerKeys = offerKeys;
	}

	static create(): DeviceState {
		return new DeviceState(newRoot(), {});
	}

	/** Restores from `toJSON()`; PROTOCOL_BAD_FRAME on anything malformed. */
	static fromJSON(value: unknown): DeviceState {
		const parsed = v.safeParse(deviceSchema, value);
		if (!parsed.success) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'device state is malformed');
		return new DeviceState(fromB64(parsed.output.root), { ...parsed.output.groups }, { ...parsed.output.offers }, { ...parsed.output.offerKeys });
	}

	/** A fresh nonce for a new pseudonym (call `remember` once the group id is known). */
	newNonce(): string {
		return toB64(sodium().randombytes_buf(32));
	}

	identity(nonce: string): Identity {
		return deriveIdentity(this.#root, fromB64(nonce));
	}

	remember(group: string, nonce: string): void {
		this.groups[group] = nonce;
	}

	forget(group: string): void {
		delete this.groups[group];
	}

	toJSON(): DeviceData {
		const data: DeviceData = { v: 1, root: toB64(this.#root), groups: { ...this.groups } };
		if (Object.keys(this.offers).length > 0) data.offers = { ...this.offers };
		if (Object.keys(this.offerKeys).length > 0) data.offerKeys = { ...this.offerKeys };
		return data;
	}

	wipe(): void {
		sodium().memzero(this.#root);
	}
}
