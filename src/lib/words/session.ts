/** The screen of a tab that does not own the session (state/tab-session.ts), and of a wiped one. */
export const ELSEWHERE = {
	title: 'Unseen is open in another tab',
	body: 'To keep your messages in order, Unseen runs in one tab at a time. Nothing is shown here.',
	useHere: 'Use it here',
	moving: 'Moving here…',
	wiped: 'This device was wiped in another tab. Nothing is shown here.'
} as const;
