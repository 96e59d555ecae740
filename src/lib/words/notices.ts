/**
 * System lines of the transcript: what changed in the group's membership, in words, and the one
 * line left on the device after a removal.
 */
import type { Op } from '../core/schema.ts';
import { someoneOr } from './people.ts';

/** The one line kept of a group this device was removed from. */
export const REMOVED_NOTICE = 'You were removed from this group. Its messages were deleted from this device.';

/**
 * The chat's banner while my arrival is unconfirmed (§7): what the risk is and what to do.
 * Shown until the person who invited me sends something after my join.
 */
export const UNCONFIRMED_NEWCOMER = {
	title: 'Your arrival is not confirmed yet.',
	text: 'Until the person who invited you sends a message, this device cannot tell whether the server is showing you the real group or an old copy of it. In an old copy, someone who was removed could still read what you send. Wait for them before sharing anything personal.'
} as const;

/** Said wherever a removal withdrew the invite link the removed member joined with (§3.3). */
export const LINK_WITHDRAWN = 'The invite link they joined with was withdrawn too: nobody can join with it any more, whoever has it.';

/** The remove dialog's warning, before the admin confirms. */
export function removeWarning(joinedWithLink: boolean): string {
	const keys = 'They will not be able to read anything sent after this. Everyone else gets new keys automatically.';
	return joinedWithLink ? `${keys} The invite link they joined with will be withdrawn too, so nobody else can join with it.` : keys;
}

/** The confirmation an admin reads after removing someone. */
export function removedConfirmation(name: string | null, linkWithdrawn: boolean): string {
	const line = `${name ?? 'The member'} was removed. New keys were sent to everyone else.`;
	return linkWithdrawn ? `${line} ${LINK_WITHDRAWN}` : line;
}

/**
 * The line a membership op leaves in the transcript, or null for ops people need not see (a
 * rekey, settings…). `me`: my key in the group; `nameOf`: the display name of a key, if known;
 * `linkWithdrawn`: the op revoked the invite the removed member had joined with.
 */
export function opNotice(op: Op, me: string, nameOf: (key: string) => string | undefined, linkWithdrawn = false): string | null {
	const who = (key: string) => someoneOr(nameOf(key));
	switch (op.kind) {
		case 'join':
			if (op.author === me) return 'You joined. Messages sent before you joined are not shared with you.';
			return `${who(op.author)} joined${op.member.role === 'listener' ? ' as a listener' : ''}.`;
		case 'remove':
			return `${who(op.target)} was removed. Keys were changed.${linkWithdrawn ? ` ${LINK_WITHDRAWN}` : ''}`;
		case 'leave':
			return `${who(op.author)} left.`;
		case 'role':
			return `${who(op.target)} is now ${op.role === 'admin' ? 'an admin' : `a ${op.role}`}.`;
		default:
			return null;
	}
}
