/**
 * P9 anonymity on the relay: no IP address or user agent is stored or logged, and P1: the
 * relay's files hold only what clients sent as ciphertext plus routing data.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createGroup, sendMessage } from './fixtures/group.ts';
import { TestClient } from './fixtures/relay.ts';
import { startRelay } from '../kit/relay.ts';

const USER_AGENT = 'Mozilla/5.0 (UnseenPrivacyProbe; Marker-7f3a) Gecko/20100101';

function rawContains(dir: string, needle: string): boolean {
	return readdirSync(dir).some((name) => readFileSync(join(dir, name)).includes(Buffer.from(needle)));
}

let printed: string[] = [];
beforeEach(() => {
	printed = [];
	for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
		vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
	}
});
afterEach(() => vi.restoreAllMocks());

describe('P9 anonymity on the relay', () => {
	test('P9 no IP address or user agent reaches the relay’s storage or its logs, even on errors', async () => {
		const relay = await startRelay({}, true);
		const headers = { 'user-agent': USER_AGENT, 'x-forwarded-for': '203.0.113.77' };
		const client = await TestClient.connect(relay.wsUrl, { headers });
		const g = await createGroup(client);
		await sendMessage(client, g, g.admin, 0);
		client.send('not json at all');
		client.send({ t: 'append', id: 'x', group: g.group, mid: 'bad', entry: {} });
		await client.next((f) => f.t === 'err' && f.re === 'x');
		await fetch(`http://127.0.0.1:${relay.port}/nothing`, { headers });
		client.close();
		const dataDir = relay.dataDir;
		await relay.close();

		const logs = [...relay.logs, ...printed].join('\n');
		expect(logs.length).toBeGreaterThan(0);
		for (const needle of ['127.0.0.1', '203.0.113.77', 'UnseenPrivacyProbe', 'Marker-7f3a']) {
			expect(logs).not.toContain(needle);
			expect(rawContains(dataDir, needle)).toBe(false);
		}
	});
});
