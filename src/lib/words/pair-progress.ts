/**
 * Words of progress sharing inside a sponsor pair (issue 11 item 5, PROTOCOL §12): the mentee's
 * choice and the sponsor's view of it.
 */

export const PAIR_PROGRESS = {
	/** The link in the pair and the mentee's screen title. */
	shareWith: (sponsor: string) => `Share my progress with ${sponsor}`,
	/** The sponsor's link and screen title. */
	menteeProgress: (mentee: string) => `${mentee}’s progress`,
	backToChat: 'Back to the conversation',
	nothingYet: 'Nothing is shared with your sponsor. Your progress stays on this device until you choose to share it here.',
	sharing: (sponsor: string, what: string) => `You are sharing ${what} with ${sponsor}.`,
	whatTitle: 'What to share',
	counters: 'Counters and milestones',
	checkins: 'Check-ins of the last 30 days, and new ones while sharing is on (mood, craving, tags)',
	notes: 'Include the notes you wrote with check-ins',
	notesHint: 'Notes stay private unless you tick this.',
	explain: (sponsor: string) =>
		`What you share is sent to ${sponsor} end-to-end encrypted, like a message in this conversation. The relay cannot read it. You can stop at any time; what was already sent stays with ${sponsor} for as long as this conversation keeps messages.`,
	start: 'Start sharing',
	update: 'Update sharing',
	stop: 'Stop sharing',
	started: (sponsor: string) => `Shared with ${sponsor}. New check-ins will follow while sharing is on.`,
	stoppedMine: (sponsor: string) => `Sharing stopped. Nothing more will be sent to ${sponsor}.`,
	noProgress: 'You have no counters or check-ins yet. Add them on your progress page; they are shared from then on.',
	progressPage: 'Open your progress page',
	ended: 'This pairing has ended, so nothing more can be shared here.',
	// The sponsor's side.
	notShared: (mentee: string) => `${mentee} has not shared any progress with you. Sharing is their choice, and it is off unless they turn it on.`,
	sponsorHint: 'Only you can see this, on this device. It is what your mentee chose to share, and it goes away when this conversation no longer keeps messages.',
	menteesProgress: (mentee: string) => `See ${mentee}’s progress`
};

/** A pair in the list of conversations to share with. */
export function pairLabel(other: 'sponsor' | 'mentee', name: string): string {
	return other === 'sponsor' ? `Your sponsor ${name}` : `Your mentee ${name}`;
}
