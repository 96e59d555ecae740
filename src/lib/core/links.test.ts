/**
 * The link rule of the link limit (PROTOCOL §13.7, links.ts): what counts as a link, including
 * look-alike spellings that once slipped past it (new top-level domains, an IP address, other
 * full stops, invisible characters, letters from another script), and ordinary sentences that
 * must not count.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { containsLink, linkForm } from './links.ts';

/** Once missed by the fixed list of top-level domains and the plain ASCII dot. */
const EVASIONS = [
	'example.dev',
	'grindr.ai',
	'example.shop',
	'192.168.1.1/x',
	'192.168.1.1',
	'call 10.0.0.7:8080 now',
	'example\u3002com',
	'example\uFF0Ecom',
	'example\uFF61com',
	'example\u200B.com',
	'exa\u00ADmple.com',
	'ex\u2060ample.c\u200Dom',
	'g\u043E\u043Egle.com',
	'xn--80ak6aa92e.xn--p1ai',
	'пример.рф',
	'meet me at some-place.online tonight',
	'new.example.co.uk',
	'ok.so/path',
	'it is at Grindr.AI'
];

/** Ordinary sentences, typed quickly: none holds a link. */
const SENTENCES = [
	'I woke up at 6.30 and felt fine',
	'ok.so I went to the meeting',
	'I was tired.Then I slept',
	'end of sentence.Then',
	'Mr.Smith was kind',
	'day 3. going ok',
	'version 1.2.3',
	'it costs 4.99',
	'yes.please come',
	'home by 3.am',
	'e.g. the big book',
	'i.e. step one',
	'U.S.A. and U.K.',
	'wait...what',
	'write me at ann@example.com',
	'hello www',
	'www',
	'day 1.5 of 90',
	'score 10.0.0 ok',
	'thanks.see you tomorrow',
	'lol.anyway'
];

describe('§13.7 what counts as a link', () => {
	test('schemes, www., names under any top-level domain, IPv4 addresses and look-alike spellings count', () => {
		for (const text of EVASIONS) expect(containsLink(text), JSON.stringify(text)).toBe(true);
		for (const text of ['see https://example.org/a', 'HTTP://X.Y', 'go to www.somewhere', 'visit example.com today', 'bad.site/path', 'a.b.co:8080', 'ftp://files', 'meet at chat.example.io?', 'example.com.']) {
			expect(containsLink(text), text).toBe(true);
		}
	});

	test('ordinary sentences (a number with a dot, two words with no space after a full stop, abbreviations, e-mail) do not', () => {
		for (const text of SENTENCES) expect(containsLink(text), text).toBe(false);
	});

	test('normalisation: other full stops become ".", invisible characters go, fullwidth letters become plain', () => {
		expect(linkForm('ｅｘａｍｐｌｅ。ｃｏｍ')).toBe('example.com');
		expect(linkForm('a\u200Bb\uFEFFc\u00AD.d\u2060e')).toBe('abc.de');
	});

	test('property: invisible characters anywhere, or any full-stop variant, never hide a link', () => {
		const invisible = fc.constantFrom('\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u180E', '\u034F');
		const dot = fc.constantFrom('.', '\u3002', '\uFF0E', '\uFF61');
		const label = fc.stringMatching(/^[a-z][a-z0-9]{2,10}$/);
		const tld = fc.stringMatching(/^[a-z]{2,12}$/);
		fc.assert(
			fc.property(label, dot, tld, fc.array(fc.tuple(fc.nat(), invisible), { maxLength: 4 }), fc.constantFrom('', '/x', ':443'), (l, d, t, inserts, tail) => {
				let text = `${l}${d}${t}${tail}`;
				for (const [at, ch] of inserts) {
					const i = at % (text.length + 1);
					text = text.slice(0, i) + ch + text.slice(i);
				}
				const name = `${l}.${t}`;
				// The stated exception (two chat words, or a name written as a new sentence) aside, it counts.
				const exempt = tail === '' && !containsLink(name);
				return exempt || containsLink(`see ${text} now`);
			})
		);
	});
});
