/**
 * Plain-language times, day separators and labels for the screens. The clock and the locale are
 * passed in; the time zone is not: days and times are those of the host's zone, because a person
 * reads "Yesterday, 23:10" on their own clock. Tests build their times in that same zone.
 */
const DAY = 86_400_000;

function startOfDay(ts: number): number {
	const d = new Date(ts);
	d.setHours(0, 0, 0, 0);
	return d.getTime();
}

/**
 * One formatter per locale and style: `toLocaleTimeString` builds a new one at every call, which
 * cost a catch-up of 2,000 messages two thirds of a second of rendering (issue 15).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string | undefined, style: 'time' | 'weekday' | 'date'): Intl.DateTimeFormat {
	// A formatter keeps the zone it was made in: one made before the device moved zone (or
	// before a summer-time change) is not used after it.
	const key = `${style}\u0000${locale ?? ''}\u0000${new Date().getTimezoneOffset()}`;
	let f = formatters.get(key);
	if (!f) {
		const options: Intl.DateTimeFormatOptions = style === 'time' ? { hour: '2-digit', minute: '2-digit' } : style === 'weekday' ? { weekday: 'long' } : { day: 'numeric', month: 'long', year: 'numeric' };
		f = new Intl.DateTimeFormat(locale, options);
		formatters.set(key, f);
	}
	return f;
}

export function timeOfDay(ts: number, locale?: string): string {
	return formatter(locale, 'time').format(ts);
}

/** "Today", "Yesterday", a weekday within the last week, else a date. */
export function dayLabel(ts: number, now: number, locale?: string): string {
	const days = Math.round((startOfDay(now) - startOfDay(ts)) / DAY);
	if (days === 0) return 'Today';
	if (days === 1) return 'Yesterday';
	if (days > 1 && days < 7) return formatter(locale, 'weekday').format(ts);
	return formatter(locale, 'date').format(ts);
}

export function sameDay(a: number, b: number): boolean {
	return startOfDay(a) === startOfDay(b);
}

/**
 * The name a backup downloads under: backup-YYYY-MM-DD.dat in local time. Neutral on purpose:
 * a Downloads folder is seen by whoever holds the device, and must not say which app made it.
 */
export function backupFileName(now: Date): string {
	const pad = (n: number) => String(n).padStart(2, '0');
	return `backup-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.dat`;
}

/** A retention in seconds as words: 0 is "Kept until deleted". */
export function retentionLabel(seconds: number): string {
	if (seconds === 0) return 'Kept until deleted';
	const days = seconds / 86_400;
	if (days >= 1 && Number.isInteger(days)) return days === 1 ? 'Disappear after 1 day' : `Disappear after ${days} days`;
	const hours = Math.round(seconds / 3600);
	return hours === 1 ? 'Disappear after 1 hour' : `Disappear after ${hours} hours`;
}

export const RETENTION_CHOICES: { seconds: number; label: string }[] = [
	{ seconds: 86_400, label: '1 day' },
	{ seconds: 7 * 86_400, label: '7 days' },
	{ seconds: 30 * 86_400, label: '30 days' },
	{ seconds: 90 * 86_400, label: '90 days' },
	{ seconds: 0, label: 'Keep until deleted' }
];

export const ROLE_LABEL: Record<string, string> = {
	admin: 'Facilitator',
	moderator: 'Moderator',
	member: 'Member',
	listener: 'Listener'
};
