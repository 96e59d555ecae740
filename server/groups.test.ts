/**
 * GroupLog keeps a bounded number of groups in memory: idle groups are dropped and reloaded
 * from disk, and appends racing with an eviction still get one seq each, with no gap.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { genesis, message, mid } from '../test/relay/fixtures/ops.ts';
import { identity, type TestIdentity } from '../test/kit/identities.ts';
import type { RelayError } from './errors.ts';
import { GroupCommit } from './group-commit.ts';
import { GroupLog } from './groups.ts';
import type { MidRecord } from './store.ts';
import { LevelStore } from './store-level.ts';

let dir: string;
let store: LevelStore;
let log: GroupLog;

beforeEach(async () => {
	dir = mkdtempSync(join(tmpdir(), 'unseen-groups-'));
	store = new LevelStore(dir);
	await store.open();
	log = new GroupLog(store, new GroupCommit(store), new Uint8Array(32), Date.now, 3);
});
afterEach(async () => {
	await store.close();
	rmSync(dir, { recursive: true, force: true });
});

function append(group: string, entry: object, keys: string[] = [], id = mid()): Promise<MidRecord> {
	return new Promise((resolve, reject) => {
		void log.append({ group, mid: id, entry: entry as never, keys: new Set(keys) }, (error: RelayError | null, result?: MidRecord) =>
			error ? reject(error) : resolve(result!)
		);
	});
}

async function createGroups(n: number): Promise<{ group: string; admin: TestIdentity }[]> {
	const groups = [];
	for (let i = 0; i < n; i++) {
		const admin = identity();
		const { op, group } = genesis(admin);
		await append(group, { op });
		groups.push({ group, admin });
	}
	return groups;
}

describe('group cache', () => {
	test('no more than the configured number of idle groups stay in memory', async () => {
		await createGroups(10);
		expect(log.cached).toBeLessThanOrEqual(3);
	});

	test('an evicted group reloads from disk and its sequence continues without a gap', async () => {
		const [first] = await createGroups(6);
		const { group, admin } = first!;
		const a = await append(group, { msg: message(group, admin.sign, 0, 0) }, [admin.sign]);
		expect(a.seq).toBe(2);
	});

	test('concurrent appends to more groups than fit in memory each get one seq, consecutive per group', async () => {
		const groups = await createGroups(8);
		const results = await Promise.all(
			groups.flatMap(({ group, admin }) =>
				Array.from({ length: 15 }, (_, i) => append(group, { msg: message(group, admin.sign, 0, i) }, [admin.sign]).then((r) => ({ group, seq: r.seq })))
			)
		);
		for (const { group } of groups) {
			const seqs = results.filter((r) => r.group === group).map((r) => r.seq).sort((x, y) => x - y);
			expect(seqs).toEqual(Array.from({ length: 15 }, (_, i) => i + 2));
			expect((await store.range(group, 0, 100)).map((r) => r.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
		}
	});

	test('a retried mid is answered with the original seq even after its group was evicted', async () => {
		const [first] = await createGroups(1);
		const { group, admin } = first!;
		const id = mid();
		const msg = { msg: message(group, admin.sign, 0, 0) };
		const original = await append(group, msg, [admin.sign], id);
		await createGroups(5);
		expect(await append(group, msg, [admin.sign], id)).toEqual(original);
		expect((await store.range(group, 0, 10)).length).toBe(2);
	});

	test('an append whose group is evicted while it reads the disk still gets a seq of its own', async () => {
		// A store whose reads and writes for one group can be held at a gate, to force the race.
		const gates = { read: Promise.withResolvers<void>(), write: Promise.withResolvers<void>(), readEntered: Promise.withResolvers<void>(), writeEntered: Promise.withResolvers<void>() };
		let held = '';
		class GatedStore extends LevelStore {
			override async findMid(group: string, id: string) {
				const found = await super.findMid(group, id);
				if (group === held) {
					gates.readEntered.resolve();
					await gates.read.promise;
				}
				return found;
			}
			override async commit(appends: Parameters<LevelStore['commit']>[0]) {
				if (appends.some((a) => a.group === held)) {
					gates.writeEntered.resolve();
					await gates.write.promise;
				}
				return super.commit(appends);
			}
		}
		await store.close();
		store = new GatedStore(dir);
		await store.open();
		const writer = new GroupCommit(store);
		log = new GroupLog(store, writer, new Uint8Array(32), Date.now, 1);
		const [x, y] = await createGroups(2);
		held = x!.group;
		const a = append(x!.group, { msg: message(x!.group, x!.admin.sign, 0, 0) }, [x!.admin.sign]);
		await gates.readEntered.promise;
		// Another group's append loads it and evicts the idle X while A waits on the disk.
		await append(y!.group, { msg: message(y!.group, y!.admin.sign, 0, 0) }, [y!.admin.sign]);
		gates.read.resolve();
		await gates.writeEntered.promise;
		// A is being written; C arrives for X and must not reuse A's seq.
		const c = append(x!.group, { msg: message(x!.group, x!.admin.sign, 0, 1) }, [x!.admin.sign]);
		await expect.poll(() => writer.pending).toBe(1);
		gates.write.resolve();
		const [ra, rc] = await Promise.all([a, c]);
		expect([ra.seq, rc.seq].sort()).toEqual([2, 3]);
		expect((await store.range(x!.group, 0, 10)).map((r) => r.seq)).toEqual([1, 2, 3]);
	});
});

describe('arrival order', () => {
	test('appends to one group are numbered in the order they arrived, even when an earlier one reads the disk slower', async () => {
		const [first] = await createGroups(1);
		const { group, admin } = first!;
		// The first append's mid look-up is slow; the second's is not.
		const findMid = store.findMid.bind(store);
		let calls = 0;
		store.findMid = async (g, m) => {
			const slow = calls++ === 0;
			const found = await findMid(g, m);
			if (slow) await new Promise((resolve) => setTimeout(resolve, 50));
			return found;
		};
		const [a, b] = await Promise.all([
			append(group, { msg: message(group, admin.sign, 0, 0) }, [admin.sign]),
			append(group, { msg: message(group, admin.sign, 0, 1) }, [admin.sign])
		]);
		expect([a.seq, b.seq]).toEqual([2, 3]);
		const stored = await store.range(group, 0, 10);
		expect(stored.map((r) => JSON.parse(r.frame).entry.msg?.ctr)).toEqual([undefined, 0, 1]);
	});
});
