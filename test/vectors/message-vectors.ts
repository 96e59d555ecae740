/**
 * Known-answer vectors for the MESSAGE constructions (docs/PROTOCOL.md §4.3 chain, §5 messages,
 * §6 franking and reports, §8 vault), computed from fixed keys and explicit nonces.
 *
 * Regenerate (only when the protocol changes on purpose):
 *   node test/vectors/message-vectors.ts
 * src/lib/crypto/message-vectors.test.ts recomputes every value and compares.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SenderChain, kdf } from '../../src/lib/crypto/chain.ts';
import { buildHello, encryptMessage, messageLink, newEpochSigningKey, pairMacKey, type Content } from '../../src/lib/crypto/message.ts';
import { commit, computeStamp } from '../../src/lib/crypto/franking.ts';
import { buildReport, sealReport } from '../../src/lib/crypto/report.ts';
import { exportBackup, namingKey, routeAlias, sealNamedRecord, sealRecord, storedName, wrapStorageKey } from '../../src/lib/crypto/vault.ts';
import { ready } from '../../src/lib/crypto/sodium.ts';
import { toB64, utf8 } from '../../src/lib/core/bytes.ts';
import { canonicalJson } from '../../src/lib/core/cjson.ts';
import { LABEL } from '../../src/lib/core/labels.ts';

/** 32 bytes all equal to `n`: readable fixed inputs. */
export const fill = (n: number, length = 32) => new Uint8Array(length).fill(n);

const group = toB64(fill(0x47));
const state = toB64(fill(0x53));

export async function messageVectors(): Promise<Record<string, unknown>> {
	const s = await ready();
	const people = [1, 2, 3].map((n) => {
		const sign = s.crypto_sign_seed_keypair(fill(n));
		const box = s.crypto_box_seed_keypair(fill(n + 0x10));
		return { signSeed: toB64(fill(n)), boxSeed: toB64(fill(n + 0x10)), sign: toB64(sign.publicKey), box: toB64(box.publicKey), boxSk: box.privateKey };
	});
	const [alice, bob] = people as [(typeof people)[0], (typeof people)[0]];

	// §4.3 chain
	const chainKey0 = fill(0x0c);
	const sender = SenderChain.fromChainKey(chainKey0);
	const steps: { ctr: number; chainKey: string; msgKey: string }[] = [];
	let ck: Uint8Array = chainKey0.slice();
	for (let i = 0; i < 4; i++) {
		const { ctr, msgKey } = sender.nextSendKey();
		steps.push({ ctr, chainKey: toB64(ck), msgKey: toB64(msgKey) });
		ck = kdf(ck, LABEL.chainNext);
	}
	const chain = { description: 'chain_{i+1} = KDF(chain_i, chain-next, ""), msgKey_i = KDF(chain_i, chain-msg, "")', chainKey0: toB64(chainKey0), steps };

	// §6.1, §6.2 franking
	const ctx = { group, epoch: 2, sender: alice.sign, ctr: 5 };
	const contentBytes = utf8(canonicalJson({ t: 'text', text: 'this feels familiar' }));
	const fk = fill(0xf1);
	const c = commit(fk, ctx, contentBytes);
	const stampFields = { c: toB64(c), sender: alice.sign, group, seq: 42, ts: 1_700_000_000_123 };
	const relaySecret = fill(0x5e);
	const franking = {
		commitments: [{ fk: toB64(fk), ...ctx, body: toB64(contentBytes), c: toB64(c) }],
		stamps: [{ relaySecret: toB64(relaySecret), ...stampFields, stamp: toB64(computeStamp(relaySecret, stampFields)) }]
	};

	// §5.1 hello and §5.2 envelopes
	const esk = newEpochSigningKey(fill(0xe5));
	const aliceBoxSk = people[0]!.boxSk;
	const hello = buildHello({ group, epoch: 2, sender: alice.sign, senderBoxSk: aliceBoxSk, members: people, eskPk: esk.eskPk, name: 'Wren' });
	const pairKey = pairMacKey(aliceBoxSk, s.crypto_box_seed_keypair(fill(0x12)).publicKey, { group, epoch: 2, sender: alice.sign, receiver: bob.sign });
	const contents: { ctr: number; content: Content }[] = [
		{ ctr: 0, content: hello },
		{ ctr: 1, content: { t: 'text', text: 'this feels familiar', cw: 'grief' } },
		{ ctr: 2, content: { t: 'react', to: { sender: bob.sign, epoch: 2, ctr: 0 }, emoji: '💛' } }
	];
	// Counter 1 is unlinked, counter 2 links to counter 1 (`prev` = its messageLink).
	let prev: Uint8Array | undefined;
	const envelopes = contents.map(({ ctr, content }) => {
		const msgKey = fill(0x40 + ctr);
		const frankingKey = fill(0x60 + ctr);
		const nonce = fill(0x80 + ctr, 24);
		const linkTo = ctr === 2 ? prev : undefined;
		const { envelope } = encryptMessage({ group, epoch: 2, sender: alice.sign, ctr, state, content, msgKey, eskSk: esk.eskSk, frankingKey, nonce, prev: linkTo });
		prev = messageLink(envelope, linkTo);
		return { msgKey: toB64(msgKey), frankingKey: toB64(frankingKey), nonce: toB64(nonce), content, ...(linkTo ? { prev: toB64(linkTo) } : {}), link: toB64(prev), envelope };
	});
	const message = {
		members: people.map(({ boxSk: _secret, ...p }) => p),
		eskSeed: toB64(fill(0xe5)),
		eskPk: toB64(esk.eskPk),
		pairMacKey: { from: alice.sign, to: bob.sign, group, epoch: 2, key: toB64(pairKey) },
		group,
		epoch: 2,
		sender: alice.sign,
		state,
		envelopes
	};

	// §6.3 report: sealing is randomised, so the vector holds a sealed box to open. The disclosed
	// message is envelope 1, stamped by the relay (secret `relaySecret`, §6.2) over its own `c`
	// at seq 42, so a moderator's check of commitment and stamp passes from the file alone.
	const text = envelopes[1]!;
	const reportedAt = { seq: 42, ts: 1_700_000_000_123 };
	const reportStamp = computeStamp(relaySecret, { c: text.envelope.c, sender: text.envelope.sender, group: text.envelope.group, ...reportedAt });
	const reported = buildReport(
		group,
		[{ envelope: text.envelope, ...reportedAt, stamp: toB64(reportStamp), frankingKey: fill(0x61), contentBytes: utf8(canonicalJson(text.content)) }],
		'please look'
	);
	const moderator = s.crypto_box_seed_keypair(fill(0x3d));
	const report = {
		moderatorBoxSeed: toB64(fill(0x3d)),
		moderatorBox: toB64(moderator.publicKey),
		relaySecret: toB64(relaySecret),
		report: reported,
		sealed: sealReport(reported, [toB64(moderator.publicKey)])[0]
	};

	// §8 vault
	const storageKey = fill(0x5c);
	const vault = {
		storageKey: toB64(storageKey),
		records: [{ store: 'messages', key: 'g:000001', value: toB64(utf8('hello')), nonce: toB64(fill(0x01, 24)), sealed: toB64(sealRecord(storageKey, 'messages', 'g:000001', utf8('hello'), fill(0x01, 24))) }],
		// Hashed record names (§8): a full name, a prefix, and the sealed record under the full name.
		names: ['device', 'g/grp1/m/pk:3:17', 'g/grp1/m/', ''].map((name) => ({ name, stored: storedName(namingKey(storageKey), name) })),
		// Page addresses of groups on this device (§8): two group ids, their aliases.
		aliases: ['grp1', 'xvH4cq2bUO8-n9rUbWn5Vb3ri6yO0a4cQ0tR2mH1ZkA'].map((group) => ({ group, alias: routeAlias(storageKey, group) })),
		named: [{ name: 'g/grp1/m/pk:3:17', value: toB64(utf8('hello')), nonce: toB64(fill(0x06, 24)), sealed: toB64(sealNamedRecord(storageKey, storedName(namingKey(storageKey), 'g/grp1/m/pk:3:17'), 'g/grp1/m/pk:3:17', utf8('hello'), fill(0x06, 24))) }],
		wrapped: [
			{ passphrase: 'caf\u00e9 au lait', wrapped: await wrapStorageKey(storageKey, 'caf\u00e9 au lait', { salt: fill(0x5a, 16), nonce: fill(0x02, 24) }) },
			{ passphrase: 'fast test cost', wrapped: await wrapStorageKey(storageKey, 'fast test cost', { ops: 1, mem: 8192, salt: fill(0x5b, 16), nonce: fill(0x03, 24) }) }
		],
		backups: [
			{ passphrase: 'moving phones', payload: { root: toB64(fill(0x77)), groups: ['a', 'b'] }, file: await exportBackup({ root: toB64(fill(0x77)), groups: ['a', 'b'] }, 'moving phones', { ops: 1, mem: 8192, salt: fill(0x5d, 16), nonce: fill(0x04, 24) }) }
		]
	};
	return { chain, franking, message, report, vault };
}

if (import.meta.main) {
	const vectors = await messageVectors();
	for (const [name, value] of Object.entries(vectors)) {
		writeFileSync(join(import.meta.dirname, `${name}.json`), JSON.stringify(value, null, '\t') + '\n');
	}
	console.log(`wrote ${Object.keys(vectors).map((n) => `${n}.json`).join(', ')}`);
}
