/**
 * Retention: messages older than the group's retention are deleted for real: after the sweep
 * they are gone from the raw LevelDB files, while the membership ops stay.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createGroup } from './fixtures/group.ts';
import { message, mid } from './fixtures/ops.ts';
import { TestClient } from './fixtures/relay.ts';
import { startRelay } from '../kit/relay.ts';
import { fakeClock } from '../kit/clock.ts';

function rawFilesContain(dir: string, marker: string): boolean {
	const needle = Buffer.from(marker);
	return readdirSync(dir).some((name) => readFileSync(join(dir, name)).includes(needle));
}

describe('retention', () => {
	test('messages past the group retention are gone from the LevelDB files; ops and newer messages stay', async () => {
		const clock = fakeClock();
		const relay = await startRelay({ retentionSweepMs: 3_600_000, now: clock.now });
		const client = await TestClient.connect(relay.wsUrl);
		const short = await createGroup(client, { retention: 1 });
		const forever = await createGroup(client, { retention: 0 });
		const old = message(short.group, short.admin.sign, 0, 0);
		const kept = message(forever.group, forever.admin.sign, 0, 0);
		await client.auth(forever.admin);
		await client.request({ t: 'append', group: short.group, mid: mid(), entry: { msg: old } });
		await client.request({ t: 'append', group: forever.group, mid: mid(), entry: { msg: kept } });
		expect(rawFilesContain(relay.dataDir, old.ct)).toBe(true);
		// Moves the message from the write-ahead log into a table file, the harder case to erase.
		await relay.relay.store.compact();
		expect(rawFilesContain(relay.dataDir, old.ct)).toBe(true);

		clock.advance(1100);
		const fresh = message(short.group, short.admin.sign, 0, 1);
		await client.request({ t: 'append', group: short.group, mid: mid(), entry: { msg: fresh } });
		expect(await relay.sweeper.sweep()).toBe(1);

		expect(rawFilesContain(relay.dataDir, old.ct)).toBe(false);
		expect(rawFilesContain(relay.dataDir, kept.ct)).toBe(true);
		await client.request({ t: 'sub', group: short.group, as: short.admin.sign, after: 0 });
		await client.waitFor((f) => f.t === 'live');
		const entries = client.entries(short.group);
		expect(entries.map((e) => e.seq)).toEqual([1, 3]);
		expect(entries[0]!.entry.op.kind).toBe('genesis');
		expect(entries[1]!.entry.msg.ct).toBe(fresh.ct);
		client.close();
		await relay.stop();
	});

	test('the sweeper runs by itself on its interval', async () => {
		const relay = await startRelay({ retentionSweepMs: 200 });
		const client = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(client, { retention: 1 });
		const msg = message(g.group, g.admin.sign, 0, 0);
		await client.request({ t: 'append', group: g.group, mid: mid(), entry: { msg } });
		await expect.poll(() => rawFilesContain(relay.dataDir, msg.ct), { timeout: 5000, interval: 200 }).toBe(false);
		client.close();
		await relay.stop();
	});
});
