/**
 * `npm run dev` serves the app with hot reload and the real relay on the same port (server/dev-relay.ts):
 * a client can authenticate and append there, and what it wrote is in DATA_DIR afterwards.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, test } from 'vitest';
import { createGroup, sendMessage } from './fixtures/group.ts';
import { TestClient } from './fixtures/relay.ts';
import { startRelay, tempDir } from '../kit/relay.ts';

const root = join(import.meta.dirname, '..', '..');

test('the dev server answers on /relay with the real relay, over DATA_DIR', { timeout: 60_000 }, async () => {
	const dataDir = tempDir();
	const env: Record<string, string | undefined> = { ...process.env, DATA_DIR: dataDir };
	for (const name of Object.keys(env)) if (name.startsWith('VITEST') || name === 'TEST' || name === 'NODE_ENV' || name === 'FORCE_COLOR') delete env[name];
	env.NO_COLOR = '1'; // Vite prints the port in bold when colours are forced (CI sets FORCE_COLOR)
	const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
	const child = spawn(process.execPath, [vite, 'dev', '--host', '127.0.0.1', '--port', '0', '--clearScreen', 'false'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
	let g: Awaited<ReturnType<typeof createGroup>>;
	try {
		let relayLine = false;
		let url = '';
		for await (const raw of createInterface({ input: child.stdout! })) {
			const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
			if (line.includes('unseen: dev relay at /relay')) relayLine = true;
			const found = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(line);
			if (found) url = `ws://127.0.0.1:${found[1]}/relay`;
			if (url) break; // Vite prints its address once every plugin is configured
		}
		expect(relayLine).toBe(true);

		const client = await TestClient.connect(url);
		g = await createGroup(client);
		const ack = await sendMessage(client, g, g.admin, 0);
		expect(ack.seq).toBe(2);
		client.close();
	} finally {
		child.kill('SIGTERM');
		if (child.exitCode === null) await once(child, 'exit');
	}

	// What the dev relay acknowledged is on disk for the production server.
	const relay = await startRelay({ dataDir });
	try {
		const reader = await TestClient.connect(relay.wsUrl);
		await reader.auth(g.admin);
		await reader.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 0 });
		await reader.waitFor((f) => f.t === 'live');
		reader.close();
		expect(reader.entries(g.group).map((e) => e.seq)).toEqual([1, 2]);
	} finally {
		await relay.stop();
	}
});
