/**
 * A crash between client steps leaves a consistent device (issue 8 item 3). The sender's store
 * keeps its first `k` batches and then "crashes": the connection is cut at that instant (the
 * process died, nothing more leaves the device) and no later batch is kept. For every k, a fresh
 * client started from what was stored finds: the sync cursor never past a stored message; its
 * text either still in the outbox or stored as sent, never both; after the restart the text
 * arrives once, with no gap or replay warning at the receiver, and nothing is shown twice.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { defaults, startClient, startRelay, stopAll, texts, until, type Relay, type TestClient } from './harness.ts';
import { memoryKv, type Kv, type KvOp } from '../../src/lib/storage/kv.ts';
import { getJson, keys, listJson } from '../../src/lib/client/store.ts';
import type { ChatMessage } from '../../src/lib/client/api.ts';
import type { OutboxItem } from '../../src/lib/client/group.ts';
import type { SessionData } from '../../src/lib/protocol/session/types.ts';

let relay: Relay;
beforeAll(async () => {
	relay = await startRelay();
});
afterAll(() => stopAll([], relay));

/**
 * A Kv over `map` that, once armed, keeps `allow` more batches; the next one never finishes, nor
 * does any after it (the process died while writing: nothing of it lands).
 */
function crashingKv(map: Map<string, Uint8Array>, onCrash: () => void) {
	const inner = memoryKv(map);
	const state = { allow: Infinity, crashed: false, batches: 0 };
	const kv: Kv = {
		get: (key) => inner.get(key),
		keys: (prefix) => inner.keys(prefix),
		async batch(ops: readonly KvOp[]) {
			if (!state.crashed && state.allow === 0) {
				state.crashed = true;
				onCrash();
			}
			if (state.crashed) return new Promise<void>(() => undefined);
			state.allow--;
			state.batches++;
			await inner.batch(ops);
		}
	};
	return { kv, state };
}

const waitOrCrash = (check: () => boolean, crashed: () => boolean, what: string) => until(() => check() || crashed(), 10_000, what);

/** One run: returns false when the sender did not crash (k was past its last batch). */
async function run(k: number): Promise<boolean> {
	const clients: TestClient[] = [];
	const map = new Map<string, Uint8Array>();
	let ash: TestClient | null = null;
	const store = crashingKv(map, () => ash?.client.transport.stop());
	try {
		ash = await startClient(relay.url, store.kv);
		const bo = await startClient(relay.url);
		clients.push(bo);
		const group = await ash.client.createGroup({ name: `Crash ${k}`, pseudonym: 'Ash', ...defaults });
		const invite = await ash.client.createInvite(group, { expiresInMs: 3_600_000, maxUses: 5, role: 'member' });
		await bo.client.joinWithInvite(invite.link, 'Bo');
		await ash.client.send(group, { text: 'ash says hello' });
		await until(() => texts(bo, group).includes('ash says hello'));
		await bo.client.send(group, { text: 'bo says hello' });
		await until(() => texts(ash!, group).includes('bo says hello'));
		await until(() => ash!.client.messages(group).every((m) => m.status === 'sent'));
		await new Promise((r) => setTimeout(r, 100));

		// From here on the sender's store keeps k more batches.
		store.state.allow = k;
		const crashed = () => store.state.crashed;
		await bo.client.send(group, { text: 'bo one' });
		await waitOrCrash(() => texts(ash!, group).includes('bo one'), crashed, 'bo one at ash');
		// A send whose batch never lands never returns: the person was not told it was kept.
		const enqueued = await Promise.race([ash.client.send(group, { text: 'ash one' }).then(() => true), until(crashed, 10_000, 'crash').then(() => false)]);
		await waitOrCrash(() => texts(bo, group).includes('ash one') && ash!.client.messages(group).every((m) => m.status === 'sent'), crashed, 'ash one sent');
		await bo.client.send(group, { text: 'bo two' });
		await waitOrCrash(() => texts(ash!, group).includes('bo two'), crashed, 'bo two at ash');
		await new Promise((r) => setTimeout(r, 150));
		if (!crashed()) return false;
		// Its saves never finish: stop it without waiting for them.
		void ash.client.stop();

		// What the device kept: the cursor is never past a message it has not stored.
		const kept = memoryKv(map);
		const session = (await getJson<SessionData>(kept, keys.session(group)))!;
		const stored = (await listJson<ChatMessage>(kept, keys.messages(group))).map((r) => r.value);
		const outbox = (await listJson<OutboxItem>(kept, keys.outboxAll(group))).map((r) => r.value);
		for (const m of bo.client.messages(group).filter((m) => m.self && m.seq !== undefined && m.seq <= session.cursor)) {
			expect(stored.map((s) => s.id), `k=${k}: ${m.text} (seq ${m.seq}) behind cursor ${session.cursor}`).toContain(m.id);
		}
		const queued = outbox.filter((o) => o.content.t === 'text' && o.content.text === 'ash one');
		const sentLine = stored.filter((s) => s.text === 'ash one' && s.status === 'sent');
		const sendingLine = stored.filter((s) => s.text === 'ash one' && s.status !== 'sent');
		expect(queued.length + sentLine.length, `k=${k}: ash one kept once`).toBe(enqueued ? 1 : 0);
		expect(sendingLine.length, `k=${k}: a sending line only with its outbox item`).toBe(queued.length);

		// A fresh client from what was kept: every message, once, and no warning anywhere.
		const again = await startClient(relay.url, kept);
		clients.push(again);
		const expected = ['ash says hello', 'bo says hello', 'bo one', ...(enqueued ? ['ash one'] : []), 'bo two'];
		await until(() => expected.every((t) => texts(again, group).includes(t)), 10_000, `k=${k}: everything at the restarted sender`);
		await until(() => again.client.messages(group).every((m) => m.status === 'sent'), 10_000, `k=${k}: outbox drained`);
		if (enqueued) await until(() => texts(bo, group).includes('ash one'), 10_000, `k=${k}: ash one at bo`);
		await new Promise((r) => setTimeout(r, 150));
		expect(texts(again, group).sort(), `k=${k}`).toEqual([...expected].sort());
		expect(texts(bo, group).filter((t) => t === 'ash one'), `k=${k}`).toHaveLength(enqueued ? 1 : 0);
		expect(bo.client.warnings(group), `k=${k}: warnings at the receiver`).toEqual([]);
		expect(again.client.warnings(group), `k=${k}: warnings at the restarted sender`).toEqual([]);
		return true;
	} finally {
		await stopAll(clients, null);
		if (ash && !store.state.crashed) await ash.client.stop();
		else void ash?.client.stop();
	}
}

test('a crash after any batch of a receive, send, receive run leaves a device that restarts with every message once and no warning', async () => {
	let k = 0;
	while (await run(k)) k++;
	console.log(`crash points tried: ${k}`);
	// Every step of the run (apply, enqueue, send, settle, apply) was a crash point.
	expect(k).toBeGreaterThanOrEqual(4);
}, 120_000);
