import { afterEach, describe, expect, test } from 'vitest';
import { defaults, startClient, startRelay, texts, until, type Relay, type TestClient, stopAll } from './harness.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
});

async function pair() {
	relay = await startRelay();
	const [ash, bo] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
	clients.push(ash, bo);
	const id = await ash.client.createGroup({ ...defaults, name: 'Chat', pseudonym: 'Ash' });
	const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
	await bo.client.joinWithInvite(invite.link, 'Bo');
	return { ash, bo, id };
}

const find = (c: TestClient, id: string, text: string) => c.client.messages(id).find((m) => m.text === text || m.id === text);

describe('chat features between two clients', () => {
	test('replies, reactions, edits, deletes and content warnings reach the other member', async () => {
		const { ash, bo, id } = await pair();
		await ash.client.send(id, { text: 'Rough day today.', cw: 'relapse' });
		await until(() => texts(bo, id).includes('Rough day today.'));
		const original = find(bo, id, 'Rough day today.')!;
		expect(original.cw).toBe('relapse');
		await bo.client.send(id, { text: 'This feels familiar.', replyTo: original.id });
		await bo.client.react(id, original.id, '💛');
		await until(() => find(ash, id, 'This feels familiar.') !== undefined && Object.keys(find(ash, id, original.id)!.reactions).length === 1);
		expect(find(ash, id, 'This feels familiar.')!.replyTo).toMatchObject({ id: original.id, senderName: 'Ash', text: 'Rough day today.' });
		expect(find(ash, id, original.id)!.reactions['💛']).toHaveLength(1);

		const mine = find(ash, id, 'Rough day today.')!;
		await ash.client.edit(id, mine.id, 'Rough day, better now.');
		await until(() => find(bo, id, original.id)!.text === 'Rough day, better now.');
		expect(find(bo, id, original.id)!.edited).toBe(true);
		await ash.client.deleteMessage(id, mine.id);
		await until(() => find(bo, id, original.id)!.deleted);
		expect(find(bo, id, original.id)!.text).toBe('');
	});

	test("a member cannot edit or delete someone else's message", async () => {
		const { ash, bo, id } = await pair();
		await ash.client.send(id, { text: 'mine' });
		await until(() => texts(bo, id).includes('mine'));
		const target = find(bo, id, 'mine')!;
		await expect(bo.client.edit(id, target.id, 'changed')).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
		await expect(bo.client.deleteMessage(id, target.id)).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
		await expect(bo.client.send(id, { text: '' })).rejects.toMatchObject({ code: 'PROTOCOL_BAD_FRAME' });
		expect(find(ash, id, target.id)!.text).toBe('mine');
	});

	test('unread counts rise with new messages and reset when read; a moderator hide blanks the message for everyone', async () => {
		const { ash, bo, id } = await pair();
		await ash.client.send(id, { text: 'one' });
		await ash.client.send(id, { text: 'two' });
		await until(() => texts(bo, id).length === 2);
		expect(bo.client.groups()[0]!.unread).toBe(2);
		bo.client.markRead(id);
		expect(bo.client.groups()[0]!.unread).toBe(0);
		expect(ash.client.groups()[0]!.unread).toBe(0);
		await expect(bo.client.hide(id, find(bo, id, 'two')!.id)).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
		await ash.client.hide(id, find(ash, id, 'two')!.id);
		await until(() => bo.client.messages(id).some((m) => m.hidden));
		expect(texts(bo, id)).toEqual(['one']);
		expect(texts(ash, id)).toEqual(['one']);
	});

	test('invites can be listed and withdrawn, after which the link gets nothing', async () => {
		const { ash, id } = await pair();
		const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 3, role: 'listener' });
		expect(ash.client.invites(id).find((i) => i.key === invite.key)).toMatchObject({ maxUses: 3, uses: 0, role: 'listener', revoked: false });
		expect(invite.link).toMatch(/^https:\/\/unseen\.test\/join#/);
		await ash.client.revokeInvite(id, invite.key);
		expect(ash.client.invites(id).find((i) => i.key === invite.key)!.revoked).toBe(true);
		const outsider = await startClient(relay!.url);
		clients.push(outsider);
		await expect(outsider.client.previewInvite(invite.link)).rejects.toMatchObject({ code: 'PROTOCOL_INVITE_INVALID' });
		await expect(outsider.client.joinWithInvite(invite.link, 'Eve')).rejects.toMatchObject({ code: 'PROTOCOL_INVITE_INVALID' });
	});

	test('members show names, roles and matching safety numbers; verification is remembered', async () => {
		const { ash, bo, id } = await pair();
		const boSeenByAsh = ash.client.members(id).find((m) => !m.self)!;
		const ashSeenByBo = bo.client.members(id).find((m) => !m.self)!;
		expect(boSeenByAsh).toMatchObject({ name: 'Bo', role: 'member', verified: false, keyChanged: false });
		expect(ashSeenByBo).toMatchObject({ name: 'Ash', role: 'admin' });
		expect(ash.client.safetyNumber(id, boSeenByAsh.sign)!.digits).toBe(bo.client.safetyNumber(id, ashSeenByBo.sign)!.digits);
		expect(ash.client.safetyNumber(id, boSeenByAsh.sign)!.digits).toMatch(/^(\d{5} ){11}\d{5}$/);
		expect(ash.client.safetyNumber(id, ashSeenByBo.sign)).toBeNull();
		await ash.client.markVerified(id, boSeenByAsh.sign, true);
		expect(ash.client.members(id).find((m) => !m.self)!.verified).toBe(true);
		await ash.client.setRole(id, boSeenByAsh.sign, 'moderator');
		await until(() => bo.client.groups()[0]!.role === 'moderator');
	});

	test('blocking is on this device only: nothing is sent to the group, the blocked member still posts, the block survives a restart and can be undone', async () => {
		const { ash, bo, id } = await pair();
		const boSign = ash.client.members(id).find((m) => !m.self)!.sign;
		const me = ash.client.members(id).find((m) => m.self)!.sign;
		await expect(ash.client.block(id, me, true)).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
		const seenByBo = bo.client.messages(id).length;
		await ash.client.block(id, boSign, true);
		expect(ash.client.members(id).find((m) => m.sign === boSign)!.blocked).toBe(true);
		// Bo is not told: the next thing Bo receives from Ash is Ash's message, no notice or op before it.
		expect(bo.client.members(id).every((m) => !m.blocked)).toBe(true);
		await ash.client.send(id, { text: 'still here' });
		await until(() => texts(bo, id).includes('still here'));
		expect(bo.client.messages(id).length).toBe(seenByBo + 1);
		// Bo can still post and Ash still receives it (and can report it); only the screen collapses it.
		await bo.client.send(id, { text: 'a message Ash blocked' });
		await until(() => texts(ash, id).includes('a message Ash blocked'));

		// The block survives a restart of the client on the same store.
		await ash.client.stop();
		clients.splice(clients.indexOf(ash), 1);
		const again = await startClient(relay!.url, ash.store);
		clients.push(again);
		expect(again.client.members(id).find((m) => m.sign === boSign)!.blocked).toBe(true);
		await again.client.block(id, boSign, false);
		expect(again.client.members(id).find((m) => m.sign === boSign)!.blocked).toBe(false);
	});

	test('someone using a verified member\'s name, even in another case or with extra spaces, is flagged; the verified member and I are not', async () => {
		relay = await startRelay();
		const [ash, bo, cy, eve] = await Promise.all([startClient(relay.url), startClient(relay.url), startClient(relay.url), startClient(relay.url)]);
		clients.push(ash, bo, cy, eve);
		const id = await ash.client.createGroup({ ...defaults, name: 'Chat', pseudonym: 'Ash' });
		const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 5, role: 'member' });
		await bo.client.joinWithInvite(invite.link, 'Bo Lake');
		// Cy happens to share my name; I verify Cy.
		await cy.client.joinWithInvite(invite.link, 'ASH');
		const named = (name: string) => ash.client.members(id).find((m) => m.name === name);
		await until(() => !!named('Bo Lake') && !!named('ASH'), 10_000, 'names');
		await ash.client.markVerified(id, named('Bo Lake')!.sign, true);
		await ash.client.markVerified(id, named('ASH')!.sign, true);

		await eve.client.joinWithInvite(invite.link, '  bo   LAKE ');
		await until(() => !!named('  bo   LAKE '), 10_000, "Eve's name");
		expect(named('  bo   LAKE ')).toMatchObject({ verified: false, keyChanged: true });
		expect(named('Bo Lake')).toMatchObject({ verified: true, keyChanged: false });
		expect(ash.client.members(id).find((m) => m.self)).toMatchObject({ name: 'Ash', keyChanged: false });
		expect(named('ASH')).toMatchObject({ verified: true, keyChanged: false });
	});

	test('P2 hide targets messages only: a moderator cannot hide a notice about the group ("joined" lines are not messages)', async () => {
		const { ash, bo, id } = await pair();
		const notice = ash.client.messages(id).find((m) => m.kind === 'system' && m.text.includes('Bo'))!;
		await expect(ash.client.hide(id, notice.id)).rejects.toMatchObject({ code: 'PROTOCOL_NOT_ALLOWED' });
		await ash.client.send(id, { text: 'still here' });
		await until(() => texts(bo, id).includes('still here'));
		expect(bo.client.messages(id).filter((m) => m.kind === 'system' && !m.hidden).length).toBeGreaterThan(0);
	});
});
