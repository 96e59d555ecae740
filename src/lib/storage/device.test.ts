import { describe, expect, test } from 'vitest';
import { isProtocolError } from '../core/errors.ts';
import { Device } from './device.ts';
import { memoryBackend, put } from './kv.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';

const cheap = { ops: 1, mem: 8192 };
const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

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
		await expectCode(new Device(backend, cheap).unlock('wrong horse'), 'PROTOCOL_WRONG_PASSPHRASE');
		expect(backend.keyring()).toEqual(before);
		const again = await new Device(backend, cheap).unlock('correct horse battery');
		expect(text(await again.get('k'))).toBe('kept');
	});

	test('P10 data at rest: after lock now every read and write fails with PROTOCOL_LOCKED', async () => {
		const store = await new Device(memoryBackend(), cheap).create('correct horse battery');
		await store.batch([put('k', utf8('v'))]);
		store.lock();
		expect(store.locked).toBe(true);
		await expectCode(store.get('k'), 'PROTOCOL_LOCKED');
		await expectCode(store.batch([put('k', utf8('w'))]), 'PROTOCOL_LOCKED');
		await expectCode(store.keys(''), 'PROTOCOL_LOCKED');
	});

	test('P10 data at rest: a sealed record moved to another key does not open', async () => {
		const backend = memoryBackend();
		const store = await new Device(backend, cheap).create(null);
		await store.batch([put('a', utf8('alpha'))]);
		backend.raw.set('b', backend.raw.get('a')!);
		await expect(store.get('b')).rejects.toSatisfy(isProtocolError);
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
		await expectCode(device.unlock(null), 'PROTOCOL_WRONG_PASSPHRASE');
		const again = await device.unlock('added later passphrase');
		expect(text(await again.get('k'))).toBe('kept');
	});

	test('P10 data at rest: changing the passphrase with a wrong current one fails with PROTOCOL_WRONG_PASSPHRASE and keeps the old one', async () => {
		const backend = memoryBackend();
		const device = new Device(backend, cheap);
		await device.create('first passphrase');
		await expectCode(device.setPassphrase('not it', 'second passphrase'), 'PROTOCOL_WRONG_PASSPHRASE');
		await device.unlock('first passphrase');
		await device.setPassphrase('first passphrase', 'second passphrase');
		await expectCode(device.unlock('first passphrase'), 'PROTOCOL_WRONG_PASSPHRASE');
		await device.unlock('second passphrase');
	});

	test('a device that is already set up refuses to be created again with PROTOCOL_NOT_ALLOWED', async () => {
		const device = new Device(memoryBackend(), cheap);
		await device.create(null);
		await expectCode(device.create(null), 'PROTOCOL_NOT_ALLOWED');
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
		await expectCode(fresh.restoreBackup(file, 'not it', null), 'PROTOCOL_WRONG_PASSPHRASE');
		expect(await fresh.status()).toBe('new');
	});

	test('a file that is not a backup fails with PROTOCOL_BAD_FRAME and leaves the device new', async () => {
		const fresh = new Device(memoryBackend(), cheap);
		await expectCode(fresh.restoreBackup('{"hello":1}', 'x', null), 'PROTOCOL_BAD_FRAME');
		expect(await fresh.status()).toBe('new');
	});
});
