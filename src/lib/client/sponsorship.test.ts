/**
 * The bind of a sponsorship note (PROTOCOL §6.3 "Reports from a pair", §11.2): a sponsor keeps
 * the asker's note message and `r` only when the note's `bind` opens to the asker's own pair key;
 * an ask whose bind does not (a sender trying to make their pair unreportable) is not shown.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { Sponsorship, pairBindsOther } from './sponsorship.ts';
import { ready, sodium } from '../crypto/sodium.ts';
import { codeKey, newNoteId, pairBind, randomBind, sealNote } from '../crypto/sponsor-note.ts';
import { toB64 } from '../core/bytes.ts';
import type { Identity } from '../crypto/identity.ts';
import type { FrankingRecord } from '../protocol/session/types.ts';

beforeAll(ready);

const group = toB64(new Uint8Array(32).fill(0x47));

function setup() {
	const box = sodium().crypto_box_keypair();
	const sponsor = { sign: toB64(sodium().crypto_sign_keypair().publicKey), boxPk: box.publicKey, boxSk: box.privateKey } as unknown as Identity & { sign: string };
	const asker = toB64(sodium().crypto_sign_keypair().publicKey);
	const s = new Sponsorship(group);
	s.data.offers[sponsor.sign] = { intro: 'evenings', places: 2, taken: 0, ts: 1 };
	const code = `unseen-pair-2.${toB64(sodium().crypto_sign_keypair().publicKey)}.${toB64(sodium().crypto_box_keypair().publicKey)}.${toB64(sodium().crypto_box_keypair().publicKey)}`;
	const record = { seq: 5 } as unknown as FrankingRecord;
	const ask = (bindKey: string, r = randomBind()) => {
		const id = newNoteId();
		const boxed = sealNote(group, asker, { sign: sponsor.sign, box: toB64(box.publicKey) }, { k: 'ask', id, note: 'Could you?', code, r });
		return { id, shown: s.apply(asker, { t: 'note', box: boxed, bind: pairBind(group, bindKey, r) }, 10, null, sponsor, record) };
	};
	return { s, ask, code, record };
}

describe('sponsorship notes bind the asker’s pair key (§6.3)', () => {
	test('an ask whose bind opens to its own code key is shown and its note kept for a report', () => {
		const { s, ask, code, record } = setup();
		const { id, shown } = ask(codeKey(code));
		expect(shown).toBe(true);
		expect(s.data.asks[id]!.bind).toMatchObject({ record, key: codeKey(code) });
	});

	test('an ask binding another key (its sender trying to be unreportable) is not shown', () => {
		const { s, ask } = setup();
		const { id, shown } = ask(toB64(sodium().crypto_sign_keypair().publicKey));
		expect(shown).toBe(false);
		expect(s.data.asks[id]).toBeUndefined();
	});

	test('an accept must bind the pair’s other member: the asker joins only then', () => {
		const me = toB64(sodium().crypto_sign_keypair().publicKey);
		const sponsorInPair = toB64(sodium().crypto_sign_keypair().publicKey);
		const log = { members: { [me]: {}, [sponsorInPair]: {} } } as never;
		const r = randomBind();
		const record = { seq: 9 } as unknown as FrankingRecord;
		expect(pairBindsOther(group, { record, r, bind: pairBind(group, sponsorInPair, r) }, log, me)).toBe(sponsorInPair);
		expect(pairBindsOther(group, { record, r, bind: pairBind(group, me, r) }, log, me)).toBeNull();
		expect(pairBindsOther(group, { record, r: randomBind(), bind: pairBind(group, sponsorInPair, r) }, log, me)).toBeNull();
		expect(pairBindsOther(group, { record, r, bind: '' }, log, me)).toBeNull();
	});
});
