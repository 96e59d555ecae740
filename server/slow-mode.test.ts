/**
 * §13.7 slow mode at the relay: a member's message is refused with RELAY_SLOW_MODE (and how long
 * to wait) while an earlier one of theirs is inside the window and past the 5 s grace, or three
 * are inside it; moderators, admins and ops are never slowed; a settings op that turns it on or
 * off takes effect from its place; an append the store failed does not count.
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

beforeEach(async () => {
	dir = mkdtempSync(join(tmpdir(), 'unseen-slow-'));
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

async function slowGroup(slow: number) {
	const admin = identity();
	const mod = identity();
	const member = identity();
	const { op, group } = genesis(admin, slow > 0 ? { slow } : {}, [
		{ who: mod, role: 'moderator' },
		{ who: member, role: 'member' }
	]);
	await append(group, { op });
	let head = opHash(op);
	let ctr = 0;
	const post = (who: typeof admin) => append(group, { msg: message(group, who.sign, 0, ctr++) }, [who.sign]);
	const settings = async (fields: Record<string, unknown>) => {
		const o = chained({ group, head }, admin, 'settings', { settings: { retention: 0, rotate: 0, invite: 'admins', listeners: false, listenersMaySpeak: false, pair: false, ...fields }, body: Buffer.alloc(64, 7).toString('base64url') });
		await append(group, { op: o }, [admin.sign]);
		head = opHash(o);
	};
	const leave = async (who: typeof admin) => {
		const o = chained({ group, head }, who, 'leave');
		await append(group, { op: o }, [who.sign]);
		head = opHash(o);
	};
	return { group, admin, mod, member, post, settings, leave };
}

describe('§13.7 slow mode at the relay', () => {
	test('one message a minute: the next is refused with RELAY_SLOW_MODE and the wait, until the window has passed', async () => {
		const { member, post } = await slowGroup(60);
		await post(member);
		clock.advance(10_000);
		const refused = post(member);
		await expect(refused).rejects.toMatchObject({ code: 'RELAY_SLOW_MODE', retry: 50_000 });
		clock.advance(49_999);
		await expect(post(member)).rejects.toMatchObject({ code: 'RELAY_SLOW_MODE', retry: 1 });
		clock.advance(1);
		await post(member);
	});

	test('the grace: a hello and its message, or a quick reaction, go together; a fourth envelope inside it does not', async () => {
		const { member, post } = await slowGroup(30);
		await post(member);
		clock.advance(1_000);
		await post(member);
		clock.advance(1_000);
		await post(member);
		await expect(post(member)).rejects.toMatchObject({ code: 'RELAY_SLOW_MODE', retry: 30_000 });
		// Past the grace, the first of the burst holds the window shut too.
		clock.advance(4_000);
		await expect(post(member)).rejects.toMatchObject({ code: 'RELAY_SLOW_MODE' });
	});

	test('moderators and admins are not slowed, nor are ops: a slowed member can still leave', async () => {
		const { admin, mod, member, post, leave } = await slowGroup(900);
		for (const who of [admin, mod, admin, mod, admin, mod, admin, mod]) await post(who);
		await post(member);
		clock.advance(6_000);
		await expect(post(member)).rejects.toMatchObject({ code: 'RELAY_SLOW_MODE' });
		await leave(member);
	});

	test('the settings op turns it on and off from its place', async () => {
		const { member, post, settings } = await slowGroup(0);
		await post(member);
		clock.advance(6_000);
		await post(member);
		await settings({ slow: 60 });
		clock.advance(6_000);
		await expect(post(member)).rejects.toMatchObject({ code: 'RELAY_SLOW_MODE' });
		await settings({});
		await post(member);
	});

	test('a slow mode over a day is not a valid setting', async () => {
		const { settings } = await slowGroup(0);
		await expect(settings({ slow: 86_401 })).rejects.toMatchObject({ code: 'RELAY_INVALID_OP', message: expect.stringContaining('slow') });
		await expect(settings({ links: 'some' })).rejects.toMatchObject({ code: 'RELAY_INVALID_OP', message: expect.stringContaining('links') });
		await settings({ slow: 86_400, links: 'none' });
	});
});
