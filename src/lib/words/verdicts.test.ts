import { describe, expect, test } from 'vitest';
import { operatorVerdict, reasonForFacilitator, reasonForOperator, reportReadersSentence, verdictBadge } from './verdicts.ts';

describe('report verdicts, one table for the reports screen and the moderator tool', () => {
	test('a verified message reads "Verified" to both readers', () => {
		expect(verdictBadge(true)).toBe('Verified');
		expect(operatorVerdict(true, undefined)).toBe('Verified');
	});

	test.each([
		['commitment', 'The words do not match what the sender committed to: they may have been altered.', 'the words are not the ones the sender sent; they were changed after sending'],
		['stamp', 'The server did not confirm that this person sent it.', 'the relay never stamped this message from this sender at this place and time'],
		['stamp-unchecked', 'The server could not be asked to confirm it right now.', 'the relay could not be asked about its stamp; run the command again'],
		['content', 'The report did not contain readable message content.', 'the disclosed content is not a valid message'],
		['group', 'The message belongs to another group.', 'the message belongs to another group than the report names']
	])('the reason %s reads to the facilitator and to the operator', (reason, facilitator, operator) => {
		expect(verdictBadge(false)).toBe('Could not be verified');
		expect(reasonForFacilitator(reason)).toBe(facilitator);
		expect(operatorVerdict(false, reason)).toBe(`NOT verified (${operator})`);
	});

	test('an unknown reason is shown as it came, and a missing one says so', () => {
		expect(reasonForFacilitator('new-reason')).toBe('new-reason');
		expect(reasonForOperator('new-reason')).toBe('new-reason');
		expect(reasonForOperator(undefined)).toBe('unknown reason');
		expect(reasonForOperator('')).toBe('unknown reason');
		expect(reasonForOperator('toString')).toBe('toString');
	});

	test.each([
		[['Ash'], [], true, 'Read by Ash.'],
		[['Ash', 'Bo', 'Cy'], ['Dee'], false, 'Read by Ash, Bo and Cy. Dee moderates this group but will not see it, because it is about them.'],
		[[], ['Ash'], true, "Nobody else in this group can read this report. Ash moderates this group but will not see it, because it is about them. Send it to the service's moderators instead."],
		[[], ['Ash', 'Bo'], false, 'Nobody else in this group can read this report. Ash and Bo moderate this group but will not see it, because it is about them. This service has no moderators of its own, so the report cannot be sent.']
	])('the report form names its readers %j, leaving out %j (service: %s)', (readers, leftOut, service, sentence) => {
		expect(reportReadersSentence(readers, leftOut, service)).toBe(sentence);
	});
});
