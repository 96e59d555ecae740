/**
 * Changes to old messages on a device that has read only its newest page (§8 "Message index"):
 * a reaction, an edit, a reply and a moderator's hide that name a message not read yet wait
 * until the history is read, are applied in order, and are stored with the session's cursor, so
 * a reopen shows them all.
 */
import { afterEach, expect, test } from 'vitest';
import { defaults, startClient, startRelay, stopAll, texts, until, type Relay, type TestClient } from './harness.ts';
import { READ_PAGE } from '../../src/lib/client/transcript.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(() => stopAll(clients, relay));

const OLD = 150;

test('a reaction, edit, reply and hide aimed at messages not read yet reach them, and stay after a reopen', async () => {
	relay = await startRelay();
	const ash = await startClient(relay.url);
	let bo = await startClient(relay.url);
	clients.push(ash, bo);
	const id = await ash.client.createGroup({ name: 'Old days', pseudonym: 'Ash', ...defaults });
	const invite = await ash.client.createInvite(id, { expiresInMs: 3_600_000, maxUses: 2, role: 'member' });
	await bo.client.joinWithInvite(invite.link, 'Bo');
	for (let i = 1; i <= OLD; i++) void ash.client.send(id, { text: `old ${i}` });
	await until(() => texts(bo, id).includes(`old ${OLD}`), 60_000, 'bo has the history');
	const store = bo.store;
	await bo.client.stop();
	bo = await startClient(relay.url, store);
	clients.push(bo);
	// Reopened: the newest page only.
	expect(bo.client.olderMessages(id)).toBe(true);
	expect(texts(bo, id)).not.toContain('old 1');
	const ids = [0, 1, 2, 3, 4].map((n) => ash.client.messages(id).find((m) => m.text === `old ${n}`)?.id ?? '');
	const ashOld = (n: number) => ({ id: ids[n]! });

	await ash.client.react(id, ashOld(1).id, '💛');
	await ash.client.edit(id, ashOld(2).id, 'old 2, said better');
	await ash.client.send(id, { text: 'about that first one', replyTo: ashOld(3).id });
	await ash.client.hide(id, ashOld(4).id);
	await ash.client.send(id, { text: 'newest' });
	await until(() => texts(bo, id).includes('newest'), 30_000, 'bo has the newest');
	const seen = (c: TestClient) => {
		const all = c.client.messages(id);
		const at = (t: string) => all.find((m) => m.text === t || m.text.startsWith(t));
		return {
			reaction: Object.keys(all.find((m) => m.id === ashOld(1).id)?.reactions ?? {}),
			edited: all.find((m) => m.id === ashOld(2).id)?.text,
			reply: at('about that first one')?.replyTo?.text,
			hidden: all.find((m) => m.id === ashOld(4).id)?.hidden
		};
	};
	const expected = { reaction: ['💛'], edited: 'old 2, said better', reply: 'old 3', hidden: true };
	expect(seen(bo)).toEqual(expected);

	// Stored with the cursor: a reopen (newest page again) reads them back.
	await bo.client.stop();
	bo = await startClient(relay.url, store);
	clients.push(bo);
	expect(bo.client.messages(id).length).toBe(READ_PAGE);
	await bo.client.readOlder(id, true);
	expect(bo.client.olderMessages(id)).toBe(false);
	expect(seen(bo)).toEqual(expected);
	expect(texts(bo, id).filter((t) => /^old \d+$/.test(t))).toHaveLength(OLD - 2);
});
