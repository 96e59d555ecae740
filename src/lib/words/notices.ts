/**
 * System lines of the transcript: what changed in the group's membership, in words, and the one
 * line left on the device after a removal.
 */
import type { Op } from '../core/schema.ts';
import { someoneOr } from './people.ts';

/** The one line kept of a group this device was removed from. */
export const REMOVED_NOTICE = 'You were removed from this group. Its messages were deleted from this device.';

/**
 * The line a membership op leaves in the transcript, or null for ops people need not see (a
 * rekey, settings…). `me`: my key in the group; `nameOf`: the display name of a key, if known.
 */
export function opNotice(op: Op, me: string, nameOf: (key: string) => string | undefined): string | null {
	const who = (key: string) => someoneOr(nameOf(key));
	switch (op.kind) {
		case 'join':
			if (op.author === me) return 'You joined. Messages sent before you joined are not shared with you.';
			return `${who(op.author)} joined${op.member.role === 'listener' ? ' as a listener' : ''}.`;
		case 'remove':
			return `${who(op.target)} was removed. Keys were changed.`;
		case 'leave':
			return `${who(op.author)} left.`;
		case 'role':
			return `${who(op.target)} is now ${op.role === 'admin' ? 'an admin' : `a ${op.role}`}.`;
		default:
			return null;
	}
}
