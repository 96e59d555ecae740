/**
 * P11: every malformed frame gets a typed `err` frame, the connection stays usable, and other
 * clients keep being served. Oversized frames close the socket with 1009.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { relayErrorCodes } from '../../src/lib/protocol/wire.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createGroup, sendMessage, type TestGroup } from './fixtures/group.ts';
import { message, mid, rand } from './fixtures/ops.ts';
import { identity } from '../kit/identities.ts';
import { TestClient } from './fixtures/relay.ts';
import { startRelay, type TestRelay } from '../kit/relay.ts';

let relay: TestRelay;
let bystander: TestClient;
let g: TestGroup;
const unlimited = { perSecond: 1_000_000, burst: 1_000_000 };

beforeAll(async () => {
	relay = await startRelay({ connectionRate: unlimited, keyRate: unlimited });
	bystander = await TestClient.connect(relay.wsUrl);
	g = await createGroup(bystander);
});
afterAll(async () => {
	bystander.close();
	await relay.stop();
});

/** Nesting written as text: building it as a value would overflow the test's own stack. */
const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);

const validMsg = () => message(g.group, g.admin.sign, 0, 0);

const cases: [string, string, () => string | Buffer][] = [
	['random bytes as text', 'RELAY_BAD_FRAME', () => randomBytes(200).toString('latin1')],
	['JSON that is not an object', 'RELAY_BAD_FRAME', () => '[1,2,3]'],
	['JSON null', 'RELAY_BAD_FRAME', () => 'null'],
	['an unknown type', 'RELAY_UNKNOWN_TYPE', () => JSON.stringify({ t: 'launch', id: 'x' })],
	['a missing type', 'RELAY_UNKNOWN_TYPE', () => JSON.stringify({ id: 'x' })],
	['a wrong field type', 'RELAY_BAD_FRAME', () => JSON.stringify({ t: 'auth', id: 'x', key: 42, sig: true })],
	['an id that is too long', 'RELAY_BAD_FRAME', () => JSON.stringify({ t: 'unsub', id: 'x'.repeat(65), group: rand(32) })],
	['bad base64 in a key', 'RELAY_BAD_FRAME', () => JSON.stringify({ t: 'auth', id: 'x', key: '!!!not base64!!!', sig: rand(64) })],
	['a key of the wrong length', 'RELAY_BAD_FRAME', () => JSON.stringify({ t: 'auth', id: 'x', key: rand(31), sig: rand(64) })],
	['a non-canonical base64 tail', 'RELAY_BAD_FRAME', () => JSON.stringify({ t: 'auth', id: 'x', key: rand(32).slice(0, 42) + 'B', sig: rand(64) })],
	['a huge number', 'RELAY_BAD_FRAME', () => JSON.stringify({ t: 'sub', id: 'x', group: rand(32), as: rand(32), after: 1e300 })],
	['a negative number', 'RELAY_BAD_FRAME', () => JSON.stringify({ t: 'sub', id: 'x', group: rand(32), as: rand(32), after: -1 })],
	['a fractional number', 'RELAY_BAD_FRAME', () => JSON.stringify({ t: 'sub', id: 'x', group: rand(32), as: rand(32), after: 1.5 })],
	['an unsafe integer', 'RELAY_BAD_FRAME', () => `{"t":"sub","id":"x","group":"${rand(32)}","as":"${rand(32)}","after":9007199254740993}`],
	['deep object nesting', 'RELAY_BAD_FRAME', () => `{"t":"append","id":"x","group":"${g.group}","mid":"${mid()}","entry":${deep(5000)}}`],
	['deep array nesting', 'RELAY_BAD_FRAME', () => `{"t":"append","id":"x","group":"${g.group}","mid":"${mid()}","entry":{"msg":${deepArray(30_000)}}}`],
	['a __proto__ key', 'RELAY_BAD_FRAME', () => `{"t":"auth","id":"x","key":"${identity().sign}","sig":"${rand(64)}","__proto__":{"admin":true}}`],
	['a __proto__ key inside an entry', 'RELAY_BAD_FRAME', () => `{"t":"append","id":"x","group":"${g.group}","mid":"${mid()}","entry":{"msg":${JSON.stringify(validMsg()).slice(0, -1)},"__proto__":{"x":1}}}}`],
	['a constructor key', 'RELAY_BAD_FRAME', () => JSON.stringify({ t: 'unsub', id: 'x', group: rand(32), constructor: { prototype: { x: 1 } } })],
	['an extra field', 'RELAY_BAD_FRAME', () => JSON.stringify({ t: 'unsub', id: 'x', group: rand(32), extra: 1 })],
	['a binary frame', 'RELAY_BAD_FRAME', () => Buffer.from(JSON.stringify({ t: 'unsub', id: 'x', group: rand(32) }))]
];

describe('P11 relay robustness: malformed frames', () => {
	test.each(cases)('P11 %s gets %s and the connection keeps working', async (_name, code, make) => {
		const client = await TestClient.connect(relay.wsUrl);
		const reply = client.next((f) => f.t === 'err');
		const payload = make();
		client.ws.send(payload, { binary: Buffer.isBuffer(payload) });
		const err = await reply;
		expect(err.code).toBe(code);
		expect(err.message).not.toMatch(/at .*\.ts:\d+/);
		// Still served: a valid request on the same connection succeeds.
		expect((await client.auth(identity())).t).toBe('ok');
		client.close();
	});

	test('P11 a text frame that is not valid UTF-8 gets RELAY_BAD_FRAME and the connection stays open', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const reply = client.next((f) => f.t === 'err');
		client.ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
		expect((await reply).code).toBe('RELAY_BAD_FRAME');
		expect((await client.auth(identity())).t).toBe('ok');
		client.close();
	});

	test('P11 the id of a request that fails the schema is echoed so the client can match the error', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		expect(await client.request({ t: 'auth', id: 'mine', key: 1 })).toMatchObject({ t: 'err', re: 'mine', code: 'RELAY_BAD_FRAME' });
		client.close();
	});

	test('P11 a frame over maxPayload closes that connection with 1009 while others keep being served', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		client.send(JSON.stringify({ t: 'unsub', id: 'x', group: 'A'.repeat(270_000) }));
		expect(await client.closed()).toBe(1009);
		const ack = await sendMessage(bystander, g, g.admin, 0);
		expect(ack.t).toBe('ok');
	});

	test('P11 a storm of garbage from one client does not stop another client’s appends', async () => {
		const attacker = await TestClient.connect(relay.wsUrl);
		for (let i = 0; i < 300; i++) attacker.ws.send(randomBytes(64 + (i % 500)));
		const acks = await Promise.all(Array.from({ length: 20 }, (_, i) => sendMessage(bystander, g, g.admin, i)));
		expect(acks.every((a) => a.t === 'ok')).toBe(true);
		await attacker.waitFor((f) => f.t === 'err' && f.code === 'RELAY_BAD_FRAME');
		attacker.close();
	});

	test('P11 a message envelope with bad fields is refused field by field', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		await client.auth(g.admin);
		const bad = { ...validMsg(), ct: rand(10) };
		const reply = await client.request({ t: 'append', group: g.group, mid: mid(), entry: { msg: bad } });
		expect(reply).toMatchObject({ t: 'err', code: 'RELAY_BAD_FRAME' });
		expect(reply.message).toContain('ct');
		client.close();
	});

	test('P11 arbitrary JSON and near-valid frames only ever get typed errors, and the relay keeps serving', async () => {
		const client = await TestClient.connect(relay.wsUrl);
		const types = ['auth', 'append', 'sub', 'unsub', 'invite', 'verify', 'report', 'reports', 'hello', 'entry'];
		const nearValid = fc.record({ t: fc.constantFrom(...types), id: fc.string({ maxLength: 70 }) }).chain((base) =>
			fc.dictionary(fc.constantFrom('group', 'key', 'sig', 'as', 'after', 'mid', 'entry', 'sealed', '__proto__', 'seq'), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 }).map((rest) => ({ ...rest, ...base }))
		);
		await fc.assert(
			fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 6 }), nearValid), async (value) => {
				const reply = client.next((f) => f.t === 'err' || f.t === 'ok', 5000);
				client.send(JSON.stringify(value) ?? 'null');
				const frame = await reply;
				if (frame.t === 'err') expect(relayErrorCodes).toContain(frame.code);
			}),
			{ numRuns: 300 }
		);
		expect((await client.auth(identity())).t).toBe('ok');
		expect((await sendMessage(bystander, g, g.admin, 0)).t).toBe('ok');
		client.close();
	});
});
