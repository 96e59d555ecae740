/**
 * How a sentence names a person. The core knows people by key; a person reads the display name
 * the group knows for that key, or the key's first 8 characters when there is none.
 */

/** The first 8 characters of a key: enough to tell people apart, short enough to read aloud. */
export const keyFragment = (key: string): string => key.slice(0, 8);

/**
 * A person in a warning. When another member goes by the same name, the key fragment stays
 * beside it, so that a warning is not pinned on the wrong person.
 */
export function personLabel(key: string, name: string | undefined, shared: boolean): string {
	if (!name) return keyFragment(key);
	return shared ? `${name} (${keyFragment(key)})` : name;
}

/** A person in a notice of the transcript: the display name, else "someone". */
export const someoneOr = (name: string | undefined): string => name ?? 'someone';
