/**
 * Reporting what people were actually shown (P8, review finding 3) and keeping the words of a
 * message only while it is shown (review finding 14), between real clients over the real relay.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defaults, startClient, startRelay, until, type Relay, type TestClient, stopAll } from './harness.ts';
import { keys } from '../../src/lib/client/store.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
});

/** Ash is the admin (and so a report recipient); Bo and Cy are members. */
async function trio(retention = 0) {
	relay = await startRelay();
	const [ash, bo, cy] = await Promise.all([startClient(relay.url), startClient(relay.url), startClient(relay.url)]);
	clients.push(ash, bo, cy);
	const id = await ash.client.createGroup({ ...defaults, retention, name: 'Circle', pseudonym: 'Ash' });
	for (const [c, name] of [[bo, 'Bo'], [cy, 'Cy']] as const) {
		const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
		await c.client.joinWithInvite(invite.link, name);
	}
	await until(() => [ash, bo, cy].every((c) => c.client.members(id).length === 3));
	return { ash, bo, cy, id };
}

const shown = (c: TestClient, id: string, pred: (text: string) => boolean) => c.client.messages(id).find((m) => m.kind === 'text' && pred(m.text));
/** Franking records of messages (display names' hellos keep theirs while the name is shown). */
const frankingKeys = async (c: TestClient, id: string) => {
	const names = new Set(c.client.members(id).flatMap((m) => (m.profileId ? [keys.franking(id, m.profileId)] : [])));
	return (await c.store.keys(`g/${id}/f/`)).filter((k) => !names.has(k));
};

describe('reports of edits and reactions', () => {
	test('P8 verifiable reporting: a sender posts "hi" then edits it to abuse; the report shows the abusive edit verified', async () => {
		const { ash, bo, cy, id } = await trio();
		await cy.client.send(id, { text: 'hi' });
		await until(() => shown(bo, id, (t) => t === 'hi') !== undefined);
		const original = shown(cy, id, (t) => t === 'hi')!;
		await cy.client.edit(id, original.id, 'nobody here would miss you');
		await until(() => shown(bo, id, (t) => t === 'nobody here would miss you')?.edited === true);
		const bubble = shown(bo, id, (t) => t === 'nobody here would miss you')!;
		expect(bubble.edits).toHaveLength(1);

		await bo.client.report(id, [bubble.id], 'they changed it after I answered', false);
		const [report] = await ash.client.reports(id);
		expect(report!.messages).toHaveLength(1);
		const [message] = report!.messages;
		expect(message).toMatchObject({ id: bubble.id, kind: 'text', text: 'hi', verified: true, senderName: 'Cy' });
		expect(message!.edits).toEqual([expect.objectContaining({ kind: 'edit', to: bubble.id, text: 'nobody here would miss you', verified: true, senderName: 'Cy' })]);
	});

	test('P8 verifiable reporting: an abusive reaction can be reported on its own and shows verified', async () => {
		const { ash, bo, cy, id } = await trio();
		await bo.client.send(id, { text: 'I relapsed yesterday.' });
		await until(() => shown(cy, id, (t) => t === 'I relapsed yesterday.') !== undefined);
		const target = shown(cy, id, (t) => t === 'I relapsed yesterday.')!;
		await cy.client.react(id, target.id, '🖕');
		await until(() => shown(bo, id, (t) => t === 'I relapsed yesterday.')!.reactions['🖕'] !== undefined);
		const mine = shown(bo, id, (t) => t === 'I relapsed yesterday.')!;
		const reactionId = mine.reactionIds!['🖕']![0]!;

		await bo.client.report(id, [reactionId], 'mocking me', false);
		const [report] = await ash.client.reports(id);
		expect(report!.messages).toEqual([expect.objectContaining({ kind: 'reaction', text: '🖕', to: target.id, verified: true, senderName: 'Cy' })]);
	});
});

describe('franking records live only as long as their message is shown', () => {
	test("P10 data at rest: a sender's delete removes the reactions' words; the message and its edit stay reportable until retention (P8)", async () => {
		const { bo, cy, id } = await trio();
		await cy.client.send(id, { text: 'first words' });
		await until(() => shown(bo, id, (t) => t === 'first words') !== undefined);
		const msg = shown(cy, id, (t) => t === 'first words')!;
		await cy.client.edit(id, msg.id, 'second words');
		await bo.client.react(id, msg.id, '💛');
		await until(() => (shown(bo, id, (t) => t === 'second words')?.edits?.length ?? 0) === 1 && Object.keys(shown(bo, id, (t) => t === 'second words')!.reactions).length === 1);
		await bo.client.stop();
		await bo.client.start();
		expect(await frankingKeys(bo, id)).toHaveLength(3);

		await cy.client.deleteMessage(id, msg.id);
		await until(() => bo.client.messages(id).some((m) => m.id === msg.id && m.deleted));
		await bo.client.stop();
		const edit = bo.client.messages(id).find((m) => m.id === msg.id)!.edits![0]!;
		expect((await frankingKeys(bo, id)).sort()).toEqual([keys.franking(id, msg.id), keys.franking(id, edit)].sort());
	});

	test('§13.4 a moderator hide keeps the franking record (sealed at rest) so an undo can bring the message back; it is not reportable while hidden, and is again after the unhide', async () => {
		const { ash, bo, cy, id } = await trio();
		await cy.client.send(id, { text: 'to be hidden' });
		await until(() => shown(bo, id, (t) => t === 'to be hidden') !== undefined);
		const msg = shown(ash, id, (t) => t === 'to be hidden')!;
		await bo.client.stop();
		await bo.client.start();
		expect(await frankingKeys(bo, id)).toEqual([keys.franking(id, msg.id)]);
		await ash.client.hide(id, msg.id);
		await until(() => bo.client.messages(id).some((m) => m.id === msg.id && m.hidden));
		await expect(bo.client.report(id, [msg.id], 'hurtful', false)).rejects.toMatchObject({ code: 'PROTOCOL_BAD_REPORT' });
		await bo.client.stop();
		expect(await frankingKeys(bo, id)).toEqual([keys.franking(id, msg.id)]);
		await bo.client.start();
		await ash.client.unhide(id, msg.id);
		await until(() => bo.client.messages(id).some((m) => m.id === msg.id && !m.hidden));
		await bo.client.report(id, [msg.id], 'hurtful', false);
		const [report] = await ash.client.reports(id);
		expect(report!.messages).toEqual([expect.objectContaining({ id: msg.id, text: 'to be hidden', verified: true })]);
	});

	test('P10 data at rest: a message past the group\'s retention takes its franking record with it', async () => {
		const { bo, cy, id } = await trio(1);
		await cy.client.send(id, { text: 'gone in a second' });
		await until(() => shown(bo, id, (t) => t === 'gone in a second') !== undefined);
		await bo.client.stop();
		await bo.client.start();
		expect(await frankingKeys(bo, id)).toHaveLength(1);
		await new Promise((r) => setTimeout(r, 1_100));
		await bo.client.stop();
		expect(bo.client.messages(id).some((m) => m.text === 'gone in a second')).toBe(false);
		expect(await frankingKeys(bo, id)).toEqual([]);
	});
});
