/**
 * This device's local data: create, unlock, lock, wipe, back up and restore.
 * The storage key is random; it is wrapped under the passphrase (Argon2id, vault.ts) or, without
 * one, kept beside the data in the clear (which the UI says protects against little).
 */
import { ProtocolError } from '../core/errors.ts';
import { fromB64, toB64 } from '../core/bytes.ts';
import type { CJson } from '../core/cjson.ts';
import { ready, sodium } from '../crypto/sodium.ts';
import { exportBackup, importBackup, newStorageKey, unwrapStorageKey, wrapStorageKey, type KdfCost, type WrappedKey } from '../crypto/vault.ts';
import { put, type DeviceBackend } from './kv.ts';
import { migrateLegacyNames, sealedStore, type SealedStore } from './sealed-store.ts';

interface Keyring {
	v: 1;
	passphrase: boolean;
	wrapped: WrappedKey;
}

export type DeviceStatus = 'new' | 'locked' | 'unlocked-without-passphrase';

function isKeyring(value: unknown): value is Keyring {
	return typeof value === 'object' && value !== null && (value as Keyring).v === 1 && typeof (value as Keyring).passphrase === 'boolean';
}

export class Device {
	readonly backend: DeviceBackend;
	/** Argon2id cost; the defaults of vault.ts unless a test asks for a cheaper one. */
	readonly cost: Partial<KdfCost>;
	/** How many old-layout records the last unlock set aside because they did not open (§8). */
	setAside = 0;

	constructor(backend: DeviceBackend, cost: Partial<KdfCost> = {}) {
		this.backend = backend;
		this.cost = cost;
	}

	/** `new` before onboarding; `locked` when a passphrase is needed; otherwise it opens by itself. */
	async status(): Promise<DeviceStatus> {
		const keyring = await this.backend.readKeyring();
		if (!isKeyring(keyring)) return 'new';
		return keyring.passphrase ? 'locked' : 'unlocked-without-passphrase';
	}

	/** First run: a fresh storage key, wrapped under the passphrase when one is given. */
	async create(passphrase: string | null): Promise<SealedStore> {
		await ready();
		if (isKeyring(await this.backend.readKeyring())) {
			throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'this device already has local data');
		}
		const storageKey = newStorageKey();
		const wrapped = await wrapStorageKey(storageKey, passphrase || null, this.cost);
		await this.backend.writeKeyring({ v: 1, passphrase: Boolean(passphrase), wrapped } satisfies Keyring);
		return sealedStore(this.backend.records, storageKey);
	}

	/**
	 * Opens the data. A wrong passphrase throws PROTOCOL_WRONG_PASSPHRASE and changes nothing.
	 * Records written before names were hashed are moved to hashed names first (§8); one that does
	 * not open is set aside and counted in `setAside`, and the rest open as usual.
	 */
	async unlock(passphrase: string | null): Promise<SealedStore> {
		await ready();
		const keyring = await this.backend.readKeyring();
		if (!isKeyring(keyring)) throw new ProtocolError('PROTOCOL_LOCKED', 'this device has no local data yet');
		if (keyring.passphrase && !passphrase) throw new ProtocolError('PROTOCOL_WRONG_PASSPHRASE', 'a passphrase is needed');
		const storageKey = await unwrapStorageKey(keyring.wrapped, keyring.passphrase ? passphrase : null);
		// Records from before names were hashed move to hashed names first, in one batch (§8).
		this.setAside = (await migrateLegacyNames(this.backend.records, storageKey)).setAside;
		return sealedStore(this.backend.records, storageKey);
	}

	/**
	 * Adds or changes the passphrase: the same storage key is wrapped again, so no record changes.
	 * A wrong current passphrase throws PROTOCOL_WRONG_PASSPHRASE and leaves the keyring as it was.
	 */
	async setPassphrase(current: string | null, next: string): Promise<void> {
		await ready();
		const keyring = await this.backend.readKeyring();
		if (!isKeyring(keyring)) throw new ProtocolError('PROTOCOL_LOCKED', 'this device has no local data yet');
		const storageKey = await unwrapStorageKey(keyring.wrapped, keyring.passphrase ? current : null);
		try {
			const wrapped = await wrapStorageKey(storageKey, next, this.cost);
			await this.backend.writeKeyring({ v: 1, passphrase: true, wrapped } satisfies Keyring);
		} finally {
			sodium().memzero(storageKey);
		}
	}

	/** Deletes every record and the keyring. */
	async wipe(): Promise<void> {
		await this.backend.destroy();
	}

	/** Every record, decrypted and re-encrypted under the backup passphrase (vault.ts exportBackup). */
	async exportBackup(store: SealedStore, passphrase: string): Promise<string> {
		const records: Record<string, string> = {};
		for (const key of await store.keys('')) {
			const value = await store.get(key);
			if (value !== undefined) records[key] = toB64(value);
		}
		const payload: CJson = { kind: 'unseen-device', v: 1, records };
		return exportBackup(payload, passphrase, this.cost);
	}

	/**
	 * Restores a backup into this (new) device. The file is opened and checked completely before
	 * anything is written, so a wrong passphrase or a damaged file leaves the device as it was.
	 */
	async restoreBackup(text: string, backupPassphrase: string, devicePassphrase: string | null): Promise<SealedStore> {
		await ready();
		const payload = await importBackup(text, backupPassphrase);
		const records = parsePayload(payload);
		const store = await this.create(devicePassphrase);
		await store.batch(records.map(([key, value]) => put(key, value)));
		return store;
	}
}

function parsePayload(payload: CJson): [string, Uint8Array][] {
	const bad = () => new ProtocolError('PROTOCOL_BAD_FRAME', 'this file is not an Unseen backup');
	if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw bad();
	if (payload.kind !== 'unseen-device' || payload.v !== 1) throw bad();
	const records = payload.records;
	if (typeof records !== 'object' || records === null || Array.isArray(records)) throw bad();
	return Object.entries(records).map(([key, value]) => {
		if (typeof value !== 'string') throw bad();
		return [key, fromB64(value, `records.${key}`)];
	});
}
