/**
 * P11 durability: an acknowledged entry is on disk. It survives a clean restart, and it
 * survives `kill -9` of a relay process in the middle of a burst of appends.
 */
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { appendOp, createGroup, sendMessage } from './fixtures/group.ts';
import { chained, epochFields, message, mid } from './fixtures/ops.ts';
import type { Op } from '../../src/lib/core/schema.ts';
import { TestClient, type AnyFrame } from './fixtures/relay.ts';
import { spawnRelay } from '../kit/child.ts';
import { startRelay, tempDir } from '../kit/relay.ts';

const unlimited = { perSecond: 1_000_000, burst: 1_000_000 };

async function readAll(url: string, group: string, as: Parameters<TestClient['auth']>[0]): Promise<AnyFrame[]> {
	const reader = await TestClient.connect(url);
	await reader.auth(as);
	await reader.request({ t: 'sub', group, as: as.sign, after: 0 });
	await reader.waitFor((f) => f.t === 'live');
	reader.close();
	return reader.entries(group);
}

describe('P11 relay robustness: durability of acknowledged entries', () => {
	test('P11 restart keeps every acknowledged message and the sequence continues after it', async () => {
		const dataDir = tempDir();
		const first = await startRelay({ dataDir, keyRate: unlimited, connectionRate: unlimited, rekeysPerHour: 1000 }, true);
		const client = await TestClient.connect(first.wsUrl);
		const g = await createGroup(client);
		const acks = await Promise.all(Array.from({ length: 50 }, (_, i) => sendMessage(client, g, g.admin, i)));
		client.close();
		await first.stop();

		const second = await startRelay({ dataDir, keyRate: unlimited, connectionRate: unlimited, rekeysPerHour: 1000 });
		const entries = await readAll(second.wsUrl, g.group, g.admin);
		expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
		for (const ack of acks) expect(entries.find((e) => e.seq === ack.seq)!.stamp).toBe(ack.stamp);
		const again = await TestClient.connect(second.wsUrl);
		await again.auth(g.admin);
		expect((await sendMessage(again, g, g.admin, 50)).seq).toBe(52);
		again.close();
		await second.stop();
	});

	test('P11 a group with many ops reloads after a restart: a replay of any earlier op is still refused as one, and the log extends', async () => {
		const dataDir = tempDir();
		const first = await startRelay({ dataDir, keyRate: unlimited, connectionRate: unlimited, opsPerHour: 10_000, rekeysPerHour: 10_000 }, true);
		const client = await TestClient.connect(first.wsUrl);
		const g = await createGroup(client);
		const ops: Op[] = [];
		for (let i = 1; i <= 300; i++) {
			const op = chained(g.at, g.admin, 'rekey', epochFields(i, [g.admin.sign]));
			expect((await appendOp(client, g, op)).t).toBe('ok');
			ops.push(op);
		}
		client.close();
		await first.stop();

		const second = await startRelay({ dataDir, keyRate: unlimited, connectionRate: unlimited, opsPerHour: 10_000, rekeysPerHour: 10_000 });
		const again = await TestClient.connect(second.wsUrl);
		for (const old of [ops[0]!, ops[150]!, ops[298]!]) {
			const reply = await again.request({ t: 'append', group: g.group, mid: mid(), entry: { op: old } });
			expect(reply).toMatchObject({ t: 'err', code: 'RELAY_INVALID_OP' });
			expect(reply.message).toContain('PROTOCOL_REPLAY');
		}
		const stale = chained({ group: g.group, head: (ops[0] as Extract<Op, { parent: string }>).parent }, g.admin, 'rekey', epochFields(301, [g.admin.sign]));
		expect(await again.request({ t: 'append', group: g.group, mid: mid(), entry: { op: stale } })).toMatchObject({ t: 'err', code: 'RELAY_CONFLICT' });
		expect((await appendOp(again, g, chained(g.at, g.admin, 'rekey', epochFields(301, [g.admin.sign])))).t).toBe('ok');
		expect((await readAll(second.wsUrl, g.group, g.admin)).length).toBe(302);
		again.close();
		await second.stop();
	});

	test('P11 kill -9 during a burst loses no acknowledged message', async () => {
		const dataDir = tempDir();
		const relay = await spawnRelay(dataDir);
		const child = relay.process;
		const client = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(client);

		// Keep 20 appends in flight at all times, until the relay is dead; kill it once 400 are
		// acknowledged, so that it dies with appends received, queued or being written.
		const acked = new Map<number, string>();
		let sent = 0;
		let dead = false;
		const pump = async () => {
			while (!dead) {
				const msg = message(g.group, g.admin.sign, 0, sent++);
				const reply = await client.request({ t: 'append', group: g.group, mid: mid(), entry: { msg } }, 2000).catch(() => null);
				if (reply?.t === 'ok') acked.set(reply.seq, msg.c);
				if (acked.size >= 400 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
			}
		};
		const pumps = Array.from({ length: 20 }, pump);
		await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 30_000))]);
		dead = true;
		client.ws.terminate();
		await Promise.allSettled(pumps);
		expect(sent).toBeGreaterThan(acked.size);

		const restarted = await startRelay({ dataDir });
		const entries = await readAll(restarted.wsUrl, g.group, g.admin);
		const stored = new Map(entries.map((e) => [e.seq, e.entry.msg?.c]));
		for (const [seq, c] of acked) expect(stored.get(seq)).toBe(c);
		// Stored seqs are consecutive: nothing half-written, no hole.
		expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: entries.length }, (_, i) => i + 1));
		await restarted.stop();
		rmSync(dataDir, { recursive: true, force: true });
	});
});
