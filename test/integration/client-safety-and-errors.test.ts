import { afterEach, describe, expect, test } from 'vitest';
import { defaults, startClient, startRelay, until, type Relay, type TestClient, stopAll } from './harness.ts';
import { safetyNumber } from '../../src/lib/crypto/safety.ts';
import { describeError } from '../../src/lib/words/errors.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';

let relay: Relay | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
});

async function pair(config = {}) {
	relay = await startRelay(config);
	const [ash, bo] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
	clients.push(ash, bo);
	const id = await ash.client.createGroup({ ...defaults, name: 'Chat', pseudonym: 'Ash' });
	const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
	await bo.client.joinWithInvite(invite.link, 'Bo');
	return { ash, bo, id };
}

describe('client API after the crypto fixes', () => {
	test('both members see the same safety number, and it covers both box keys', async () => {
		const { ash, bo, id } = await pair();
		await until(() => ash.client.members(id).length === 2);
		const state = ash.client.state(id)!;
		const [a, b] = [ash, bo].map((c) => c.client.members(id).find((m) => m.self)!.sign);
		const keysOf = (sign: string) => ({ sign, box: state.members[sign]!.box });
		const shownByAsh = ash.client.safetyNumber(id, b!)!.digits;
		const shownByBo = bo.client.safetyNumber(id, a!)!.digits;
		expect(shownByAsh).toBe(shownByBo);
		expect(shownByAsh).toBe(safetyNumber(id, keysOf(a!), keysOf(b!)).digits);
		// A different box key for Bo (one an admin could have chosen) gives a different number.
		const otherBox = { sign: b!, box: toB64(new Uint8Array(32).fill(9)) };
		expect(safetyNumber(id, keysOf(a!), otherBox).digits).not.toBe(shownByAsh);
	});

	test('a report to a service moderator key nobody can seal to fails with PROTOCOL_WEAK_KEY in plain words', async () => {
		const weak = { sign: toB64(new Uint8Array(32).fill(7)), box: toB64(new Uint8Array(32)) };
		const { ash, bo, id } = await pair({ moderator: weak });
		await ash.client.send(id, { text: 'leave this group' });
		await until(() => bo.client.messages(id).some((m) => m.text === 'leave this group'));
		const msg = bo.client.messages(id).find((m) => m.text === 'leave this group')!;
		const error = await bo.client.report(id, [msg.id], 'threat', true).catch((e: unknown) => e);
		expect(error).toMatchObject({ code: 'PROTOCOL_WEAK_KEY' });
		expect((error as Error).message).toBe(describeError('PROTOCOL_WEAK_KEY'));
		expect((error as Error).message).not.toMatch(/scalarmult|seal|Error:/);
	});

	test.each([
		['PROTOCOL_WEAK_KEY', /not safe to use/],
		['PROTOCOL_WEAK_PASSPHRASE', /too easy to guess/],
		['PROTOCOL_LOCKED', /locked/],
		['SOMETHING_NEW', /Something went wrong/]
	])('the code %s reads as a plain sentence', (code, sentence) => {
		expect(describeError(code)).toMatch(sentence);
		expect(describeError({ code })).toMatch(sentence);
	});
});
