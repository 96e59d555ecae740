/**
 * Abuse can always be reported (P8, issue 9 item 6) and a report never reaches the moderator it
 * is about (item 7), between real clients over the real relay.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defaults, startClient, startRelay, until, type Relay, type TestClient, stopAll } from './harness.ts';
import { keys } from '../../src/lib/client/store.ts';
import { canonicalJson } from '../../src/lib/core/cjson.ts';
import { utf8 } from '../../src/lib/core/bytes.ts';
import { MAX_CONTENT_BYTES } from '../../src/lib/core/content.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
});

/** Ash is the admin; Bo and Cy are members (Cy a moderator when `cyModerates`). */
async function trio(options: { retention?: number; cyModerates?: boolean } = {}) {
	relay = await startRelay();
	const [ash, bo, cy] = await Promise.all([startClient(relay.url), startClient(relay.url), startClient(relay.url)]);
	clients.push(ash, bo, cy);
	const id = await ash.client.createGroup({ ...defaults, retention: options.retention ?? 0, name: 'Circle', pseudonym: 'Ash' });
	for (const [c, name] of [[bo, 'Bo'], [cy, 'Cy']] as const) {
		const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
		await c.client.joinWithInvite(invite.link, name);
	}
	await until(() => [ash, bo, cy].every((c) => c.client.members(id).length === 3));
	if (options.cyModerates) {
		await ash.client.setRole(id, cy.client.members(id).find((m) => m.self)!.sign, 'moderator');
		await until(() => [ash, bo, cy].every((c) => c.client.members(id).some((m) => m.name === 'Cy' && m.role === 'moderator')));
	}
	return { ash, bo, cy, id };
}

const shown = (c: TestClient, id: string, pred: (text: string) => boolean) => c.client.messages(id).find((m) => m.kind === 'text' && pred(m.text));

/** The longest text (≤ 8,000 characters) whose content fits 35 KiB: the largest message the relay accepts. */
function largest(content: (text: string) => object, filler = '€'): string {
	let text = '\u0001'.repeat(3900) + filler.repeat(4100);
	while (utf8(canonicalJson(content(text) as never)).length > MAX_CONTENT_BYTES) text = text.slice(0, -1);
	return text;
}

describe('abuse can always be reported (P8)', () => {
	test('P8 verifiable reporting: a message edited 60 times is still reportable, as its original and the version shown, both verified', async () => {
		const { ash, bo, cy, id } = await trio();
		await cy.client.send(id, { text: 'hello all' });
		await until(() => shown(bo, id, (t) => t === 'hello all') !== undefined);
		const original = shown(cy, id, (t) => t === 'hello all')!;
		for (let n = 1; n <= 60; n++) {
			await cy.client.edit(id, original.id, n === 60 ? 'you are worthless' : `version ${n}`);
			if (n % 20 === 0) await until(() => shown(bo, id, (t) => t === (n === 60 ? 'you are worthless' : `version ${n}`)) !== undefined, 30_000);
		}
		const bubble = shown(bo, id, (t) => t === 'you are worthless')!;
		expect(bubble.edits).toHaveLength(60);

		await bo.client.report(id, [bubble.id], 'they kept changing it', false);
		const [report] = await ash.client.reports(id);
		expect(report!.messages).toEqual([
			expect.objectContaining({ id: bubble.id, text: 'hello all', verified: true, edits: [expect.objectContaining({ kind: 'edit', text: 'you are worthless', verified: true })] })
		]);
	}, 60_000);

	test('P8 verifiable reporting: a largest message and its largest edit are reportable and verify', async () => {
		const { ash, bo, cy, id } = await trio();
		const first = largest((text) => ({ t: 'text', text }));
		const second = largest((text) => ({ t: 'edit', to: { sender: 'x'.repeat(43), epoch: 1, ctr: 1 }, text }), '₩');
		expect(utf8(canonicalJson({ t: 'text', text: first })).length).toBeGreaterThan(MAX_CONTENT_BYTES - 200);
		await cy.client.send(id, { text: first });
		await until(() => shown(bo, id, (t) => t === first) !== undefined);
		await cy.client.edit(id, shown(cy, id, (t) => t === first)!.id, second);
		await until(() => shown(bo, id, (t) => t === second) !== undefined);

		await bo.client.report(id, [shown(bo, id, (t) => t === second)!.id], 'x'.repeat(1000), false);
		const [report] = await ash.client.reports(id);
		expect(report!.messages[0]).toMatchObject({ text: first, verified: true, edits: [{ text: second, verified: true }] });
	}, 60_000);

	test('P8 verifiable reporting: abuse in a content warning is shown to the moderator, verified', async () => {
		const { ash, bo, cy, id } = await trio();
		await cy.client.send(id, { text: 'just a photo caption', cw: 'nobody would miss you' });
		await until(() => shown(bo, id, (t) => t === 'just a photo caption') !== undefined);
		await bo.client.report(id, [shown(bo, id, (t) => t === 'just a photo caption')!.id], 'look at the warning', false);
		const [report] = await ash.client.reports(id);
		expect(report!.messages).toEqual([expect.objectContaining({ text: 'just a photo caption', cw: 'nobody would miss you', verified: true })]);
	});

	test('P8 verifiable reporting: a message its sender deleted is still reported by a receiver, with its shown edit, and verifies', async () => {
		const { ash, bo, cy, id } = await trio();
		await cy.client.send(id, { text: 'harmless' });
		await until(() => shown(bo, id, (t) => t === 'harmless') !== undefined);
		const msg = shown(cy, id, (t) => t === 'harmless')!;
		await cy.client.edit(id, msg.id, 'I know where you live');
		await until(() => shown(bo, id, (t) => t === 'I know where you live') !== undefined);
		await cy.client.deleteMessage(id, msg.id);
		await until(() => bo.client.messages(id).some((m) => m.id === msg.id && m.deleted));
		// Kept across a restart (it is on disk, not only in memory), words not shown.
		await bo.client.stop();
		await bo.client.start();
		await until(() => bo.client.connection === 'online');
		expect(bo.client.messages(id).find((m) => m.id === msg.id)).toMatchObject({ deleted: true, text: '' });

		await bo.client.report(id, [msg.id], 'they deleted it after I saw it', false);
		const [report] = await ash.client.reports(id);
		expect(report!.messages).toEqual([
			expect.objectContaining({ id: msg.id, text: 'harmless', verified: true, edits: [expect.objectContaining({ text: 'I know where you live', verified: true })] })
		]);
	});
});

describe('a deleted message is kept for reporting only until retention', () => {
	test("P10 data at rest: a deleted message's kept words go when the group's retention expires", async () => {
		const { bo, cy, id } = await trio({ retention: 1 });
		await cy.client.send(id, { text: 'said and deleted' });
		await until(() => shown(bo, id, (t) => t === 'said and deleted') !== undefined);
		const msg = shown(cy, id, (t) => t === 'said and deleted')!;
		await cy.client.deleteMessage(id, msg.id);
		await until(() => bo.client.messages(id).some((m) => m.id === msg.id && m.deleted));
		await bo.client.stop();
		expect(await bo.store.keys(keys.franking(id, msg.id))).toEqual([keys.franking(id, msg.id)]);
		await bo.client.start();
		await new Promise((r) => setTimeout(r, 1_100));
		await bo.client.stop();
		expect(bo.client.messages(id).some((m) => m.id === msg.id)).toBe(false);
		expect(await bo.store.keys(keys.franking(id, msg.id))).toEqual([]);
	});
});

describe('a report never reaches the moderator it is about', () => {
	test('P8 verifiable reporting: a report about the only admin does not reach them, and the form says nobody else can read it', async () => {
		const { ash, bo, id } = await trio();
		await ash.client.send(id, { text: 'do what I say or leave' });
		await until(() => shown(bo, id, (t) => t === 'do what I say or leave') !== undefined);
		const msg = shown(bo, id, (t) => t === 'do what I say or leave')!;
		expect(bo.client.reportReaders(id, [msg.id])).toEqual({ readers: [], leftOut: [{ key: msg.sender, name: 'Ash' }] });

		await expect(bo.client.report(id, [msg.id], 'the admin threatens me', false)).rejects.toMatchObject({ code: 'PROTOCOL_BAD_REPORT' });
		expect(await ash.client.reports(id)).toEqual([]);
	});

	test('P8 verifiable reporting: a report about one of two moderators reaches only the other', async () => {
		const { ash, bo, cy, id } = await trio({ cyModerates: true });
		await cy.client.send(id, { text: 'stop posting here' });
		await until(() => shown(bo, id, (t) => t === 'stop posting here') !== undefined);
		const msg = shown(bo, id, (t) => t === 'stop posting here')!;
		const ashKey = ash.client.members(id).find((m) => m.self)!.sign;
		expect(bo.client.reportReaders(id, [msg.id])).toEqual({ readers: [{ key: ashKey, name: 'Ash' }], leftOut: [{ key: msg.sender, name: 'Cy' }] });

		await bo.client.report(id, [msg.id], 'the moderator bullies me', false);
		expect((await ash.client.reports(id)).map((r) => r.note)).toEqual(['the moderator bullies me']);
		expect(await cy.client.reports(id)).toEqual([]);
	});
});
