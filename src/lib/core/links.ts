/**
 * Whether a text holds a link, as every client judges it for the link limit (docs/PROTOCOL.md
 * §13.7). A fixed rule, so that the sender's composer and every receiving client agree on the
 * same words.
 *
 * The text is first normalised, so that look-alike spellings count as what they show: NFKC
 * (a fullwidth `．` becomes `.`), the other dots IDNA treats as full stops (`。` U+3002, `｡`
 * U+FF61) become `.`, and invisible characters (format characters such as a zero-width space,
 * and every default-ignorable code point) are removed. Then it holds a link when it has:
 * - a scheme followed by `://` (`https://…`, `ftp://…`);
 * - a word beginning `www.`;
 * - an IPv4 address (four numbers 0–255 joined by dots), with or without a port or a path;
 * - a name: labels of letters (any script) and digits, joined by dots, ending in a top-level
 *   domain of 2–24 letters (any script) or a punycode one (`xn--…`), not inside an e-mail
 *   address (an e-mail address does not count), optionally followed by `:port` or `/…`.
 *
 * Except, so that two words typed with no space after a full stop are not taken for a name, a
 * name of exactly two labels with nothing after it (no port, no path) does not count when:
 * - its first label is only digits (`6.30`, `3.am`),
 * - either label is a common chat word (CHAT_WORDS: `ok.so`, `tired.then`, `yes.please`), or
 * - its last label is written as a word starting a sentence: a capital and then lower case
 *   (`sentence.Then`, `Mr.Smith`; so `Example.Com` is missed too, `example.com` is not).
 */

/** Common chat words that are not taken for either half of a two-label name (§13.7). */
const CHAT_WORDS = new Set(
	(
		'a an and also anyway are as be because but bye did do done fine for go good got had has have he hey hi how i if im in is it its ' +
		'jk just lol lmao me my no not now of oh ok okay omg on or please really she so still thanks thank thx than that the then there ' +
		'they this tbh to today too was we well what when where who why will yes yeah yet you your idk btw haha'
	).split(' ')
);

const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
const DOTS = /[\u3002\uFF0E\uFF61]/g;

const SCHEME = /[a-z][a-z0-9+.-]*:\/\//i;
const WWW = /(^|[^\p{L}\p{N}_.@-])www\./iu;
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(^|[^\\p{L}\\p{N}_.@-])${OCTET}(?:\\.${OCTET}){3}(?=$|[/:?#]|[^\\p{L}\\p{N}_.-]|\\.(?![\\p{L}\\p{N}]))`, 'u');
const LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?';
const TLD = '(?:\\p{L}{2,24}|xn--[a-z0-9-]{1,59})';
/** A name: group 2 its labels, group 3 a port or path after it (if any). */
const NAME = new RegExp(`(^|[^\\p{L}\\p{N}_.@-])((?:${LABEL}\\.)+${TLD})(?=(:\\d|[/?#])|$|[^\\p{L}\\p{N}_.-]|\\.(?![\\p{L}\\p{N}]))`, 'giu');

/** The text as the link rule reads it (see above). */
export function linkForm(text: string): string {
	return text.normalize('NFKC').replace(DOTS, '.').replace(INVISIBLE, '');
}

function countsAsName(name: string, after: string): boolean {
	const labels = name.split('.');
	if (labels.length !== 2 || after !== '') return true;
	const [first, last] = labels as [string, string];
	if (/^\p{N}+$/u.test(first)) return false;
	if (CHAT_WORDS.has(first.toLowerCase()) || CHAT_WORDS.has(last.toLowerCase())) return false;
	return !/^\p{Lu}\p{Ll}+$/u.test(last);
}

export function containsLink(text: string): boolean {
	const t = linkForm(text);
	if (SCHEME.test(t) || WWW.test(t) || IPV4.test(t)) return true;
	for (const m of t.matchAll(NAME)) if (countsAsName(m[2]!, m[3] ?? '')) return true;
	return false;
}
