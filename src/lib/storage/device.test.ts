import { describe, expect, test } from 'vitest';
import { isProtocolError } from '../core/errors.ts';
import { Device } from './device.ts';
import { memoryBackend, put } from './kv.ts';
import { SET_ASIDE_PREFIX } from './sealed-store.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';
import { sealRecord, unwrapStorageKey, type WrappedKey } from '../crypto/vault.ts';

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
		const raw = [...backend.raw.values()][0]!;
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
		const storedA = [...backend.raw.keys()][0]!;
		await store.batch([put('b', utf8('beta'))]);
		const storedB = [...backend.raw.keys()].find((k) => k !== storedA)!;
		backend.raw.set(storedB, backend.raw.get(storedA)!);
		await expect(store.get('b')).rejects.toSatisfy(isProtocolError);
	});

	test('P10 data at rest: a locked device names no group, pseudonym, message or invite in its stored record names', async () => {
		const backend = memoryBackend();
		const store = await new Device(backend, cheap).create('correct horse battery');
		const [group, sender, invite] = ['grpQ7nJc2xYl', 'pkSenderAbCdEf', 'inviteKeyZz9'];
		const names = [`g/${group}/session`, `g/${group}/m/${sender}:3:17`, `g/${group}/m/${sender}:3:18`, `g/${group}/i/${invite}`, 'device'];
		await store.batch(names.map((n) => put(n, utf8('x'))));
		store.lock();
		const stored = [...backend.raw.keys()].join(' ');
		for (const secret of [group, sender, invite, ':17', 'device', 'session']) expect(stored).not.toContain(secret);
		const again = await new Device(backend, cheap).unlock('correct horse battery');
		expect(await again.keys(`g/${group}/m/`)).toEqual([`g/${group}/m/${sender}:3:17`, `g/${group}/m/${sender}:3:18`]);
		expect(await again.keys(`g/${group}/`)).toEqual([`g/${group}/i/${invite}`, `g/${group}/m/${sender}:3:17`, `g/${group}/m/${sender}:3:18`, `g/${group}/session`]);
		expect(await again.keys('')).toEqual([...names].sort());
		expect(await again.keys('g/other/')).toEqual([]);
	});

	test('P10 data at rest: one id in two groups is stored under unrelated names', async () => {
		const backend = memoryBackend();
		const store = await new Device(backend, cheap).create(null);
		await store.batch([put('g/a/m/same', utf8('1')), put('g/b/m/same', utf8('2'))]);
		const [x, y] = [...backend.raw.keys()].map((k) => k.split('/')) as [string[], string[]];
		expect(x[0]).toBe(y[0]);
		expect(x[3]).not.toBe(y[3]);
		await expectCode(store.keys('g/a'), 'PROTOCOL_BAD_FRAME');
	});

	test('P10 data at rest: records of a device written before names were hashed still open, moved to hashed names in one batch', async () => {
		const backend = memoryBackend();
		const device = new Device(backend, cheap);
		const first = await device.create('correct horse battery');
		first.lock();
		// The layout of BASE: plain names, sealed with store "records" and the plain name as key.
		const storageKey = await unwrapStorageKey((backend.keyring() as { wrapped: WrappedKey }).wrapped, 'correct horse battery');
		const old = { 'g/grp1/session': 'state', 'g/grp1/m/pk:1:1': 'hello', device: 'root' };
		for (const [name, value] of Object.entries(old)) backend.raw.set(name, sealRecord(storageKey, 'records', name, utf8(value)));
		let batches = 0;
		const batch = backend.records.batch.bind(backend.records);
		backend.records.batch = (ops) => ((batches += 1), batch(ops));
		const store = await device.unlock('correct horse battery');
		expect(batches).toBe(1);
		expect([...backend.raw.keys()].every((k) => k.startsWith('~'))).toBe(true);
		expect(await store.keys('')).toEqual(Object.keys(old).sort());
		for (const [name, value] of Object.entries(old)) expect(text(await store.get(name))).toBe(value);
		store.lock();
		expect(batches).toBe(1);
		const again = await device.unlock('correct horse battery');
		expect(batches).toBe(1);
		expect(text(await again.get('g/grp1/m/pk:1:1'))).toBe('hello');
	});

	test('P10 data at rest: a damaged record of the old layout is set aside under a hashed name, and the unlock moves the rest', async () => {
		const backend = memoryBackend();
		const device = new Device(backend, cheap);
		(await device.create(null)).lock();
		const storageKey = await unwrapStorageKey((backend.keyring() as { wrapped: WrappedKey }).wrapped, null);
		const damaged = sealRecord(storageKey, 'records', 'not-b', utf8('moved'));
		backend.raw.set('g/grp1/session', sealRecord(storageKey, 'records', 'g/grp1/session', utf8('fine')));
		backend.raw.set('g/grp1/m/pk:1:1', damaged);
		backend.raw.set('device', sealRecord(storageKey, 'records', 'device', utf8('root')));
		const store = await device.unlock(null);
		expect(device.setAside).toBe(1);
		// No plain name is left on disk, the damaged one included.
		expect([...backend.raw.keys()].every((k) => k.startsWith('~'))).toBe(true);
		expect(text(await store.get('g/grp1/session'))).toBe('fine');
		expect(text(await store.get('device'))).toBe('root');
		expect(await store.get('g/grp1/m/pk:1:1')).toBeUndefined();
		// Kept byte for byte, should anyone want to look at it later.
		const kept = await store.keys(SET_ASIDE_PREFIX);
		expect(kept).toEqual([SET_ASIDE_PREFIX + Buffer.from('g/grp1/m/pk:1:1').toString('base64url')]);
		expect(await store.get(kept[0]!)).toEqual(damaged);
		store.lock();
		// Nothing is moved twice; the next unlock has nothing to set aside.
		const again = await device.unlock(null);
		expect(device.setAside).toBe(0);
		expect(await again.keys('')).toEqual(['device', 'g/grp1/session', kept[0]!].sort());
	});

	test('P10 data at rest: a group\'s page alias is stable on one device, unrelated on another, holds no group id, and is refused once locked', async () => {
		const backend = memoryBackend();
		const device = new Device(backend, cheap);
		const store = await device.create('correct horse battery');
		const group = 'Zq3-group-id-in-base64url-of-32-bytes-xxxxx';
		const alias = store.routeAlias(group);
		expect(alias).toMatch(/^[A-Za-z0-9_-]{22}$/);
		expect(alias).not.toContain(group.slice(0, 8));
		expect(store.routeAlias('another group')).not.toBe(alias);
		store.lock();
		expect(() => store.routeAlias(group)).toThrow(/locked/);
		await device.setPassphrase('correct horse battery', 'a new passphrase here');
		expect((await device.unlock('a new passphrase here')).routeAlias(group)).toBe(alias);
		const other = await new Device(memoryBackend(), cheap).create(null);
		expect(other.routeAlias(group)).not.toBe(alias);
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
