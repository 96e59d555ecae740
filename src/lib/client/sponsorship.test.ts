/**
 * The bind of a sponsorship note (PROTOCOL §6.3 "Reports from a pair", §11.2): a sponsor keeps
 * the asker's note message and `r` only when the note's `bind` opens to the asker's own pair key;
 * an ask whose bind does not (a sender trying to make their pair unreportable) is not shown.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { Sponsorship, pairBindsOther } from './sponsorship.ts';
import { sponsorshipView } from './sponsor-views.ts';
import type { GroupHandle } from './group.ts';
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

	test('M5: an ask with no bind (an older or modified app) is shown with the warning before it can be accepted', () => {
		const { s, code } = setup();
		const sponsor = Object.keys(s.data.offers)[0]!;
		const id = newNoteId();
		const asker = toB64(sodium().crypto_sign_keypair().publicKey);
		s.data.asks[id] = { id, dir: 'in', other: asker, note: 'hi', code, ts: 10, state: 'open' };
		const view = sponsorshipView({ session: { state: { settings: { pair: false }, members: { [sponsor]: { role: 'member' }, [asker]: { role: 'member' } } }, me: sponsor, data: { profiles: {} } }, sponsorship: s } as unknown as GroupHandle, 20, () => true)!;
		expect(view.incoming).toEqual([expect.objectContaining({ id, unlinked: true })]);
	});

	test('M5: an accept without r or s is not joined silently: the request reads unlinked until I choose to go on', () => {
		const box = sodium().crypto_box_keypair();
		const me = { sign: toB64(sodium().crypto_sign_keypair().publicKey), boxPk: box.publicKey, boxSk: box.privateKey } as unknown as Identity & { sign: string };
		const sponsor = toB64(sodium().crypto_sign_keypair().publicKey);
		const s = new Sponsorship(group);
		const record = { seq: 9 } as unknown as FrankingRecord;
		const pair = toB64(new Uint8Array(32).fill(0x50));
		const view = () =>
			sponsorshipView({ session: { state: { settings: { pair: false }, members: { [sponsor]: { role: 'member' }, [me.sign]: { role: 'member' } } }, me: me.sign, data: { profiles: {} } }, sponsorship: s } as unknown as GroupHandle, 20, () => true)!;
		for (const extra of [{}, { r: randomBind() }, { s: randomBind() }, { r: randomBind(), s: randomBind() }]) {
			const id = newNoteId();
			s.data.asks[id] = { id, dir: 'out', other: sponsor, note: '', code: 'x', ts: 10, state: 'open' };
			const accept = sealNote(group, sponsor, { sign: me.sign, box: toB64(box.publicKey) }, { k: 'accept', id, pair, ...extra });
			expect(s.apply(sponsor, { t: 'note', box: accept, bind: randomBind() }, 11, null, me, record)).toBe(true);
			const linked = 'r' in extra && 's' in extra;
			expect(s.data.asks[id]!.unlinked ?? false).toBe(!linked);
			expect(view().outgoing.find((o) => o.id === id)!.unlinked ?? false).toBe(!linked);
			// Choosing to go on clears the warning (sponsor-actions.ts joinUnlinked then joins).
			s.data.asks[id]!.goAhead = true;
			expect(view().outgoing.find((o) => o.id === id)!.unlinked).toBeUndefined();
		}
	});
});
