/**
 * Known-answer vectors (test/vectors/{chain,franking,message,report,vault}.json): every value is
 * recomputed from the fixed inputs and compared, and each stored output is also checked in the
 * opposite direction (decrypt, verify, unwrap) so a second implementation can use them alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { messageVectors } from '../../../test/vectors/message-vectors.ts';
import { ready, sodium } from './sodium.ts';
import { SenderChain } from './chain.ts';
import { messageLink, openMessage, verifyHello, type HelloContent } from './message.ts';
import { checkStamp, verifyCommitment } from './franking.ts';
import { openReport } from './report.ts';
import { importBackup, openNamedRecord, openRecord, routeAlias, unwrapStorageKey, type WrappedKey } from './vault.ts';
import { fromB64, toB64 } from '../core/bytes.ts';

const dir = join(import.meta.dirname, '../../../test/vectors');
const load = (name: string): any => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));

let fresh: Record<string, unknown>;
beforeAll(async () => {
	await ready();
	fresh = await messageVectors();
});

describe('known-answer vectors', () => {
	test.each(['chain', 'franking', 'message', 'vault'])('%s.json matches a fresh computation exactly', (name) => {
		expect(JSON.parse(JSON.stringify(fresh[name]))).toEqual(load(name));
	});

	test('report.json matches a fresh computation except the randomised sealed box', () => {
		const stored = load('report');
		const { sealed: _random, ...rest } = fresh.report as { sealed: unknown };
		const { sealed: _stored, ...storedRest } = stored;
		expect(JSON.parse(JSON.stringify(rest))).toEqual(storedRest);
	});

	test('chain.json: a receiver chain yields the stored message keys', () => {
		const v = load('chain');
		const rx = SenderChain.fromChainKey(fromB64(v.chainKey0));
		for (const step of [...v.steps].reverse()) expect(rx.receive(step.ctr, 0, toB64)).toBe(step.msgKey);
	});

	test('franking.json: stored commitments and stamps verify', () => {
		const v = load('franking');
		for (const c of v.commitments) expect(verifyCommitment(fromB64(c.fk), c, fromB64(c.body), fromB64(c.c))).toBe(true);
		for (const s of v.stamps) expect(checkStamp(fromB64(s.relaySecret), s, s.stamp)).toBe(true);
	});

	test('message.json: stored envelopes open, verify and carry a hello every member accepts', () => {
		const v = load('message');
		const boxSk = (seed: string) => sodium().crypto_box_seed_keypair(fromB64(seed)).privateKey;
		const opened = v.envelopes.map((e: { envelope: never; msgKey: string }) => openMessage(e.envelope, fromB64(e.msgKey), fromB64(v.eskPk)));
		opened.forEach((o: { content: unknown }, i: number) => expect(o.content).toEqual(v.envelopes[i].content));
		opened.forEach((o: { header: never; prev?: Uint8Array }, i: number) => {
			expect(o.prev && toB64(o.prev)).toBe(v.envelopes[i].prev);
			expect(toB64(messageLink(o.header, o.prev))).toBe(v.envelopes[i].link);
		});
		const [alice, ...others] = v.members;
		for (const r of others) {
			const esk = verifyHello(opened[0].content as HelloContent, { group: v.group, epoch: v.epoch, sender: alice.sign, senderBox: alice.box, me: r.sign, myBoxSk: boxSk(r.boxSeed) });
			expect(toB64(esk)).toBe(v.eskPk);
		}
	});

	test('report.json: the stored sealed report opens with the moderator seed', () => {
		const v = load('report');
		const mod = sodium().crypto_box_seed_keypair(fromB64(v.moderatorBoxSeed));
		expect(openReport(v.sealed.box, mod.publicKey, mod.privateKey)).toEqual(v.report);
	});

	test('report.json: each disclosed message\'s commitment and relay stamp verify from the file alone', () => {
		const v = load('report');
		const secret = fromB64(v.relaySecret);
		for (const m of v.report.messages) {
			const { header } = m;
			expect(verifyCommitment(fromB64(m.fk), header, fromB64(m.body), fromB64(header.c))).toBe(true);
			// §6.2: stamp = MAC(relaySecret, labelled("unseen/v1/stamp", {c, sender, group, seq, ts})).
			expect(checkStamp(secret, { c: header.c, sender: header.sender, group: header.group, seq: m.seq, ts: m.ts }, m.stamp)).toBe(true);
			expect(checkStamp(secret, { c: header.c, sender: header.sender, group: header.group, seq: m.seq + 1, ts: m.ts }, m.stamp)).toBe(false);
		}
	});

	test('vault.json: stored wrapped keys, records and backups open', async () => {
		const v = load('vault');
		for (const w of v.wrapped) expect(toB64(await unwrapStorageKey(w.wrapped as WrappedKey, w.passphrase))).toBe(v.storageKey);
		for (const r of v.records) expect(toB64(openRecord(fromB64(v.storageKey), r.store, r.key, fromB64(r.sealed)))).toBe(r.value);
		for (const b of v.backups) expect(await importBackup(b.file, b.passphrase)).toEqual(b.payload);
		for (const a of v.aliases) expect(routeAlias(fromB64(v.storageKey), a.group)).toBe(a.alias);
		for (const r of v.named) {
			const opened = openNamedRecord(fromB64(v.storageKey), v.names.find((n: { name: string }) => n.name === r.name).stored, fromB64(r.sealed));
			expect([opened.name, toB64(opened.value)]).toEqual([r.name, r.value]);
		}
	});
});
