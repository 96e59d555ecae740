/**
 * `npm run migrate`: copies a relay's LevelDB data folder into Redis, so an existing deployment
 * can move to several relay processes (PROTOCOL §14, README "Several relay processes").
 *
 *   DATA_DIR=./data REDIS_URL=redis://127.0.0.1:6379/0 npm run migrate [-- --force]
 *
 * Stop the relay first (LevelDB's lock refuses a folder in use). Copies every group (state,
 * head, entries with their own seq, tombstones, mid rows, op-hash positions), every report and
 * the stamp secret, so stamps made before the move still verify. Refuses a Redis that already
 * holds Unseen data unless --force (then the copy overwrites group by group). The folder is only
 * read. Exit 0 done, 1 with one plain line on stderr when the job cannot be done, 2 on misuse.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { opHashB64 } from '../src/lib/protocol/group/state.ts';
import type { Op } from '../src/lib/core/schema.ts';
import { nodePrimitives } from './primitives.ts';
import { LevelStore } from './store-level.ts';
import { RedisStore, type ImportedGroup } from './store-redis.ts';
import { DEPLOYMENT_TARGET } from './store.ts';

const PAGE = 1000;

export interface MigrationCounts {
	groups: number;
	entries: number;
	reports: number;
}

export class MigrationError extends Error {}

/** Copies everything `from` holds into `to` (both open). */
export async function migrateLevelToRedis(from: LevelStore, to: RedisStore, force = false): Promise<MigrationCounts> {
	if (!force && !(await to.isEmpty())) throw new MigrationError('this Redis already holds Unseen data (use --force to copy over it)');
	const counts: MigrationCounts = { groups: 0, entries: 0, reports: 0 };
	const groups: string[] = [];
	for await (const { group } of from.retentions()) groups.push(group);
	for (const group of groups) {
		const stored = (await from.loadGroup(group))!;
		const data: ImportedGroup = { state: stored.state, head: stored.head, entries: [], hashes: [] };
		for (let after = 0; ; ) {
			const page = await from.range(group, after, PAGE);
			if (page.length === 0) break;
			for (const record of page) data.entries.push({ record, mid: await from.findMid(group, record.mid) });
			after = page[page.length - 1]!.seq;
		}
		// Positions in the op log: ops are never deleted, so the n-th stored op is position n.
		let position = 0;
		for (let after = 0; ; ) {
			const page = await from.ops(group, after, PAGE);
			if (page.length === 0) break;
			for (const record of page) {
				const op = (JSON.parse(record.frame) as { entry: { op: Op } }).entry.op;
				data.hashes.push([opHashB64(op, nodePrimitives), ++position]);
			}
			after = page[page.length - 1]!.seq;
		}
		await to.importGroup(group, data);
		counts.groups++;
		counts.entries += data.entries.length;
	}
	for (const target of [...groups, DEPLOYMENT_TARGET]) {
		for (let after = 0; ; ) {
			const page = await from.listReports(target, after, PAGE);
			if (page.length === 0) break;
			for (const report of page) await to.importReport(target, report);
			counts.reports += page.length;
			after = page[page.length - 1]!.seq;
		}
	}
	// Service bans (§9.8b), unbans included: their times keep refusing replays after the move.
	for (const ban of await from.listBans()) await to.putBan(ban);
	await to.importSecret('stamp', await from.secret('stamp'));
	return counts;
}

async function main(): Promise<number> {
	let force = false;
	try {
		force = parseArgs({ args: process.argv.slice(2), options: { force: { type: 'boolean' } }, strict: true }).values.force ?? false;
	} catch {
		console.error('usage: DATA_DIR=./data REDIS_URL=redis://HOST:6379/0 npm run migrate [-- --force]');
		return 2;
	}
	const dataDir = resolve(process.env.DATA_DIR || './data');
	const url = process.env.REDIS_URL;
	if (!url) {
		console.error('unseen migrate: set REDIS_URL to the Redis to copy into (e.g. redis://127.0.0.1:6379/0)');
		return 2;
	}
	const from = new LevelStore(dataDir);
	const to = new RedisStore(url);
	try {
		await from.open();
	} catch {
		console.error(`unseen migrate: cannot open ${dataDir} (stop the relay first; is DATA_DIR right?)`);
		return 1;
	}
	try {
		await to.open();
		const counts = await migrateLevelToRedis(from, to, force);
		console.log(`unseen migrate: copied ${counts.groups} groups, ${counts.entries} entries and ${counts.reports} reports from ${dataDir} into Redis`);
		return 0;
	} catch (error) {
		console.error(`unseen migrate: ${error instanceof MigrationError ? error.message : `could not copy: ${(error as Error).message}`}`);
		return 1;
	} finally {
		await from.close();
		await to.close();
	}
}

if (import.meta.main) process.exitCode = await main();
