/**
 * When two display names count as the same to a reader: the same words after Unicode
 * normalisation (NFKC), trimming, collapsing spaces and ignoring case. Lookalike letters from
 * other scripts (a Cyrillic "а" for a Latin "a") are not caught; safety numbers are the defence.
 */
export function sameName(name: string): string {
	return name.normalize('NFKC').trim().replace(/\s+/gu, ' ').toLocaleLowerCase();
}
