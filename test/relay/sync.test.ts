/**
 * §9.5 sync: a subscriber gets the backlog after its cursor, then `live`, then new entries,
 * with no gap and no duplicate across the switch, even while others append concurrently.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chained, epochFields } from './fixtures/ops.ts';
import { identity } from '../kit/identities.ts';
import { appendOp, createGroup, sendMessage } from './fixtures/group.ts';
import { TestClient } from './fixtures/relay.ts';
import { startRelay, type TestRelay } from '../kit/relay.ts';

let relay: TestRelay;
beforeAll(async () => (relay = await startRelay({ pageSize: 16, connectionRate: { perSecond: 100_000, burst: 100_000 }, keyRate: { perSecond: 100_000, burst: 100_000 } })));
afterAll(() => relay.stop());

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('sync from a cursor', () => {
	test('the backlog after the cursor arrives in order, in pages, then live', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(client);
		for (let i = 0; i < 100; i++) await sendMessage(client, g, g.admin, i);
		const reader = await TestClient.connect(relay.wsUrl);
		await reader.auth(g.admin);
		expect(await reader.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 30 })).toMatchObject({ t: 'ok', head: 101 });
		const live = await reader.waitFor((f) => f.t === 'live');
		expect(live).toEqual({ t: 'live', group: g.group, seq: 101 });
		expect(reader.entries().map((e) => e.seq)).toEqual(range(31, 101));
		expect(reader.frames.indexOf(live)).toBe(reader.frames.length - 1);
		client.close();
		reader.close();
	});

	test('under concurrent appends the switch from backlog to live has no gap and no duplicate', async () => {
		const writer = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(writer);
		for (let i = 0; i < 300; i++) void sendMessage(writer, g, g.admin, i);
		await writer.next((f) => f.t === 'ok' && f.seq === 301, 20_000);
		// 300 more appends, one after the other, while subscribers join at different moments.
		const burst = (async () => {
			for (let i = 300; i < 600; i++) await sendMessage(writer, g, g.admin, i);
		})();
		const readers: TestClient[] = [];
		for (let k = 0; k < 4; k++) {
			await writer.next((f) => f.t === 'ok' && f.seq === 330 + k * 60, 20_000);
			const r = await TestClient.connect(relay.wsUrl);
			await r.auth(g.admin);
			void r.request({ t: 'sub', group: g.group, as: g.admin.sign, after: k * 50 });
			readers.push(r);
		}
		await burst;
		const switches: number[] = [];
		for (const [k, r] of readers.entries()) {
			await r.waitFor((f) => f.t === 'entry' && f.seq === 601, 20_000);
			expect(r.entries().map((e) => e.seq)).toEqual(range(k * 50 + 1, 601));
			const live = r.frames.find((f) => f.t === 'live')!;
			const before = r.frames.slice(0, r.frames.indexOf(live)).filter((f) => f.t === 'entry');
			expect(before.at(-1)?.seq ?? k * 50).toBe(live.seq);
			switches.push(live.seq);
			r.close();
		}
		// The test means something only if subscribers switched to live while appends went on.
		expect(switches.some((s) => s > 301 && s < 601)).toBe(true);
		writer.close();
	});

	test('a subscription needs an authenticated member key: RELAY_NOT_AUTHENTICATED, then RELAY_FORBIDDEN', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(client);
		const other = await TestClient.connect(relay.wsUrl);
		expect(await other.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 0 })).toMatchObject({ code: 'RELAY_NOT_AUTHENTICATED' });
		const stranger = identity();
		await other.auth(stranger);
		expect(await other.request({ t: 'sub', group: g.group, as: stranger.sign, after: 0 })).toMatchObject({ code: 'RELAY_FORBIDDEN' });
		client.close();
		other.close();
	});

	test('after unsub nothing more arrives', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const g = await createGroup(client);
		await client.request({ t: 'sub', group: g.group, as: g.admin.sign, after: 0 });
		await client.waitFor((f) => f.t === 'live');
		await client.request({ t: 'unsub', group: g.group });
		await sendMessage(client, g, g.admin, 0);
		await sendMessage(client, g, g.admin, 1);
		expect(client.entries().map((e) => e.seq)).toEqual([1]);
		client.close();
	});

	test('a removed member receives its removal op and nothing after it', async () => {
		const adminConn = await TestClient.connect(relay.wsUrl);
		const member = identity();
		const g = await createGroup(adminConn, {}, identity(), [{ who: member, role: 'member' }]);
		const memberConn = await TestClient.connect(relay.wsUrl);
		await memberConn.auth(member);
		await memberConn.request({ t: 'sub', group: g.group, as: member.sign, after: 0 });
		await memberConn.waitFor((f) => f.t === 'live');
		await sendMessage(adminConn, g, g.admin, 0);
		const removal = await appendOp(adminConn, g, chained(g.at, g.admin, 'remove', { target: member.sign, ...epochFields(1, [g.admin.sign]) }));
		expect(removal.t).toBe('ok');
		await sendMessage(adminConn, g, g.admin, 0);
		await adminConn.request({ t: 'sub', group: g.group, as: g.admin.sign, after: removal.seq });
		await adminConn.waitFor((f) => f.t === 'entry' && f.seq === removal.seq + 1);
		expect(memberConn.entries().map((e) => e.seq)).toEqual([1, 2, removal.seq]);
		expect(await memberConn.request({ t: 'sub', group: g.group, as: member.sign, after: 0 })).toMatchObject({ code: 'RELAY_FORBIDDEN' });
		adminConn.close();
		memberConn.close();
	});
});
