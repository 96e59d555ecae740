import { describe, expect, test } from 'vitest';
import { isProtocolError, type ProtocolCode } from '../core/errors.ts';
import { Device } from './device.ts';
import { memoryBackend, put } from './kv.ts';

const cheap = { ops: 1, mem: 8192 };
const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

async function code(promise: Promise<unknown>): Promise<ProtocolCode | 'none'> {
	try {
		await promise;
		return 'none';
	} catch (e) {
		if (isProtocolError(e)) return e.code;
		throw e;
	}
}

function contains(haystack: Uint8Array, needle: string): boolean {
	return Buffer.from(haystack).includes(Buffer.from(needle));
}

describe('P10 data at rest: the device vault', () => {
	test('P10 data at rest: a new device reports status new until it is set up', async () => {
		const device = new Device(memoryBackend(), cheap);
		expect(await device.status()).toBe('new');
		await device.create(null);
		expect(await device.status()).toBe('unlocked-without-passphrase');
	});

	test('P10 data at rest: stored bytes never contain the record text in the clear', async () => {
		const backend = memoryBackend();
		const store = await new Device(backend, cheap).create('correct horse battery');
		await store.batch([put('msg/1', utf8('I have been sober for 40 days'))]);
		const raw = backend.raw.get('msg/1')!;
		expect(contains(raw, 'sober')).toBe(false);
		expect(text(await store.get('msg/1'))).toBe('I have been sober for 40 days');
	});

	test('P10 data at rest: keys and history survive closing and unlocking again', async () => {
		const backend = memoryBackend();
		const first = await new Device(backend, cheap).create('correct horse battery');
		await first.batch([put('group/a', utf8('Evening circle'))]);
		first.lock();
		const again = await new Device(backend, cheap).unlock('correct horse battery');
		expect(text(await again.get('group/a'))).toBe('Evening circle');
		expect(await again.keys('group/')).toEqual(['group/a']);
	});

	test('P10 data at rest: a wrong passphrase is refused with PROTOCOL_WRONG_PASSPHRASE and loses nothing', async () => {
		const backend = memoryBackend();
		const store = await new Device(backend, cheap).create('correct horse battery');
		await store.batch([put('k', utf8('kept'))]);
		const before = structuredClone(backend.keyring());
		expect(await code(new Device(backend, cheap).unlock('wrong horse'))).toBe('PROTOCOL_WRONG_PASSPHRASE');
		expect(backend.keyring()).toEqual(before);
		const again = await new Device(backend, cheap).unlock('correct horse battery');
		expect(text(await again.get('k'))).toBe('kept');
	});

	test('P10 data at rest: after lock now every read and write fails with PROTOCOL_LOCKED', async () => {
		const store = await new Device(memoryBackend(), cheap).create('correct horse battery');
		await store.batch([put('k', utf8('v'))]);
		store.lock();
		expect(store.locked).toBe(true);
		expect(await code(store.get('k'))).toBe('PROTOCOL_LOCKED');
		expect(await code(store.batch([put('k', utf8('w'))]))).toBe('PROTOCOL_LOCKED');
		expect(await code(store.keys(''))).toBe('PROTOCOL_LOCKED');
	});

	test('P10 data at rest: a sealed record moved to another key does not open', async () => {
		const backend = memoryBackend();
		const store = await new Device(backend, cheap).create(null);
		await store.batch([put('a', utf8('alpha'))]);
		backend.raw.set('b', backend.raw.get('a')!);
		expect(await code(store.get('b'))).not.toBe('none');
	});

	test('P10 data at rest: wipe this device deletes every record and the keyring', async () => {
		const backend = memoryBackend();
		const device = new Device(backend, cheap);
		const store = await device.create('correct horse battery');
		await store.batch([put('k', utf8('v'))]);
		await device.wipe();
		expect(backend.raw.size).toBe(0);
		expect(await device.status()).toBe('new');
	});

	test('P10 data at rest: adding a passphrase later locks the same data without re-encrypting it', async () => {
		const backend = memoryBackend();
		const device = new Device(backend, cheap);
		const store = await device.create(null);
		await store.batch([put('k', utf8('kept'))]);
		await device.setPassphrase(null, 'added later passphrase');
		expect(await device.status()).toBe('locked');
		expect(await code(device.unlock(null))).toBe('PROTOCOL_WRONG_PASSPHRASE');
		const again = await device.unlock('added later passphrase');
		expect(text(await again.get('k'))).toBe('kept');
	});

	test('P10 data at rest: changing the passphrase with a wrong current one fails with PROTOCOL_WRONG_PASSPHRASE and keeps the old one', async () => {
		const backend = memoryBackend();
		const device = new Device(backend, cheap);
		await device.create('first passphrase');
		expect(await code(device.setPassphrase('not it', 'second passphrase'))).toBe('PROTOCOL_WRONG_PASSPHRASE');
		await device.unlock('first passphrase');
		await device.setPassphrase('first passphrase', 'second passphrase');
		expect(await code(device.unlock('first passphrase'))).toBe('PROTOCOL_WRONG_PASSPHRASE');
		await device.unlock('second passphrase');
	});

	test('a device that is already set up refuses to be created again with PROTOCOL_NOT_ALLOWED', async () => {
		const device = new Device(memoryBackend(), cheap);
		await device.create(null);
		expect(await code(device.create(null))).toBe('PROTOCOL_NOT_ALLOWED');
	});
});

describe('P10 data at rest: identity backup files', () => {
	async function deviceWithData() {
		const device = new Device(memoryBackend(), cheap);
		const store = await device.create(null);
		await store.batch([put('root', utf8('root-secret'))]);
		await store.batch([put('group/a/log', utf8('the log'))]);
		return { device, store };
	}

	test('P10 data at rest: a backup restored on a fresh device holds every record', async () => {
		const { device, store } = await deviceWithData();
		const file = await device.exportBackup(store, 'backup passphrase');
		expect(file).not.toContain('root-secret');
		const fresh = new Device(memoryBackend(), cheap);
		const restored = await fresh.restoreBackup(file, 'backup passphrase', 'new device passphrase');
		expect(await restored.keys('')).toEqual(['group/a/log', 'root']);
		expect(text(await restored.get('root'))).toBe('root-secret');
		expect(await fresh.status()).toBe('locked');
	});

	test('P10 data at rest: a backup opened with the wrong passphrase fails with PROTOCOL_WRONG_PASSPHRASE and leaves the device new', async () => {
		const { device, store } = await deviceWithData();
		const file = await device.exportBackup(store, 'backup passphrase');
		const fresh = new Device(memoryBackend(), cheap);
		expect(await code(fresh.restoreBackup(file, 'not it', null))).toBe('PROTOCOL_WRONG_PASSPHRASE');
		expect(await fresh.status()).toBe('new');
	});

	test('a file that is not a backup fails with PROTOCOL_BAD_FRAME and leaves the device new', async () => {
		const fresh = new Device(memoryBackend(), cheap);
		expect(await code(fresh.restoreBackup('{"hello":1}', 'x', null))).toBe('PROTOCOL_BAD_FRAME');
		expect(await fresh.status()).toBe('new');
	});
});
