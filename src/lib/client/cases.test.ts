/**
 * Folding the report inbox's sealed boxes (PROTOCOL §13.6) on one device: only a moderator's
 * boxes count, a box names its group and sender, the first resolution wins, and a reporter's
 * status only moves forward and never holds the action.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { ready, sodium } from '../crypto/sodium.ts';
import { deriveIdentity, type Identity } from '../crypto/identity.ts';
import { newCaseId, newReplyKey, sealCaseNote, sealFeedback } from '../crypto/report-case.ts';
import { toB64 } from '../core/bytes.ts';
import { Cases } from './cases.ts';
import type { GroupState } from '../protocol/group/types.ts';
import type { Role } from '../core/schema.ts';

beforeAll(() => ready());

const person = () => {
	const id = deriveIdentity(sodium().randombytes_buf(32), sodium().randombytes_buf(32));
	return { id, sign: toB64(id.signPk), box: toB64(id.boxPk) };
};

function logOf(group: string, people: [ReturnType<typeof person>, Role][]): GroupState {
	const members = Object.fromEntries(people.map(([p, role]) => [p.sign, { sign: p.sign, box: p.box, role, since: 0 }]));
	return { group, ended: false, members, settings: { pair: false } } as unknown as GroupState;
}

const me = (p: ReturnType<typeof person>): Identity & { sign: string } => ({ ...p.id, sign: p.sign });

describe('report cases (§13.6)', () => {
	test('a case note from a member who is not a moderator is ignored (a member cannot resolve a report)', () => {
		const group = toB64(sodium().randombytes_buf(32));
		const [ash, dee, bo] = [person(), person(), person()];
		const log = logOf(group, [[ash, 'admin'], [dee, 'moderator'], [bo, 'member']]);
		const id = newCaseId();
		const cases = new Cases(group);
		const forged = sealCaseNote(group, bo.sign, dee, { id, k: 'resolve', outcome: 'none' });
		expect(cases.apply(bo.sign, { t: 'case', boxes: [forged] }, 1, log, me(dee))).toBe(false);
		expect(cases.data.cases).toEqual({});
		const honest = sealCaseNote(group, ash.sign, dee, { id, k: 'resolve', outcome: 'hidden' });
		expect(cases.apply(ash.sign, { t: 'case', boxes: [honest] }, 2, log, me(dee))).toBe(true);
		expect(cases.data.cases[id]).toMatchObject({ state: 'resolved', by: ash.sign, outcome: 'hidden' });
	});

	test('a box re-sent by another moderator as their own, or moved to another group, does not open', () => {
		const group = toB64(sodium().randombytes_buf(32));
		const other = toB64(sodium().randombytes_buf(32));
		const [ash, dee, eve] = [person(), person(), person()];
		const log = logOf(group, [[ash, 'admin'], [dee, 'moderator'], [eve, 'moderator']]);
		const id = newCaseId();
		const cases = new Cases(group);
		const box = sealCaseNote(group, ash.sign, dee, { id, k: 'take' });
		expect(cases.apply(eve.sign, { t: 'case', boxes: [box] }, 1, log, me(dee))).toBe(false);
		expect(new Cases(other).apply(ash.sign, { t: 'case', boxes: [box] }, 1, { ...log, group: other }, me(dee))).toBe(false);
	});

	test('the first resolution wins; a later one is kept as "also", a take after it is ignored', () => {
		const group = toB64(sodium().randombytes_buf(32));
		const cases = new Cases(group);
		const id = newCaseId();
		cases.fold('A', { id, k: 'take' }, 1);
		expect(cases.data.cases[id]).toMatchObject({ state: 'review', by: 'A' });
		cases.fold('B', { id, k: 'resolve', outcome: 'hidden' }, 2);
		cases.fold('A', { id, k: 'resolve', outcome: 'none' }, 3);
		cases.fold('A', { id, k: 'take' }, 4);
		expect(cases.data.cases[id]).toMatchObject({ state: 'resolved', by: 'B', outcome: 'hidden', also: [{ by: 'A', outcome: 'none' }] });
	});

	test('the reporter opens feedback with the one-time key only; the status moves forward and the key goes when resolved', () => {
		const group = toB64(sodium().randombytes_buf(32));
		const [ash, bo] = [person(), person()];
		const log = logOf(group, [[ash, 'admin'], [bo, 'member']]);
		const id = newCaseId();
		const reply = newReplyKey();
		const cases = new Cases(group);
		cases.data.mine[id] = { pk: reply.pk, sk: reply.sk, status: 'sent', ts: 0, messages: [] };
		// Sealed to Bo's per-group key instead of the report's key: not feedback (§13.6).
		expect(cases.apply(ash.sign, { t: 'case', boxes: [sealFeedback(group, id, bo.box, 'acted')] }, 1, log, me(bo))).toBe(false);
		// From a member who is not a moderator: ignored.
		expect(cases.apply(bo.sign, { t: 'case', boxes: [sealFeedback(group, id, reply.pk, 'acted')] }, 1, log, me(bo))).toBe(false);
		expect(cases.apply(ash.sign, { t: 'case', boxes: [sealFeedback(group, id, reply.pk, 'received')] }, 2, log, me(bo))).toBe(true);
		expect(cases.data.mine[id]!.status).toBe('received');
		expect(cases.apply(ash.sign, { t: 'case', boxes: [sealFeedback(group, id, reply.pk, 'reviewed')] }, 3, log, me(bo))).toBe(true);
		expect(cases.data.mine[id]).toEqual({ pk: reply.pk, status: 'reviewed', ts: 0, messages: [] });
		expect(cases.data.cases).toEqual({});
	});
});
