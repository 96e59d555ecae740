/**
 * Writes test/vectors/sponsor-note.json: a sealed sponsorship note (docs/PROTOCOL.md §11.2) to a
 * recipient whose X25519 key comes from a fixed seed. The sealed box is randomised (an ephemeral
 * key), so the file fixes one box; the exact plaintext it must open to is stored beside it.
 * Run: node test/vectors/sponsor-note-vectors.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ready, sodium } from '../../src/lib/crypto/sodium.ts';
import { sealNote } from '../../src/lib/crypto/sponsor-note.ts';
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
	{ k: 'ask', id: toB64(new Uint8Array(16).fill(1)), note: 'Three weeks in. Could you sponsor me?', code: `unseen-pair-2.${toB64(new Uint8Array(32).fill(5))}.${toB64(kp.publicKey)}.${toB64(new Uint8Array(32).fill(6))}` },
	{ k: 'decline', id: toB64(new Uint8Array(16).fill(1)), note: 'Not this time, but I am glad you asked.' },
	{ k: 'accept', id: toB64(new Uint8Array(16).fill(1)), pair: toB64(new Uint8Array(32).fill(0x50)) },
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
	}))
};
writeFileSync(fileURLToPath(new URL('./sponsor-note.json', import.meta.url)), JSON.stringify(vector, null, '\t') + '\n');
