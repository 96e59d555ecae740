import { describe, expect, test } from 'vitest';
import { caseStateText, myReportText } from './inbox.ts';

describe('report inbox words (§13.6)', () => {
	test('the reporter reads received, acted or reviewed, never the action nor who', () => {
		const texts = (['sent', 'received', 'acted', 'reviewed'] as const).map((status) => myReportText({ status }));
		expect(texts[2]).toBe('A moderator acted on your report. Thank you for speaking up.');
		expect(texts[3]).toBe('A moderator reviewed your report. Thank you for speaking up.');
		for (const t of texts) expect(t).not.toMatch(/hid|mute|warn|remov/i);
	});

	test('moderators read who took or resolved a report, and how', () => {
		expect(caseStateText({ state: 'review', by: { name: 'Ash', me: false }, notes: [] })).toBe('In review by Ash');
		expect(caseStateText({ state: 'resolved', by: { name: 'Ash', me: false }, outcome: 'hidden', notes: [] })).toBe('Resolved by Ash: message hidden');
		expect(caseStateText({ state: 'resolved', by: { name: 'Ash', me: true }, outcome: 'none', notes: [] })).toBe('Resolved by you: no action needed');
	});
});
