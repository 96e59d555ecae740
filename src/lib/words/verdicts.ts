/**
 * The verdict on a reported message (docs/PROTOCOL.md §6.3, P8), in the words of its two readers:
 * a facilitator on the reports screen, and the operator running the moderator tool (bin/). Both
 * read the same verdict and the same reasons; the operator's words say what to do about it.
 */

/** Why a reported message is not verified (ReportedMessageView.reason). */
export type VerdictReason = 'commitment' | 'stamp' | 'stamp-unchecked' | 'content' | 'group' | 'sender' | 'bind';

const REASONS: Record<VerdictReason, { facilitator: string; operator: string }> = {
	commitment: {
		facilitator: 'The words do not match what the sender committed to: they may have been altered.',
		operator: 'the words are not the ones the sender sent; they were changed after sending'
	},
	stamp: {
		facilitator: 'The server did not confirm that this person sent it.',
		operator: 'the relay never stamped this message from this sender at this place and time'
	},
	'stamp-unchecked': {
		facilitator: 'The server could not be asked to confirm it right now.',
		operator: 'the relay could not be asked about its stamp; run the command again'
	},
	content: {
		facilitator: 'The report did not contain readable message content.',
		operator: 'the disclosed content is not a valid message'
	},
	group: {
		facilitator: 'The message belongs to another group.',
		operator: 'the message belongs to another group than the report names'
	},
	sender: {
		facilitator: 'This message was written by someone else in that conversation, not the person the report is about.',
		operator: 'the message is not from the pair pseudonym the report binds'
	},
	bind: {
		facilitator: 'It could not be confirmed that this conversation was with this member, so nothing in it is shown as theirs.',
		operator: 'the member’s note in the group does not tie them to the pair pseudonym'
	}
};

const known = (reason: string): reason is VerdictReason => Object.prototype.hasOwnProperty.call(REASONS, reason);

/** The word for a verified message, to both readers. */
export const VERIFIED = 'Verified';

/** The facilitator's badge on a reported message. */
export const verdictBadge = (verified: boolean): string => (verified ? VERIFIED : 'Could not be verified');

/** Why not verified, for the facilitator: a sentence; an unknown reason is shown as it came. */
export const reasonForFacilitator = (reason: string): string => (known(reason) ? REASONS[reason].facilitator : reason);

/** Why not verified, for the operator: a clause that goes in brackets after "NOT verified". */
export const reasonForOperator = (reason: string | undefined): string => (reason === undefined || reason === '' ? 'unknown reason' : known(reason) ? REASONS[reason].operator : reason);

/** The operator's verdict: "Verified", or "NOT verified (why)". */
export const operatorVerdict = (verified: boolean, reason: string | undefined): string => (verified ? VERIFIED : `NOT verified (${reasonForOperator(reason)})`);

/** Shown before a reported message's content warning, which is verified with its words (§6.3). */
export const CW_LABEL = 'Content warning';

/** On a message its sender deleted: receivers keep it reportable until retention (§6.3). */
export const DELETED_REPORTABLE = 'Deleted by the sender. You can still report it.';

const list = (names: readonly string[]) => (names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`);

/**
 * The report form's "who reads this" (§6.3): the readers by name, the moderators left out because
 * the report is about them, and what to do when nobody else in the group can read it.
 */
export function reportReadersSentence(readers: readonly string[], leftOut: readonly string[], service: boolean): string {
	const about = leftOut.length === 0 ? '' : ` ${list(leftOut)} ${leftOut.length === 1 ? 'moderates' : 'moderate'} this group but will not see it, because it is about them.`;
	if (readers.length > 0) return `Read by ${list(readers)}.${about}`;
	const instead = service ? " Send it to the service's moderators instead." : ' This service has no moderators of its own, so the report cannot be sent.';
	return `Nobody else in this group can read this report.${about}${instead}`;
}
