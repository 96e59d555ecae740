/**
 * Whether a text holds a link, as every client judges it for the link limit (docs/PROTOCOL.md
 * §13.7). A fixed rule, so that the sender's composer and every receiving client agree on the
 * same words: a scheme followed by `://`, a word beginning `www.`, or a domain name ending in one
 * of a fixed list of top-level domains, optionally followed by a port or a path. An e-mail
 * address does not count.
 */
const TLDS = 'com|net|org|io|co|me|app|ly|gg|info|biz|xyz|link|to|tv|uk|de|fr|ru|us|ca|au|nl|eu|site|online|club';

const SCHEME = /[a-z][a-z0-9+.-]*:\/\//i;
const WWW = /(^|[^\p{L}\p{N}_.@-])www\./iu;
const DOMAIN = new RegExp(`(^|[^\\p{L}\\p{N}_.@-])[a-z0-9-]+(\\.[a-z0-9-]+)*\\.(${TLDS})(?=$|[/:?#]|[^\\p{L}\\p{N}_-])`, 'iu');

export function containsLink(text: string): boolean {
	return SCHEME.test(text) || WWW.test(text) || DOMAIN.test(text);
}
