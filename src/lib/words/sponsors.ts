/**
 * Every sentence about sponsors and mentees (issue 10, PROTOCOL §11), and the small helpers
 * that turn quiet hours (minutes after midnight UTC on the wire) into this device's local time.
 * Ending a pairing is never framed as failure; a decline is always kind.
 */

export interface Quiet {
	from: number;
	to: number;
}

const DAY = 24 * 60;
const mod = (n: number) => ((n % DAY) + DAY) % DAY;

/** Local "HH:MM" (as an `<input type=time>` gives it) to minutes after midnight UTC. */
export function localTimeToUtc(value: string, offsetMinutes = new Date().getTimezoneOffset()): number | null {
	const m = /^(\d{2}):(\d{2})$/.exec(value);
	if (!m) return null;
	return mod(Number(m[1]) * 60 + Number(m[2]) + offsetMinutes);
}

/** Minutes after midnight UTC to local "HH:MM". */
export function utcToLocalTime(minutes: number, offsetMinutes = new Date().getTimezoneOffset()): string {
	const local = mod(minutes - offsetMinutes);
	return `${String(Math.floor(local / 60)).padStart(2, '0')}:${String(local % 60).padStart(2, '0')}`;
}

/** Whether `at` falls inside the quiet window (which may cross midnight). */
export function inQuietHours(quiet: Quiet | undefined, at = Date.now()): boolean {
	if (!quiet) return false;
	const d = new Date(at);
	const now = d.getUTCHours() * 60 + d.getUTCMinutes();
	return quiet.from < quiet.to ? now >= quiet.from && now < quiet.to : now >= quiet.from || now < quiet.to;
}

export const quietRange = (q: Quiet): string => `${utcToLocalTime(q.from)}–${utcToLocalTime(q.to)}`;

export const SPONSORS = {
	tab: 'Sponsors',
	title: 'Sponsors',
	intro: 'A sponsor is a member who has offered to walk alongside someone newer, one to one. Asking is private: only the person you ask sees your note.',
	off: 'Sponsoring is not offered in this group.',
	switchLabel: 'Offer sponsoring in this group',
	switchHint: 'Members can mark themselves available and newer members can ask them. Only the two people involved see a request.',
	available: 'Available sponsors',
	noneAvailable: 'Nobody here has offered to sponsor yet. You could be the first, or check back later.',
	noneElse: 'Nobody else here has offered to sponsor yet.',
	quietNow: 'In quiet hours now',
	quietHours: (range: string) => `Quiet hours ${range}`,
	free: (free: number, places: number) => (free === 0 ? 'Full right now' : `${free} of ${places} ${places === 1 ? 'place' : 'places'} free`),
	ask: (name: string) => `Ask ${name}`,
	askNote: 'A short note (optional)',
	askNoteHint: 'Say a little about where you are. Only they will see it.',
	sendAsk: 'Send request',
	cancel: 'Cancel',
	yourRequests: 'Your requests',
	state: {
		open: (name: string) => `Waiting for ${name}. They will answer when they can.`,
		withdrawn: (name: string) => `You took back your request to ${name}.`,
		declined: (name: string) => `${name} cannot take this on right now.`,
		accepted: (name: string) => `${name} said yes.`,
		expired: (name: string) => `Your request to ${name} closed without an answer. That happens; people get busy. You can ask again or ask someone else.`,
		unavailable: (name: string) => `${name} is no longer available as a sponsor. Your request will not reach them. You can ask someone else.`
	},
	theirWords: 'Their words',
	openPair: 'Open your conversation',
	withdrawAsk: 'Take back request',
	requestsToYou: 'Requests to you',
	noRequests: 'No requests right now.',
	accept: 'Accept',
	decline: 'Decline',
	declineTitle: (name: string) => `Decline ${name}'s request kindly`,
	declineHint: 'Only they will see this. Nobody else in the group learns of it.',
	prepared: [
		'Thank you for asking me. I cannot take anyone on right now, but I am glad you reached out. Please ask someone else here.',
		'I am honoured you asked. My hands are full at the moment, and you deserve someone who has the time.',
		'Thank you for trusting me with this. I am not the right fit right now, but please keep asking; someone here will be.'
	],
	ownWords: 'In my own words',
	sendDecline: 'Send kind reply',
	making: (name: string) => `Setting up your conversation with ${name}. This finishes when you are online.`,
	yourOffer: 'Offering to sponsor',
	offerIntro: 'A few words about you',
	offerIntroHint: 'For example: “10 years sober, I listen more than I talk.”',
	places: 'How many people you can sponsor',
	quietFrom: 'Quiet hours from',
	quietTo: 'until',
	quietHint: 'People asking you see whether you are in quiet hours. Messages still arrive; nobody expects a reply then.',
	offer: 'Offer to sponsor',
	offering: 'You are available as a sponsor here.',
	withdrawOffer: 'Stop offering',
	withdrawOfferHint: 'You stay sponsor to the people you already have. New people will no longer see you.',
	mentees: 'Your mentees',
	noMentees: 'Nobody yet.',
	ended: 'ended'
} as const;

export const PAIR = {
	title: (other: 'sponsor' | 'mentee', name: string) => `${other === 'sponsor' ? 'Sponsor' : 'Mentee'}: ${name}`,
	met: (group: string) => `You met in ${group}`,
	listTitle: 'Sponsors and mentees',
	end: 'End pairing',
	endTitle: 'End this pairing?',
	endHint: 'Pairings change as people do. This closes the conversation for both of you and removes its keys from this device.',
	endWord: 'A last kind word (optional)',
	endConfirm: 'End pairing',
	keep: 'Keep talking',
	quiet: (name: string, range: string) => `${name} is in quiet hours (${range}). Your message will still arrive; a reply may come later.`,
	endedBy: 'This pairing has ended. Thank you for the time you shared.',
	askSomeoneElse: (group: string) => `Find another sponsor in ${group}`,
	block: 'Block',
	blockHint: 'Ends the pairing and refuses new requests from this person in the group where you met. They are not told why.',
	blockConfirm: 'Block and end',
	blocked: 'You blocked this person. The pairing has ended.'
} as const;
