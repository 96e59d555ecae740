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
import { message, mid, rand } from './fixtures/ops.ts';
import { TestClient, type AnyFrame } from './fixtures/relay.ts';
import { startRelay, tempDir } from '../kit/relay.ts';

describe('configuration', () => {
	test('unset variables take the documented defaults', () => {
		const config = resolveConfig(configFromEnv({}));
		expect(config).toMatchObject({ port: 3000, dataDir: './data', redisUrl: null, maxPayload: 262144, maxKeys: 64, allowedOrigins: null, moderator: null });
		expect(configFromEnv({ REDIS_URL: 'redis://:pw@127.0.0.1:6379/0' }).redisUrl).toBe('redis://:pw@127.0.0.1:6379/0');
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
		['MODERATOR_BOX_KEY', { MODERATOR_SIGN_KEY: rand(32) }],
		['REDIS_URL', { REDIS_URL: '127.0.0.1:6379' }],
		['REDIS_URL', { REDIS_URL: 'http://127.0.0.1:6379' }]
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
	test('npm start serves the relay (building first when needed); SIGTERM with appends in flight answers them, says goodbye (1001), closes LevelDB and exits 0 with every acknowledged entry kept', { timeout: 240_000 }, async () => {
		const dataDir = tempDir();
		const unlimited = '1000000/1000000';
		const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'server', 'start.ts')], {
			env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, RATE_KEY: unlimited, RATE_CONNECTION: unlimited },
			stdio: ['ignore', 'pipe', 'inherit']
		});
		const stdout: string[] = [];
		const lines = createInterface({ input: child.stdout! });
		const listening = new Promise<number>((resolve) => {
			lines.on('line', (line) => {
				stdout.push(line);
				const match = /listening on port (\d+)/.exec(line);
				if (match) resolve(Number(match[1]));
			});
		});
		const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
		const port = await listening;
		const url = `ws://127.0.0.1:${port}/relay`;
		const writer = await TestClient.connect(url);
		const g = await createGroup(writer);
		// A second member's device, idle on a live subscription: it must be told the relay is going away.
		const watcher = await TestClient.connect(url);
		await watcher.auth(g.admin);
		await watcher.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 0 });
		await watcher.waitFor((f) => f.t === 'live');

		// Keep 20 appends in flight until the writer's socket closes; SIGTERM once 200 are
		// acknowledged, so that the relay stops with appends received, queued or being written.
		const acked = new Map<number, string>();
		const afterSignal: AnyFrame[] = [];
		let signalled = false;
		let inFlightAtSignal = 0;
		let inFlight = 0;
		let sent = 0;
		let socketGone = false;
		void writer.closed().then(() => (socketGone = true));
		const pump = async () => {
			while (!socketGone) {
				const msg = message(g.group, g.admin.sign, 0, sent++);
				inFlight++;
				const reply = await Promise.race([writer.request({ t: 'append', group: g.group, mid: mid(), entry: { msg } }, 5000).catch(() => null), writer.closed().then(() => null)]);
				inFlight--;
				if (reply && signalled) afterSignal.push(reply);
				if (reply?.t === 'ok') acked.set(reply.seq, msg.c);
				if (acked.size >= 200 && !signalled) {
					signalled = true;
					inFlightAtSignal = inFlight;
					child.kill('SIGTERM');
				}
			}
		};
		await Promise.all(Array.from({ length: 20 }, pump));
		const [code, signal] = await exited;
		expect({ code, signal }).toEqual({ code: 0, signal: null });
		expect(inFlightAtSignal).toBeGreaterThan(0);
		// Appends caught by the shutdown are either stored and acknowledged or refused as such;
		// none fails because LevelDB was closed under it.
		for (const reply of afterSignal) {
			if (reply.t !== 'ok') expect(reply.code).toBe('RELAY_SHUTTING_DOWN');
		}
		// Both devices were told "going away" (1001), not cut off (1006).
		expect(await writer.closed()).toBe(1001);
		expect(await watcher.closed()).toBe(1001);
		// The live subscriber got every acknowledged entry before the goodbye.
		const seen = new Set(watcher.entries(g.group).map((e) => e.seq));
		for (const seq of acked.keys()) expect(seen.has(seq)).toBe(true);
		// Logged only once LevelDB has closed.
		expect(stdout.some((line) => /^unseen: stopped after \d+ frames$/.test(line))).toBe(true);

		const relay = await startRelay({ dataDir });
		const reader = await TestClient.connect(relay.wsUrl);
		await reader.auth(g.admin);
		await reader.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 0 });
		await reader.waitFor((f) => f.t === 'live');
		const stored = new Map(reader.entries(g.group).map((e) => [e.seq, e.entry.msg?.c]));
		for (const [seq, c] of acked) expect(stored.get(seq)).toBe(c);
		// Consecutive from the genesis: nothing half-written, no hole.
		expect([...stored.keys()]).toEqual(Array.from({ length: stored.size }, (_, i) => i + 1));
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
