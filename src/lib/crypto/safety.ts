/**
 * Safety numbers (docs/PROTOCOL.md §2.3): two members compare them out of band to be sure no one
 * (the relay included) put a different key between them. Symmetric in the two keys.
 *
 *   d  = SHA-256(labelled("unseen/v1/safety-number", {group, keys: [b64(min), b64(max)]}))
 *   d2 = SHA-256(d)
 *   digits: 12 blocks of 5; block i = u32be(d[2i..2i+4]) mod 100000 for i < 10,
 *           u32be(d2[2(i-10)..2(i-10)+4]) mod 100000 for i = 10, 11
 *   emoji:  SAFETY_EMOJI[d[0]] … SAFETY_EMOJI[d[7]]
 */
import { b64Bytes, toB64 } from '../protocol/bytes.ts';
import { labelled } from '../protocol/cjson.ts';
import { LABEL } from '../protocol/labels.ts';
import { sodium } from './sodium.ts';

/** 256 emoji (animals, plants, food, celebrations), one code point each. Fixed forever. */
export const SAFETY_EMOJI: readonly string[] = Array.from(
	'🐀🐂🐄🐅🐇🐉🐋🐌🐍🐎🐐🐑🐒🐔🐗🐘🐙🐚🐛🐜🐝🐞🐟🐠🐡🐢🐣🐤🐥🐦🐧🐨' +
	'🐩🐪🐫🐬🐭🐮🐯🐰🐱🐲🐳🐴🐵🐶🐷🐸🐹🐺🐻🐼🐽🐾🦀🦁🦂🦃🦄🦅🦆🦇🦈🦉' +
	'🦊🦋🦌🦍🦎🦏🦐🦑🦒🦓🦔🦕🦖🦗🦘🦙🦚🦛🦜🦝🦞🦟🦠🦡🦢🦣🦤🦥🦦🦧🦨🦩' +
	'🦪🦫🦬🦭🦮🌰🌱🌲🌳🌴🌵🌷🌸🌹🌺🌻🌼🌽🌾🌿🍀🍁🍂🍃🍄🍅🍆🍇🍈🍉🍊🍋' +
	'🍌🍍🍎🍏🍐🍑🍒🍓🍔🍕🍖🍗🍘🍙🍚🍛🍜🍝🍞🍟🍠🍡🍢🍣🍤🍥🍦🍧🍨🍩🍪🍫' +
	'🍬🍭🍮🍯🍰🍱🍲🍳🍴🍵🍼🍿🥐🥑🥒🥓🥔🥕🥖🥗🥘🥙🥚🥛🥜🥝🥞🥟🥠🥡🥢🥣' +
	'🥤🥥🥦🥧🥨🥩🥪🥫🥬🥭🥮🥯🎀🎁🎂🎃🎄🎅🎆🎇🎈🎉🎊🎋🎌🎍🎎🎏🎐🎑🎒🎓' +
	'🎠🎡🎢🎣🎤🎥🎦🎧🎨🎩🎪🎫🎬🎭🎮🎯🎱🎳🎵🎶🎷🎸🎹🎺🎻🎼🎽🎾🎿🏀🏁🏂'
);

export interface SafetyNumber {
	/** 60 digits as 12 blocks of 5, separated by spaces. */
	digits: string;
	blocks: string[];
	/** 8 emoji separated by spaces. */
	emoji: string;
	emojiList: string[];
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
	for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
	return a.length - b.length;
}

const block = (bytes: Uint8Array, offset: number): string => {
	const n = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0);
	return String(n % 100000).padStart(5, '0');
};

/** Safety number of two members (sign pks, b64) of `group` (b64). Same result for (a, b) and (b, a). */
export function safetyNumber(group: string, a: string, b: string): SafetyNumber {
	const keys = [b64Bytes(a, 32, 'key'), b64Bytes(b, 32, 'key')].sort(compareBytes).map(toB64);
	const na = sodium();
	const d = na.crypto_hash_sha256(labelled(LABEL.safetyNumber, { group, keys }));
	const d2 = na.crypto_hash_sha256(d);
	const blocks: string[] = [];
	for (let i = 0; i < 10; i++) blocks.push(block(d, 2 * i));
	for (let i = 0; i < 2; i++) blocks.push(block(d2, 2 * i));
	const emojiList = Array.from(d.subarray(0, 8), (byte) => SAFETY_EMOJI[byte]!);
	return { digits: blocks.join(' '), blocks, emoji: emojiList.join(' '), emojiList };
}
