import { describe, expect, test } from 'vitest';
import { slowCountdown, slowSummary, waitLabel } from './safety-settings.ts';

describe('safety settings words (§13.7)', () => {
	test('the countdown reads in whole seconds and minutes, rounded up, and says the words are kept', () => {
		expect(waitLabel(1)).toBe('1 second');
		expect(waitLabel(29_001)).toBe('30 seconds');
		expect(waitLabel(60_000)).toBe('1 minute');
		expect(waitLabel(90_000)).toBe('1 minute 30 seconds');
		expect(waitLabel(900_000)).toBe('15 minutes');
		expect(slowCountdown(12_000)).toBe('This group is in slow mode. You can send your next message in 12 seconds. What you wrote stays here.');
	});

	test('the summary line', () => {
		expect(slowSummary(0)).toBe('Slow mode off');
		expect(slowSummary(300)).toBe('Slow mode: 5 minutes between messages');
	});
});
