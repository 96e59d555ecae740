/**
 * Words of reporting from inside a sponsor pair (issue 10 item 6). Reports from a pair to the
 * moderators of the group where the two met are designed (PROTOCOL §6.3 "Reports from a pair")
 * but not built yet: the form says so plainly.
 */

export const PAIR_REPORT = {
	metNotYet: (metName: string) =>
		`The moderators of ${metName} cannot receive reports from a one-to-one conversation yet. Reports from here go to the service’s moderators.`,
	noService: (metName: string) =>
		`Reports from a one-to-one conversation cannot be sent on this service yet: it has no moderators of its own, and the moderators of ${metName} cannot receive them yet. You can end the pairing or block this person at any time.`
};
