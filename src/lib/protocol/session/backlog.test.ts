import { beforeAll, describe, expect, test } from 'vitest';
import { ready } from '../../crypto/sodium.ts';
import { SenderChain } from '../../crypto/chain.ts';
import { encryptMessage, newEpochSigningKey } from '../../crypto/message.ts';
import type { Envelope } from '../../core/schema.ts';
import { receiveBacklog } from './backlog.ts';
import type { RelayEntry } from './types.ts';
import { T0, texts, warns, world } from './world.fixture.ts';

beforeAll(() => ready());

const msgOf = (item: RelayEntry): Envelope => (item.entry as { msg: Envelope }).msg;

describe('backlog with linked verification', () => {
	test('a backlog read in one batch gives exactly the events of reading it entry by entry', () => {
		const w = world(['ash', 'bo', 'cy']);
		const [a, b, c] = w.sessions;
		for (let i = 0; i < 20; i++) w.say(i % 3 === 0 ? b! : a!, `message ${i}`);
		const fresh = () => w.restore(c!, 2);
		const one = fresh();
		const batch = fresh();
		const single = w.log.flatMap((item) => one.receive(item));
		const linked = receiveBacklog(batch, w.log);
		expect(texts(linked)).toHaveLength(20);
		expect(linked).toEqual(single);
		expect(batch.toJSON()).toEqual(one.toJSON());
	});

	test('P3 a copy forged by another member (right chain key, wrong signing key) is rejected in a backlog and the genuine message still shows', () => {
		const w = world(['ash', 'bo', 'cy']);
		const [a, , c] = w.sessions;
		w.sync(c!);
		w.say(a!, 'one');
		const genuine = w.say(a!, 'two');
		w.say(a!, 'three');
		// Cy, a member, derives Ash's key for counter 2 and signs a different text with its own key.
		const env = msgOf(genuine);
		const chain = SenderChain.fromJSON(c!.data.epochs['0']!.chains[a!.me]!);
		let msgKey!: Uint8Array;
		chain.receive(2, T0, (k) => (msgKey = k.slice()));
		const forged = encryptMessage({ group: env.group, epoch: env.epoch, sender: env.sender, ctr: 2, state: env.state, content: { t: 'text', text: 'forged words' }, msgKey, eskSk: newEpochSigningKey().eskSk });
		const log: RelayEntry[] = [...w.log.slice(0, 3), { ...genuine, seq: 3.5, entry: { msg: forged.envelope } }, ...w.log.slice(3)];
		const reader = w.sessions[1]!;
		const events = receiveBacklog(reader, log);
		expect(texts(events)).toEqual(['one', 'two', 'three']);
		expect(warns(events)).toEqual(['unverified:PROTOCOL_BAD_SIGNATURE']);
	});
});
