/**
 * Start-up configuration, a refused disk write, and a clean SIGTERM shutdown of `npm start`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, test, vi } from 'vitest';
import { ConfigError, configFromEnv, resolveConfig } from '../../server/config.ts';
import { createGroup, sendMessage } from './fixtures/group.ts';
import { rand } from './fixtures/ops.ts';
import { startRelay, tempDir, TestClient } from './fixtures/relay.ts';

describe('configuration', () => {
	test('unset variables take the documented defaults', () => {
		const config = resolveConfig(configFromEnv({}));
		expect(config).toMatchObject({ port: 3000, dataDir: './data', maxPayload: 65536, maxKeys: 64, allowedOrigins: null, moderator: null });
		expect(config.connectionRate).toEqual({ perSecond: 50, burst: 100 });
		expect(config.keyRate).toEqual({ perSecond: 20, burst: 60 });
	});

	test('variables are parsed: port, origins, rates and moderator keys', () => {
		const sign = rand(32);
		const box = rand(32);
		const config = configFromEnv({ PORT: '8080', ALLOWED_ORIGINS: 'https://a.example, https://b.example', RATE_KEY: '5/10', MODERATOR_SIGN_KEY: sign, MODERATOR_BOX_KEY: box });
		expect(config).toMatchObject({ port: 8080, allowedOrigins: ['https://a.example', 'https://b.example'], keyRate: { perSecond: 5, burst: 10 }, moderator: { sign, box } });
	});

	test.each([
		['PORT', { PORT: '70000' }],
		['PORT', { PORT: 'eighty' }],
		['MAX_PAYLOAD', { MAX_PAYLOAD: '12' }],
		['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: 'https://a.example/path' }],
		['RATE_CONNECTION', { RATE_CONNECTION: 'fast' }],
		['MODERATOR_SIGN_KEY', { MODERATOR_SIGN_KEY: 'short', MODERATOR_BOX_KEY: rand(32) }],
		['MODERATOR_BOX_KEY', { MODERATOR_SIGN_KEY: rand(32) }]
	])('a bad %s stops start-up with a ConfigError naming it', (name, env) => {
		expect(() => configFromEnv(env)).toThrow(ConfigError);
		expect(() => configFromEnv(env)).toThrow(name);
	});
});

describe('storage failures', () => {
	test('a write the disk refuses is answered RELAY_STORAGE_FULL, stores nothing and leaves no gap', async () => {
		const relay = await startRelay();
		const client = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(client);
		expect((await sendMessage(client, g, g.admin, 0)).seq).toBe(2);
		// The disk goes away between validation and the write: the real LevelDB batch fails.
		const store = relay.relay.store;
		const realCommit = store.commit.bind(store);
		vi.spyOn(store, 'commit').mockImplementation(async (appends) => {
			await store.close().catch(() => undefined);
			return realCommit(appends);
		});
		const refused = await Promise.all([sendMessage(client, g, g.admin, 1), sendMessage(client, g, g.admin, 2)]);
		for (const r of refused) expect(r).toMatchObject({ t: 'err', code: 'RELAY_STORAGE_FULL' });
		vi.restoreAllMocks();
		await store.open();
		expect(await sendMessage(client, g, g.admin, 1)).toMatchObject({ seq: 3 });
		await client.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 0 });
		await client.waitFor((f) => f.t === 'live');
		expect(client.entries().map((e) => e.seq)).toEqual([1, 2, 3]);
		client.close();
		await relay.stop();
	});
});

describe('npm start', () => {
	// In a clean clone there is no build yet: start.ts runs `vite build` first, hence the time.
	test('npm start serves the relay (building first when needed); SIGTERM closes LevelDB and exits 0 with the data kept', { timeout: 240_000 }, async () => {
		const dataDir = tempDir();
		const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'server', 'start.ts')], {
			env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir },
			stdio: ['ignore', 'pipe', 'inherit']
		});
		const lines = createInterface({ input: child.stdout! });
		let port = 0;
		for await (const line of lines) {
			const match = /listening on port (\d+)/.exec(line);
			if (match) {
				port = Number(match[1]);
				break;
			}
		}
		const client = await TestClient.connect(`ws://127.0.0.1:${port}/relay`);
		const g = await createGroup(client);
		const ack = await sendMessage(client, g, g.admin, 0);
		child.kill('SIGTERM');
		const [code] = (await once(child, 'exit')) as [number];
		expect(code).toBe(0);
		const relay = await startRelay({ dataDir });
		const reader = await TestClient.connect(relay.wsUrl);
		await reader.auth(g.admin);
		await reader.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 0 });
		await reader.waitFor((f) => f.t === 'live');
		expect(reader.entries().map((e) => e.seq)).toEqual([1, ack.seq]);
		reader.close();
		await relay.stop();
		rmSync(dataDir, { recursive: true, force: true });
	});
});

describe('start-up failures', () => {
	test('a port already in use is reported and releases the data folder for the next start', async () => {
		const first = await startRelay();
		const dataDir = tempDir();
		await expect(startRelay({ port: first.port, dataDir }, true)).rejects.toMatchObject({ code: 'EADDRINUSE' });
		const retry = await startRelay({ dataDir });
		expect(retry.port).toBeGreaterThan(0);
		await retry.stop();
		await first.stop();
	});
});
