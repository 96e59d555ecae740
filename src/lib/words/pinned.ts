/** Words for the installable, pinned app (issue 14; docs/PROTOCOL.md §15) and quick exit. */

/** 64 hex digits as 16 groups of four, easier to read aloud and compare. */
export function groupedFingerprint(hex: string): string {
	return (hex.match(/.{1,4}/g) ?? []).join(' ');
}

export const PINNED = {
	updateTitle: 'A new version of Unseen is available',
	updateBody:
		'Nothing changes until you choose. If the people who run your server publish fingerprints, check that this one is on their list before you switch.',
	updateFingerprint: 'Fingerprint of the new version',
	updateAccept: 'Use the new version',
	updateLater: 'Not now',
	unexpectedTitle: 'The server sent something unexpected',
	unexpectedBody:
		'A file did not match the version of Unseen on this device, so it was not used. Unseen keeps running the version you already have. Your messages and keys are not affected. If this keeps happening, tell the people who run your server.',
	dismiss: 'Dismiss',
	aboutTitle: 'About this app',
	aboutFingerprint: 'Build fingerprint',
	aboutExplain:
		'This device runs only the version of Unseen whose fingerprint is shown here. A new version is used only after you accept it. To check it, compare it with the fingerprint the people who run your server publish.',
	aboutNoWorker: 'Not pinned: this browser is running Unseen straight from the server (a development build, or a browser without service workers).',
	aboutWaiting: 'Checking…'
} as const;

export const NEUTRAL = {
	title: 'Notes',
	settingTitle: 'Name on this device',
	settingLabel: 'Show a neutral name and icon ("Notes") instead of "Unseen"',
	settingHint:
		'Changes the name in the browser tab and the icon. Choose this before adding Unseen to your home screen: once it is added, most phones keep the name and icon it was added with.'
} as const;

export const NOTIFY = {
	text: 'New message',
	settingTitle: 'Notifications',
	settingLabel: 'Tell me when a message arrives while Unseen is open in the background',
	settingHint:
		'The notification says only "New message": no group, no name, no words. Nothing is sent through any push service, so nothing arrives once Unseen is closed.',
	denied: 'This browser blocks notifications for Unseen, so none will be shown. Everything else works as before.',
	unsupported: 'This browser cannot show notifications.'
} as const;

export const EXIT = {
	button: 'Quick exit',
	buttonTitle: 'Leaves instantly. Shortcut: press Shift three times.',
	/** Announced after each Shift press (GOV.UK's "Exit this page" pattern). */
	shiftCount(pressed: number): string {
		const left = 3 - pressed;
		return `Shift, press ${left} more ${left === 1 ? 'time' : 'times'} to exit.`;
	},
	leaving: 'Leaving Unseen.'
} as const;


/** The help page's honest account of quick exit (issue 14). */
export const EXIT_HELP = {
	title: 'Quick exit',
	how: 'Press the Quick exit button at the top of every screen, or press the Shift key three times within five seconds. The screen is cleared at once, Unseen forgets its keys (as "Lock now" does), and a weather page takes its place. Pressing Back does not bring Unseen back.',
	limits:
		'Quick exit does not erase your browser history: someone who opens the history list can still see that this site was visited. It does not delete anything Unseen keeps on this device, and it cannot hide that the app is installed.',
	privateWindow:
		'For fewer traces, open Unseen in a private window (Chrome: Incognito, Firefox and Safari: Private Window). When every private window is closed, the browser forgets the visit and everything Unseen stored, so you will need your backup to come back to your groups.'
} as const;
