import { describe, expect, test } from 'vitest';
import { backupFileName, dayLabel, retentionLabel, sameDay } from './format.ts';

const noon = new Date(2026, 10, 20, 12, 0).getTime();
const hour = 3_600_000;

describe('chat time labels', () => {
	test('a message from this morning is labelled Today', () => {
		expect(dayLabel(noon - 3 * hour, noon, 'en-GB')).toBe('Today');
	});

	test('a message from late last night is labelled Yesterday, not Today', () => {
		expect(dayLabel(noon - 13 * hour, noon, 'en-GB')).toBe('Yesterday');
	});

	test('a message from three days ago shows its weekday', () => {
		expect(dayLabel(noon - 72 * hour, noon, 'en-GB')).toBe('Tuesday');
	});

	test('an old message shows its full date', () => {
		expect(dayLabel(new Date(2025, 0, 5, 9).getTime(), noon, 'en-GB')).toBe('5 January 2025');
	});

	test('two times either side of midnight are on different days', () => {
		const midnight = new Date(2026, 10, 21, 0, 0).getTime();
		expect(sameDay(midnight - 1, midnight)).toBe(false);
		expect(sameDay(midnight, midnight + 23 * hour)).toBe(true);
	});

	test.each([
		[0, 'Kept until deleted'],
		[86_400, 'Disappear after 1 day'],
		[30 * 86_400, 'Disappear after 30 days'],
		[7200, 'Disappear after 2 hours']
	])('a retention of %i seconds reads "%s"', (seconds, label) => {
		expect(retentionLabel(seconds)).toBe(label);
	});
});

describe('backup file name', () => {
	test('names the file by local date only, without the app name or a telling extension', () => {
		expect(backupFileName(new Date(2026, 0, 5, 23, 59))).toBe('backup-2026-01-05.dat');
	});
});
