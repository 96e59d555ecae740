/**
 * §13.3 at the relay: a member a moderator muted cannot append messages until the relay's clock
 * passes the end (the op's relay time plus its duration); ops stay open to them (leaving is
 * never blocked); a mute from someone who may not mute, or a forged one, is refused.
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
	dir = mkdtempSync(join(tmpdir(), 'unseen-mute-'));
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
	const next = async (author: typeof admin, kind: 'mute' | 'leave', fields: Record<string, unknown> = {}) => {
		const o = chained({ group, head }, author, kind, fields);
		await append(group, { op: o }, [author.sign]);
		head = opHash(o);
	};
	return { group, admin, mod, member, next, head: () => head };
}

describe('§13.3 mute at the relay', () => {
	test('a muted member cannot post until the relay clock passes the end; lifting it reopens at once', async () => {
		const { group, mod, member, next } = await groupWithMod();
		await append(group, { msg: message(group, member.sign, 0, 0) }, [member.sign]);
		await next(mod, 'mute', { target: member.sign, duration: 3600 });
		await expect(append(group, { msg: message(group, member.sign, 0, 1) }, [member.sign])).rejects.toMatchObject({ code: 'RELAY_FORBIDDEN' });
		// Everyone else still posts.
		await append(group, { msg: message(group, mod.sign, 0, 0) }, [mod.sign]);
		clock.advance(HOUR - 1);
		await expect(append(group, { msg: message(group, member.sign, 0, 1) }, [member.sign])).rejects.toMatchObject({ code: 'RELAY_FORBIDDEN' });
		clock.advance(1);
		await append(group, { msg: message(group, member.sign, 0, 1) }, [member.sign]);

		// Muted again for a week, then lifted (duration 0): posting works again straight away.
		await next(mod, 'mute', { target: member.sign, duration: 604_800 });
		await expect(append(group, { msg: message(group, member.sign, 0, 2) }, [member.sign])).rejects.toMatchObject({ code: 'RELAY_FORBIDDEN' });
		await next(mod, 'mute', { target: member.sign, duration: 0 });
		await append(group, { msg: message(group, member.sign, 0, 2) }, [member.sign]);
	});

	test('a muted member can still leave: ops are not messages', async () => {
		const { group, mod, member, next } = await groupWithMod();
		await next(mod, 'mute', { target: member.sign, duration: 86_400 });
		await next(member, 'leave');
	});

	test('a member cannot mute, a moderator cannot mute an admin or for longer than a week, and a forged mute is refused', async () => {
		const { group, admin, mod, member, next, head } = await groupWithMod();
		await expect(next(member, 'mute', { target: mod.sign, duration: 3600 })).rejects.toMatchObject({ code: 'RELAY_INVALID_OP' });
		await expect(next(mod, 'mute', { target: admin.sign, duration: 3600 })).rejects.toMatchObject({ code: 'RELAY_INVALID_OP' });
		await expect(next(mod, 'mute', { target: member.sign, duration: 604_801 })).rejects.toMatchObject({ code: 'RELAY_INVALID_OP', message: expect.stringContaining('PROTOCOL_BAD_FRAME') });
		// Signed by the member, claiming the moderator as author: the signature does not verify.
		const forged = { ...chained({ group, head: head() }, member, 'mute', { target: member.sign, duration: 3600 }), author: mod.sign };
		await expect(append(group, { op: forged }, [mod.sign])).rejects.toMatchObject({ code: 'RELAY_INVALID_OP', message: expect.stringContaining('PROTOCOL_BAD_SIGNATURE') });
		await append(group, { msg: message(group, member.sign, 0, 0) }, [member.sign]);
	});
});
