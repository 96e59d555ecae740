import { describe, expect, it } from 'vitest';
import { askToSpeakBadge, askToSpeakNotice, INVITE_PROBLEM, nameLengthHint } from './first-hour.ts';

describe('first-hour words', () => {
	it('the name hint counts up to the limit and says when it is reached', () => {
		expect(nameLengthHint(5, 40)).toBe('5 of 40 characters');
		expect(nameLengthHint(40, 40)).toBe('40 of 40 characters: that is the limit.');
		expect(nameLengthHint(41, 40)).toMatch(/shorten/);
	});
	it('asks to speak are named one by one, counted when several', () => {
		expect(askToSpeakNotice(['Kit'])).toBe('Kit would like to speak. You can answer in People.');
		expect(askToSpeakNotice([null])).toMatch(/^A listener would like/);
		expect(askToSpeakNotice(['Kit', null])).toMatch(/^2 listeners/);
		expect(askToSpeakBadge(1)).toBe('1 asking to speak');
		expect(askToSpeakBadge(3)).toBe('3 asking to speak');
	});
	it('no invite problem shows a code', () => {
		for (const { title, text } of Object.values(INVITE_PROBLEM)) expect(`${title} ${text}`).not.toMatch(/[A-Z]+_[A-Z]+/);
	});
});
