import { describe, expect, test } from 'vitest';
import type { WarningAbout } from '../core/warnings.ts';
import { warningSentence, warningText, MODERATOR_CHANGED_TEXT } from './warnings.ts';

const ash = 'AshKey01remainderOfTheKey';
const where = { sender: ash, epoch: 3, ctr: 5, seq: 40 };

// The sentences the session core built itself before it spoke in cases (commit af79434), word for word.
const SENTENCES: [WarningAbout, Record<string, unknown> | undefined, string][] = [
	['after-end', where, 'A message from AshKey01 arrived after the conversation ended. It was rejected: the relay may be replaying or holding back messages.'],
	['stale-epoch', { ...where, current: 4 }, 'A message from AshKey01 for key period 3 arrived while key period 4 was current. It was rejected: the relay may be replaying or holding back messages.'],
	['before-rekey', where, 'A message from AshKey01 arrived after a member left and before the keys were changed. It was rejected: the relay may be tampering.'],
	['not-member', where, 'A message from AshKey01, who is not a member at this point, was rejected: the relay may be tampering.'],
	['listener', where, 'A message from a listener was rejected: listeners cannot post here.'],
	['other-group', undefined, 'A message addressed to another group was delivered here. It was rejected.'],
	['fork', { sender: ash, state: 'x' }, "A message from AshKey01 names a version of the group that this device was never shown, so it was not shown. Either the relay is showing members different histories, or AshKey01's app sent a wrong version."],
	['unseen-head', { ...where, state: 'x' }, "AshKey01, an admin of this group, sent a message from a version of the group that this device was never shown. The relay may be hiding a change from you, such as someone's removal: until this clears, what you send could reach someone who is no longer a member."],
	['no-chain', undefined, 'A message from someone who is not a member was rejected.'],
	['gap', { sender: ash, epoch: 0, from: 2, to: 2 }, 'A message from AshKey01 did not arrive. The relay may have dropped or delayed them.'],
	['gap', { sender: ash, epoch: 0, from: 2, to: 4 }, '3 messages from AshKey01 did not arrive. The relay may have dropped or delayed them.'],
	['tail-gap', { sender: ash, epoch: 0, from: 6, to: 6 }, 'The last message from AshKey01 before the keys changed did not arrive. The relay may have dropped them.'],
	['tail-gap', { sender: ash, epoch: 0, from: 5, to: 6 }, 'The last 2 messages from AshKey01 before the keys changed did not arrive. The relay may have dropped them.'],
	['late', where, 'A delayed message arrived out of order and was put back in its place.'],
	['no-stamp', where, "A message from AshKey01 arrived without the relay's stamp, so it cannot be reported. The relay may be withholding it."],
	['forged-hello', where, 'A key announcement in the name of AshKey01 failed its check and was ignored.'],
	['held', where, 'Messages from AshKey01 are held: their sender could not be verified yet.'],
	['held-again', where, 'Another message from an unverified sender is held.'],
	['held-discarded', { sender: ash, epoch: 2 }, 'Messages from AshKey01 were never verified before the keys changed and were discarded.'],
	['replay', where, 'A message that was already delivered arrived again. The copy was rejected.'],
	['bad-commitment', where, 'A message failed its integrity check and was not shown.'],
	['bad-signature', where, 'A message whose signature does not match its sender was not shown.'],
	['too-far-ahead', where, 'A message claims to be too far ahead of the others from its sender and was rejected.'],
	['undecryptable', where, 'A message could not be decrypted or verified and was not shown.'],
	['order-backwards', { seq: 3, cursor: 9 }, 'The relay delivered an entry out of order (its position went backwards). It was ignored.'],
	['time-backwards', { seq: 10, ts: 1, last: 2 }, "The relay delivered an entry dated before the one it sent last. It was ignored: the relay may be tampering with this group's clock."],
	['seq-gap', { from: 10, to: 10 }, 'An entry of this group did not arrive. The relay may have dropped them.'],
	['seq-gap', { from: 10, to: 14 }, '5 entries of this group did not arrive. The relay may have dropped them.'],
	['clock-skew', { ts: 1, now: 2 }, "A new entry carries a time far from this device's clock. The relay's clock, or this device's, is wrong."],
	['frozen', { message: 'bad parent' }, "This group's history failed verification (bad parent). It is read-only until this is resolved: the relay may be tampering with it."],
	['unreadable-epoch', { author: ash, epoch: 4, name: 'Ash' }, "Ash's key update could not be opened on this device, so new messages cannot be read here until the keys change again."],
	['unreadable-epoch', { author: ash, epoch: 4 }, "AshKey01's key update could not be opened on this device, so new messages cannot be read here until the keys change again."]
];

describe('warnings in words', () => {
	test.each(SENTENCES)('a %s warning reads as it always did (%j)', (about, detail, sentence) => {
		expect(warningSentence(detail ? { about, detail } : { about })).toBe(sentence);
	});

	test('the sender is named the way the caller names people, wherever the sentence names them', () => {
		const nameOf = (key: string) => (key === ash ? 'Ash ($&)' : key);
		expect(warningSentence({ about: 'gap', detail: { sender: ash, from: 1, to: 1 } }, nameOf)).toBe('A message from Ash ($&) did not arrive. The relay may have dropped or delayed them.');
		expect(warningSentence({ about: 'replay', detail: where }, nameOf)).toBe('A message that was already delivered arrived again. The copy was rejected.');
	});

	test('the author of an unreadable key update is named as the core saw it, not re-resolved', () => {
		expect(warningSentence({ about: 'unreadable-epoch', detail: { author: ash, epoch: 1, name: 'Old name' } }, () => 'New name')).toMatch(/^Old name's key update/);
	});

	test('the UI shows calm words for technical kinds and the recorded sentence for the rest', () => {
		expect(warningText({ kind: 'moderator-changed', text: MODERATOR_CHANGED_TEXT })).toMatch(/compare the new fingerprint \(shown when you report\)/);
		expect(warningText({ kind: 'gap', text: 'as recorded' })).toBe('as recorded');
		expect(warningText({ kind: 'constructor', text: 'as recorded' })).toBe('as recorded');
	});
});
