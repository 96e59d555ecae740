/**
 * `npm run migrate` (server/migrate.ts): a LevelDB data folder moved into Redis is the same relay
 * afterwards: every entry (tombstones and retention gaps included) with its seq, the mid rows,
 * the op log's replay protection, reports, and the stamp secret (old stamps still verify).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appendOp, createGroup, sendMessage } from './fixtures/group.ts';
import { chained, epochFields, mid } from './fixtures/ops.ts';
import { TestClient, type AnyFrame } from './fixtures/relay.ts';
import type { Op } from '../../src/lib/core/schema.ts';
import { startRelay, tempDir } from '../kit/relay.ts';
import { signWith } from '../kit/identities.ts';
import { LABEL } from '../../src/lib/core/labels.ts';
import { hasRedis, NO_REDIS, startRedis, type TestRedis } from '../kit/redis.ts';
import { LevelStore } from '../../server/store-level.ts';
import { RedisStore } from '../../server/store-redis.ts';

const root = join(import.meta.dirname, '..', '..');
const migrate = (env: Record<string, string>, args: string[] = []) =>
	spawnSync(process.execPath, [join(root, 'server', 'migrate.ts'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });

describe.skipIf(!hasRedis)('npm run migrate: a LevelDB data folder into Redis', { timeout: 120_000 }, () => {
	let redis: TestRedis;
	beforeAll(async () => {
		redis = await startRedis();
	});
	afterAll(async () => {
		await redis?.stop();
	});

	test('the relay on Redis serves the same log, continues its seq, still refuses replays, verifies old stamps and keeps reports', async () => {
		const dataDir = tempDir();
		const level = await startRelay({ dataDir }, true);
		const client = await TestClient.connect(level.wsUrl);
		const g = await createGroup(client);
		const ops: Op[] = [];
		for (let i = 1; i <= 3; i++) {
			const op = chained(g.at, g.admin, 'rekey', epochFields(i, [g.admin.sign]));
			expect((await appendOp(client, g, op)).t).toBe('ok');
			ops.push(op);
		}
		const sent: AnyFrame[] = [];
		const mids: string[] = [];
		for (let i = 0; i < 20; i++) {
			mids.push(mid());
			sent.push(await sendMessage(client, g, g.admin, i, mids[i]));
		}
		// The sender erases message 5, naming its later message 6 as the delete (§9.8a).
		const erased = { by: sent[6]!.seq as number, ctr: 5, epoch: g.epoch, group: g.group, seq: sent[5]!.seq as number };
		expect(await client.request({ t: 'erase', group: g.group, seq: erased.seq, by: erased.by, sig: signWith(g.admin, LABEL.erase, erased) })).toMatchObject({ t: 'ok' });
		client.close();
		await level.stop();
		const before = new LevelStore(dataDir);
		await before.open();
		await before.putReport(g.group, { ts: 5, sealed: [{ to: 'k', box: 'b' }] });
		const entriesBefore = await before.range(g.group, 0, 1000);
		await before.close();

		const refused = migrate({ DATA_DIR: dataDir, REDIS_URL: '' });
		expect(refused.status).toBe(2);
		expect(refused.stderr).toContain('REDIS_URL');
		const done = migrate({ DATA_DIR: dataDir, REDIS_URL: redis.url });
		expect(done.stderr).toBe('');
		expect(done.status).toBe(0);
		expect(done.stdout).toContain('copied 1 groups, 24 entries and 1 reports');
		// A second run would mix two copies: refused unless --force.
		const again = migrate({ DATA_DIR: dataDir, REDIS_URL: redis.url });
		expect(again.status).toBe(1);
		expect(again.stderr).toContain('already holds Unseen data');
		expect(migrate({ DATA_DIR: dataDir, REDIS_URL: redis.url }, ['--force']).status).toBe(0);

		const store = new RedisStore(redis.url);
		await store.open();
		expect(await store.range(g.group, 0, 1000)).toEqual(entriesBefore);
		expect((await store.range(g.group, 0, 1000)).find((e) => e.seq === sent[5]!.seq)?.kind).toBe('erased');
		expect(await store.listReports(g.group, 0, 10)).toEqual([{ seq: 1, ts: 5, sealed: [{ to: 'k', box: 'b' }] }]);
		await store.close();

		const cluster = await startRelay({ redisUrl: redis.url });
		const c = await TestClient.connect(cluster.wsUrl);
		await c.auth(g.admin);
		// A retried mid gets its original answer; a new message continues the seq.
		expect(await sendMessage(c, g, g.admin, 3, mids[3])).toMatchObject({ t: 'ok', seq: sent[3]!.seq, stamp: sent[3]!.stamp });
		expect(await sendMessage(c, g, g.admin, 99)).toMatchObject({ t: 'ok', seq: 25 });
		// The op-hash index came along: an old op is a replay, not a conflict.
		const replay = await c.request({ t: 'append', group: g.group, mid: mid(), entry: { op: ops[0] } });
		expect(replay).toMatchObject({ t: 'err', code: 'RELAY_INVALID_OP' });
		expect(replay.message).toContain('PROTOCOL_REPLAY');
		// The stamp secret came along: a stamp made by the LevelDB relay verifies on Redis.
		await c.request({ t: 'sub', group: g.group, as: g.admin.sign, after: sent[0]!.seq - 1 });
		const entry = await c.waitFor((f) => f.t === 'entry' && f.seq === sent[0]!.seq);
		const verify = { t: 'verify', as: g.admin.sign, group: g.group, seq: entry.seq, ts: entry.ts, sender: g.admin.sign, c: entry.entry.msg.c, stamp: entry.stamp };
		expect(await c.request(verify)).toMatchObject({ t: 'ok', valid: true });
		c.close();
		await cluster.stop();
		rmSync(dataDir, { recursive: true, force: true });
	});
});

if (!hasRedis) test.skip(`npm run migrate: ${NO_REDIS}`, () => undefined);
