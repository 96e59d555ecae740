/**
 * §13.7 slow mode at the relay: a member's message is refused with RELAY_SLOW_MODE (and how long
 * to wait) while an earlier one of theirs is inside the window and past the 5 s grace, or three
 * are inside it; moderators, admins and ops are never slowed; a settings op that turns it on or
 * off takes effect from its place; an append the store failed does not count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { chained, genesis, message, mid, opHash } from '../test/relay/fixtures/ops.ts';
import { identity } from '../test/kit/identities.ts';
import { fakeClock, type FakeClock } from '../test/kit/clock.ts';
import type { RelayError } from './errors.ts';
import { GroupCommit } from './group-commit.ts';
import { GroupLog } from './groups.ts';
import type { MidRecord } from './store.ts';
import { LevelStore } from './store-level.ts';
import { RedisStore } from './store-redis.ts';
import type { RelayStore } from './store.ts';
import { until } from '../test/kit/until.ts';
import { hasRedis, NO_REDIS, startRedis, type TestRedis } from '../test/kit/redis.ts';

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

/**
 * Every client remembers each sender's recent posts for good; a relay that forgot them (restart,
 * eviction) would accept a post inside the window that every other client then drops, blaming
 * the relay. The relay reads them back from its stored entries when it loads the group.
 */
describe('§13.7 slow mode survives a relay restart and an eviction', () => {
	let redis: TestRedis | undefined;
	beforeAll(async () => {
		if (hasRedis) redis = await startRedis();
	});
	afterAll(async () => {
		await redis?.stop();
	});

	/** A new relay process on the same data: the store reopened, nothing kept in memory. */
	async function restart(open: () => RelayStore, current: RelayStore): Promise<RelayStore> {
		await current.close();
		const reopened = open();
		await reopened.open();
		log = new GroupLog(reopened, new GroupCommit(reopened), new Uint8Array(32), clock.now);
		return reopened;
	}

	test('LevelDB: a restart inside the window still refuses, with the same wait; after the window it passes', async () => {
		const { admin, member, post } = await slowGroup(60);
		await post(member);
		for (let i = 0; i < 5; i++) await post(admin);
		clock.advance(10_000);
		store = (await restart(() => new LevelStore(dir), store)) as LevelStore;
		await expect(post(member)).rejects.toMatchObject({ code: 'RELAY_SLOW_MODE', retry: 50_000 });
		clock.advance(50_000);
		await post(member);
	});

	test('LevelDB: posts made while slow mode was off still count once it is on, after a restart (as every client counts them)', async () => {
		const { member, post, settings } = await slowGroup(0);
		await post(member);
		store = (await restart(() => new LevelStore(dir), store)) as LevelStore;
		await settings({ slow: 60 });
		clock.advance(6_000);
		await expect(post(member)).rejects.toMatchObject({ code: 'RELAY_SLOW_MODE', retry: 54_000 });
	});

	test('an evicted group reloads its recent posts: still refused inside the window', async () => {
		log = new GroupLog(store, new GroupCommit(store), new Uint8Array(32), clock.now, 1);
		const { member, post } = await slowGroup(60);
		await post(member);
		// Another group's genesis pushes this one out of the one-group cache.
		await slowGroup(0);
		clock.advance(10_000);
		await expect(post(member)).rejects.toMatchObject({ code: 'RELAY_SLOW_MODE', retry: 50_000 });
	});

	test.skipIf(!hasRedis)(`Redis: a restart inside the window still refuses${hasRedis ? '' : ` (skipped: ${NO_REDIS})`}`, async () => {
		const prefix = `slow-${Date.now()}:`;
		let redisStore: RelayStore = new RedisStore(redis!.url, { prefix });
		await redisStore.open();
		log = new GroupLog(redisStore, new GroupCommit(redisStore), new Uint8Array(32), clock.now);
		try {
			const { member, admin, post } = await slowGroup(60);
			await post(member);
			for (let i = 0; i < 5; i++) await post(admin);
			clock.advance(10_000);
			redisStore = await restart(() => new RedisStore(redis!.url, { prefix }), redisStore);
			await expect(post(member)).rejects.toMatchObject({ code: 'RELAY_SLOW_MODE', retry: 50_000 });
			clock.advance(50_000);
			await post(member);
		} finally {
			await redisStore.close();
		}
	});

	test.skipIf(!hasRedis)(`Redis, two relay processes: a post fed from the other process counts even while slow mode is off${hasRedis ? '' : ` (skipped: ${NO_REDIS})`}`, async () => {
		const prefix = `slow-feed-${Date.now()}:`;
		const stores: RelayStore[] = [new RedisStore(redis!.url, { prefix }), new RedisStore(redis!.url, { prefix })];
		for (const s of stores) await s.open();
		const [a, b] = stores.map((s) => new GroupLog(s, new GroupCommit(s), new Uint8Array(32), clock.now));
		await a!.follow();
		await b!.follow();
		try {
			log = a!;
			const { group, member, post, settings } = await slowGroup(0);
			const onB = (await b!.get(group))!;
			await post(member);
			await until(() => (onB.posts.get(member.sign)?.length ?? 0) === 1);
			await settings({ slow: 60 });
			clock.advance(6_000);
			log = b!;
			await expect(post(member)).rejects.toMatchObject({ code: 'RELAY_SLOW_MODE', retry: 54_000 });
		} finally {
			for (const s of stores) await s.close();
		}
	});
});
