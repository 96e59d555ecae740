/**
 * Words of reporting from inside a sponsor pair (issue 10 item 6, PROTOCOL §6.3 "Reports from a
 * pair"): the report form's choice of the moderators of the group where the two met, what they
 * will learn, why it cannot go there, and how a moderator's inbox presents such a report.
 */

const role = (other: 'sponsor' | 'mentee') => (other === 'sponsor' ? 'your sponsor' : 'your mentee');

export const PAIR_REPORT = {
	/** The radio button: the moderators of the group where the two met. */
	metOption: (metName: string) => `The moderators of ${metName}`,
	/** Said before sending: what those moderators will see. */
	metLearns: (metName: string, name: string, other: 'sponsor' | 'mentee') =>
		`The moderators of ${metName} will see the messages you choose and that ${name} is ${role(other)}. They will not see anything else from this conversation. As only the two of you are in it, they can tell the report came from you.`,
	/** Why the moderators of the met group cannot be told from here (PairView.metReport). */
	metCannot: (metName: string, why: 'not-from-group' | 'left-group' | 'not-linked') =>
		why === 'left-group'
			? `You are no longer in ${metName}, so reports from here go to the service’s moderators.`
			: why === 'not-linked'
				? `This conversation began before it could be linked to ${metName}, so its moderators cannot check it. Reports from here go to the service’s moderators.`
				: 'This conversation did not start in a group. Reports from here go to the service’s moderators.',
	noService: (metName: string) =>
		`Reports from this conversation cannot be sent on this service right now: it has no moderators of its own, and the moderators of ${metName} cannot be reached from here. You can end the pairing or block this person at any time.`,
	/** The moderators' inbox: a report from a one-to-one conversation. */
	inboxFrom: (name: string | null) => `From a one-to-one sponsor conversation with ${name ?? 'a member'} of this group`,
	/** The inbox when the link to a member could not be confirmed: nobody is named. */
	inboxFromUnknown: 'From a one-to-one sponsor conversation with an unknown person',
	unknownPerson: 'an unknown person',
	inboxBound: 'Their own note in this group ties them to that conversation.',
	inboxNotBound: 'It could not be confirmed that the conversation was with a member of this group, so nobody is named and none of it is shown as anyone’s. There is nothing to act on here.',
	inboxActions: 'Hiding does not apply to a private conversation; you can still mute or remove the member here.',
	/** On a request, before it is accepted or joined: the other app did not link the pair to the group (§6.3). */
	unlinkedRequest: 'This pair cannot be reported to the group’s moderators: their app did not link it to this group. Reports from it could go only to the service’s moderators.',
	unlinkedAccept: (name: string) =>
		`${name} accepted, but this pair cannot be reported to the group’s moderators: their app did not link it to this group. Reports from it could go only to the service’s moderators.`,
	joinAnyway: 'Start the conversation anyway'
};
