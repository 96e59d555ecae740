/**
 * What this device says about itself: a group address it does not know, records it could not
 * open while updating its storage, and messages a restored backup cannot read.
 */

/** A `/g/<alias>` address that names no group here (an old link, another device's, a group that is gone). */
export const GROUP_NOT_HERE = {
	title: 'This group is not on this device.',
	text: 'Links to a group work only on the device they were opened on. Your groups are in the list.'
} as const;

/** After an unlock that moved the old storage layout and set aside records that did not open (§8). */
export const RECORDS_SET_ASIDE =
	'Unseen updated how it stores things on this device. A small part of the older data could not be opened, so it was set aside and kept; everything else opened as usual.';
