/**
 * §13.4 and §13.5 at the relay: `unhide` and `warn` are moderators' ops, checked by the same
 * may.ts as every client; from a member, in a pair, or forged, the relay refuses them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { chained, genesis, message, mid, opHash } from '../test/relay/fixtures/ops.ts';
import { identity } from '../test/kit/identities.ts';
import { fakeClock, type FakeClock } from '../test/kit/clock.ts';
import type { RelayError } from './errors.ts';
import { GroupCommit } from './group-commit.ts';
import { GroupLog } from './groups.ts';
import type { MidRecord } from './store.ts';
import { LevelStore } from './store-level.ts';

let dir: string;
let store: LevelStore;
let log: GroupLog;
let clock: FakeClock;
const HOUR = 3_600_000;

beforeEach(async () => {
	dir = mkdtempSync(join(tmpdir(), 'unseen-unhide-warn-'));
	store = new LevelStore(dir);
	await store.open();
	clock = fakeClock(1_800_000_000_000);
	log = new GroupLog(store, new GroupCommit(store), new Uint8Array(32), clock.now);
});
afterEach(async () => {
	await store.close();
	rmSync(dir, { recursive: true, force: true });
});

function append(group: string, entry: object, keys: string[] = []): Promise<MidRecord> {
	return new Promise((resolve, reject) => {
		void log.append({ group, mid: mid(), entry: entry as never, keys: new Set(keys) }, (error: RelayError | null, result?: MidRecord) => (error ? reject(error) : resolve(result!)));
	});
}

async function groupWithMod() {
	const admin = identity();
	const mod = identity();
	const member = identity();
	const { op, group } = genesis(admin, {}, [
		{ who: mod, role: 'moderator' },
		{ who: member, role: 'member' }
	]);
	await append(group, { op });
	let head = opHash(op);
	const next = async (author: typeof admin, kind: 'hide' | 'unhide' | 'warn', fields: Record<string, unknown> = {}) => {
		const o = chained({ group, head }, author, kind, fields);
		await append(group, { op: o }, [author.sign]);
		head = opHash(o);
	};
	return { group, admin, mod, member, next, head: () => head, state: async () => (await store.loadGroup(group))!.state };
}

// The relay cannot open a warn body; any sealed-looking bytes of the right size do here.
const sealedBody = Buffer.alloc(1 + 2 * 80 + 24 + 40, 7).toString('base64url');

describe('§13.4 unhide and §13.5 warn at the relay', () => {
	test('a moderator hides and unhides (twice is harmless); the relay state follows', async () => {
		const { group, mod, admin, member, next, state } = await groupWithMod();
		const { seq } = await append(group, { msg: message(group, member.sign, 0, 0) }, [member.sign]);
		await next(mod, 'hide', { target: seq });
		expect((await state()).hidden).toEqual([seq]);
		await next(admin, 'unhide', { target: seq });
		expect((await state()).hidden).toEqual([]);
		await next(mod, 'unhide', { target: seq });
		expect((await state()).hidden).toEqual([]);
	});

	test('a member cannot unhide or warn; a forged unhide or warn is refused; a warn without its body is a bad frame', async () => {
		const { group, mod, member, next, head, state } = await groupWithMod();
		const { seq } = await append(group, { msg: message(group, member.sign, 0, 0) }, [member.sign]);
		await next(mod, 'hide', { target: seq });
		await expect(next(member, 'unhide', { target: seq })).rejects.toMatchObject({ code: 'RELAY_INVALID_OP', message: expect.stringContaining('PROTOCOL_NOT_ALLOWED') });
		await expect(next(member, 'warn', { body: sealedBody })).rejects.toMatchObject({ code: 'RELAY_INVALID_OP', message: expect.stringContaining('PROTOCOL_NOT_ALLOWED') });
		await expect(next(mod, 'warn', {})).rejects.toMatchObject({ code: 'RELAY_INVALID_OP', message: expect.stringContaining('PROTOCOL_BAD_FRAME') });
		// Signed by the member, claiming the moderator as author: the signature does not verify.
		for (const [kind, fields] of [['unhide', { target: seq }], ['warn', { body: sealedBody }]] as const) {
			const forged = { ...chained({ group, head: head() }, member, kind, fields), author: mod.sign };
			await expect(append(group, { op: forged }, [mod.sign])).rejects.toMatchObject({ code: 'RELAY_INVALID_OP', message: expect.stringContaining('PROTOCOL_BAD_SIGNATURE') });
		}
		expect((await state()).hidden).toEqual([seq]);
		await next(mod, 'warn', { body: sealedBody });
	});
});
