/**
 * What members read when the service (the deployment's moderator) removes someone (§9.8b).
 * Calm and plain: nobody is blamed, and the removed person is told what they can still do.
 */

/** Shown in the chat of a group whose key the service banned: my own. */
export const SERVICE_REMOVED_ME = {
	title: 'The service has removed you',
	text: 'The people who run this service removed you from this group, so you cannot send or receive messages in it any more. What you already have on this device stays here. If you think this was a mistake, you can contact the service.'
} as const;

/** Shown in a group whose member the service banned; `gone` once an admin's app has taken them out. */
export function serviceRemovedNotice(name: string | null, gone = false): string {
	const who = `${name ?? 'A member'} was removed by the service.`;
	return gone ? `${who} They can no longer read or send anything in this group.` : `${who} An admin's app takes them out of the group and sends new keys to everyone else.`;
}
