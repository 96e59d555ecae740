/**
 * §9.2-§9.3: the relay greets with a fresh challenge and accepts a key only with a valid
 * signature over it; one connection may prove several keys, up to the limit.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LABEL } from '../../src/lib/core/labels.ts';
import { identity, signWith } from '../kit/identities.ts';
import { TestClient } from './fixtures/relay.ts';
import { startRelay, type TestRelay } from '../kit/relay.ts';

let relay: TestRelay;
beforeAll(async () => (relay = await startRelay({ maxKeys: 3 })));
afterAll(() => relay.stop());

describe('relay authentication', () => {
	test('the hello frame carries a fresh 32-byte challenge, the time and the limits', async () => {
		const a = await TestClient.connect(relay.wsUrl);
		const b = await TestClient.connect(relay.wsUrl);
		expect(a.hello).toMatchObject({ t: 'hello', v: 1, limits: { maxPayload: 262144, maxKeys: 3 } });
		expect(Buffer.from(a.hello.challenge, 'base64url')).toHaveLength(32);
		expect(a.hello.challenge).not.toBe(b.hello.challenge);
		expect(Math.abs(a.hello.time - Date.now())).toBeLessThan(5000);
		a.close();
		b.close();
	});

	test('a key signed over the connection challenge is accepted', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const reply = await client.auth(identity());
		expect(reply).toMatchObject({ t: 'ok' });
		client.close();
	});

	test('one connection authenticates several keys, one per group pseudonym', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		for (let i = 0; i < 3; i++) expect((await client.auth(identity())).t).toBe('ok');
		client.close();
	});

	test('a key beyond maxKeys is refused with RELAY_AUTH_FAILED', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		for (let i = 0; i < 3; i++) await client.auth(identity());
		expect(await client.auth(identity())).toMatchObject({ t: 'err', code: 'RELAY_AUTH_FAILED' });
		client.close();
	});

	test('a signature over another connection’s challenge is refused with RELAY_AUTH_FAILED', async () => {
		const first = await TestClient.connect(relay.wsUrl);
		const second = await TestClient.connect(relay.wsUrl);
		const who = identity();
		const sig = signWith(who, LABEL.relayAuth, { challenge: first.hello.challenge, key: who.sign });
		expect(await second.request({ t: 'auth', key: who.sign, sig })).toMatchObject({ t: 'err', code: 'RELAY_AUTH_FAILED' });
		first.close();
		second.close();
	});

	test('a signature by a different key is refused with RELAY_AUTH_FAILED', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const who = identity();
		const other = identity();
		const sig = signWith(other, LABEL.relayAuth, { challenge: client.hello.challenge, key: who.sign });
		expect(await client.request({ t: 'auth', key: who.sign, sig })).toMatchObject({ t: 'err', code: 'RELAY_AUTH_FAILED' });
		client.close();
	});

	test('a signature under another label (domain separation) is refused with RELAY_AUTH_FAILED', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const who = identity();
		const sig = signWith(who, LABEL.inviteFetch, { challenge: client.hello.challenge, key: who.sign });
		expect(await client.request({ t: 'auth', key: who.sign, sig })).toMatchObject({ t: 'err', code: 'RELAY_AUTH_FAILED' });
		client.close();
	});

	test('a connection that authenticates nothing is closed with 4001 after the timeout', async () => {
		const quick = await startRelay({ authTimeoutMs: 200 });
		const client = await TestClient.connect(quick.wsUrl);
		expect(await client.closed()).toBe(4001);
		await quick.stop();
	});
});
