/**
 * Op-log growth (issue 9, P11): the cost of one op append at 0 ops and at 100,000 ops, measured
 * in the same run. The 100,000-op group is written straight into the store (its op rows, hash
 * index rows and the state a log of admin rekeys leaves), as the relay would have written it,
 * so that building it takes seconds; the appends measured on top are real signed ops through
 * the relay's GroupLog, group commit and LevelDB. Target: at 100k ops within 2x of 0 ops.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { toB64 } from '../src/lib/core/bytes.ts';
import type { Op } from '../src/lib/core/schema.ts';
import { applyOp } from '../src/lib/protocol/group/state.ts';
import type { GroupState } from '../src/lib/protocol/group/types.ts';
import { GroupCommit } from '../server/group-commit.ts';
import { GroupLog, type AppendDone } from '../server/groups.ts';
import { nodePrimitives } from '../server/primitives.ts';
import { LevelStore } from '../server/store-level.ts';
import type { AppendRecord } from '../server/store.ts';
import { chained, epochFields, genesis, mid } from '../test/relay/fixtures/ops.ts';
import { identity, type TestIdentity } from '../test/kit/identities.ts';
import { tempDir } from '../test/kit/relay.ts';

const BIG = 100_000;
const SAMPLES = 200;
const WRITE_BATCH = 10_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Group {
	id: string;
	admin: TestIdentity;
	state: GroupState;
}

function append(log: GroupLog, group: string, entry: { op: Op }): Promise<void> {
	return new Promise((resolve, reject) => {
		const done: AppendDone = (error) => (error ? reject(error) : resolve());
		void log.append({ group, mid: mid(), entry, keys: new Set() }, done);
	});
}

async function create(log: GroupLog): Promise<Group> {
	const admin = identity();
	const { op, group } = genesis(admin);
	await append(log, group, { op });
	return { id: group, admin, state: (await log.committedState(group))!.state };
}

/** Writes `count` admin rekeys' worth of rows and the state after them, in fsync'd batches. */
async function grow(store: LevelStore, g: Group, count: number): Promise<void> {
	let state = g.state;
	let seq = 1;
	for (let done = 0; done < count; done += WRITE_BATCH) {
		const batch: AppendRecord[] = [];
		for (let i = 0; i < Math.min(WRITE_BATCH, count - done); i++) {
			seq++;
			const head = toB64(randomBytes(32));
			state = { ...state, head, length: state.length + 1, epoch: state.epoch + 1, commit: toB64(randomBytes(32)), epochStartedAt: seq, lastOpAt: seq };
			const frame = JSON.stringify({ t: 'entry', group: g.id, seq, ts: seq, entry: { op: { kind: 'rekey', filler: head } } });
			batch.push({ group: g.id, record: { seq, ts: seq, kind: 'op', mid: toB64(randomBytes(16)), frame }, head: { seq, ts: seq }, state });
		}
		await store.commit(batch);
	}
	g.state = state;
}

/** Median wall time of one acknowledged op append, `SAMPLES` in a row. */
async function appendCost(log: GroupLog, g: Group): Promise<number> {
	const times: number[] = [];
	for (let i = 0; i < SAMPLES; i++) {
		const op = chained({ group: g.id, head: g.state.head }, g.admin, 'rekey', epochFields(g.state.epoch + 1, [g.admin.sign]));
		const started = performance.now();
		await append(log, g.id, { op });
		times.push(performance.now() - started);
		g.state = (await log.committedState(g.id))!.state;
	}
	return median(times);
}

/** Median CPU time of `applyOp` alone on the group's state (nothing stored). */
function applyCost(g: Group): number {
	const times: number[] = [];
	for (let i = 0; i < SAMPLES; i++) {
		const op = chained({ group: g.id, head: g.state.head }, g.admin, 'rekey', epochFields(g.state.epoch + 1, [g.admin.sign]));
		const started = performance.now();
		applyOp(g.state, op, { now: Date.now(), primitives: nodePrimitives });
		times.push(performance.now() - started);
	}
	return median(times);
}

async function loadCost(store: LevelStore, group: string): Promise<number> {
	const fresh = new GroupLog(store, new GroupCommit(store), new Uint8Array(32), Date.now, undefined, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
	const started = performance.now();
	await fresh.get(group);
	return performance.now() - started;
}

export async function run(): Promise<{ growth: Record<string, number> }> {
	const dir = tempDir();
	const store = new LevelStore(dir);
	await store.open();
	try {
		const log = new GroupLog(store, new GroupCommit(store), new Uint8Array(32), Date.now, undefined, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
		const small = await create(log);
		const big = await create(log);
		const started = performance.now();
		await grow(store, big, BIG);
		const buildS = (performance.now() - started) / 1000;
		// Reload the big group from disk, as after a restart.
		const relay = new GroupLog(store, new GroupCommit(store), new Uint8Array(32), Date.now, undefined, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
		await appendCost(relay, small); // warm-up: the first appends of a run pay for JIT and caches
		const append0 = await appendCost(relay, small);
		const append100k = await appendCost(relay, big);
		const apply0 = applyCost(small);
		const apply100k = applyCost(big);
		return {
			growth: {
				build_100k_log_s: buildS,
				append_ms_at_0_ops: append0,
				append_ms_at_100k_ops: append100k,
				append_ratio: append100k / append0,
				apply_us_at_0_ops: apply0 * 1000,
				apply_us_at_100k_ops: apply100k * 1000,
				apply_ratio: apply100k / apply0,
				load_ms_at_0_ops: await loadCost(store, small.id),
				load_ms_at_100k_ops: await loadCost(store, big.id)
			}
		};
	} finally {
		await store.close();
		rmSync(dir, { recursive: true, force: true });
	}
}
