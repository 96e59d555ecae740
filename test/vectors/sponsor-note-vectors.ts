/**
 * Writes test/vectors/sponsor-note.json: a sealed sponsorship note (docs/PROTOCOL.md §11.2) to a
 * recipient whose X25519 key comes from a fixed seed. The sealed box is randomised (an ephemeral
 * key), so the file fixes one box; the exact plaintext it must open to is stored beside it.
 * Also the note's `bind` (§6.3 "Reports from a pair": H("unseen/v1/pair-bind", {group, key, r}))
 * the pair genesis's `met` tag (§3.2: H("unseen/v1/pair-met", {met, s})) and one sealed pair
 * report with its plaintext.
 * Run: node test/vectors/sponsor-note-vectors.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ready, sodium } from '../../src/lib/crypto/sodium.ts';
import { pairBind, pairMetTag, sealNote } from '../../src/lib/crypto/sponsor-note.ts';
import { sealPairReport } from '../../src/lib/crypto/pair-report.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';
import { labelled } from '../../src/lib/core/cjson.ts';
import { LABEL } from '../../src/lib/core/labels.ts';

await ready();
const na = sodium();
const recipientSeed = new Uint8Array(32).fill(0x2a);
const kp = na.crypto_box_seed_keypair(recipientSeed);
const group = toB64(new Uint8Array(32).fill(0x47));
const from = toB64(new Uint8Array(32).fill(0x46));
const to = toB64(new Uint8Array(32).fill(0x54));
const cases = [
	{ k: 'ask', id: toB64(new Uint8Array(16).fill(1)), note: 'Three weeks in. Could you sponsor me?', code: `unseen-pair-2.${toB64(new Uint8Array(32).fill(5))}.${toB64(kp.publicKey)}.${toB64(new Uint8Array(32).fill(6))}`, r: toB64(new Uint8Array(32).fill(0x72)) },
	{ k: 'decline', id: toB64(new Uint8Array(16).fill(1)), note: 'Not this time, but I am glad you asked.' },
	{ k: 'accept', id: toB64(new Uint8Array(16).fill(1)), pair: toB64(new Uint8Array(32).fill(0x50)), r: toB64(new Uint8Array(32).fill(0x73)), s: toB64(new Uint8Array(32).fill(0x53)) },
	{ k: 'withdraw', id: toB64(new Uint8Array(16).fill(1)) }
] as const;
const vector = {
	recipientSeed: toB64(recipientSeed),
	recipientBox: toB64(kp.publicKey),
	group,
	from,
	to,
	notes: cases.map((body) => ({
		body,
		plainHex: Buffer.from(labelled(LABEL.sponsorNote, { group, from, to, body })).toString('hex'),
		box: sealNote(group, from, { sign: to, box: toB64(kp.publicKey) }, body)
	})),
	binds: [
		{ group, key: toB64(new Uint8Array(32).fill(5)), r: toB64(new Uint8Array(32).fill(0x72)) },
		{ group, key: toB64(new Uint8Array(32).fill(0x4b)), r: toB64(new Uint8Array(32).fill(0x73)) }
	].map((b) => ({ ...b, bind: pairBind(b.group, b.key, b.r) })),
	/** A pair genesis's `settings.met` tag (§3.2): H("unseen/v1/pair-met", {met, s}). */
	metTags: [{ met: group, s: toB64(new Uint8Array(32).fill(0x53)) }].map((m) => ({ ...m, tag: pairMetTag(m.met, m.s) })),
	pairReport: pairReportVector()
};

/** A pair report (§6.3) with fixed fields, sealed to the recipient; its exact plaintext beside it. */
function pairReportVector() {
	const b = (fill: number, n = 32) => toB64(new Uint8Array(n).fill(fill));
	const message = (g: string, sender: string, seq: number) => ({ header: { v: 1 as const, group: g, epoch: 1, sender, ctr: seq, state: b(0x53), c: b(0x43) }, n: b(0x4e, 24), seq, ts: 1_700_000_000_000 + seq, stamp: b(0x5a), fk: b(0x46), body: b(0x42, 40) });
	const key = b(0x4b);
	const pair = b(0x50);
	const report = { v: 1 as const, met: group, pair, s: b(0x53), note: 'my sponsor said this', bind: { message: message(group, from, 7), key, r: b(0x73) }, messages: [message(pair, key, 3)] };
	return { report, plainHex: Buffer.from(labelled(LABEL.pairReport, report)).toString('hex'), box: sealPairReport(report, [toB64(kp.publicKey)])[0]!.box };
}
writeFileSync(fileURLToPath(new URL('./sponsor-note.json', import.meta.url)), JSON.stringify(vector, null, '\t') + '\n');
