/**
 * Safety numbers (docs/PROTOCOL.md §2.3): two members compare them out of band to be sure no one
 * (the relay or an admin included) put a different key between them. They cover both of each
 * member's keys: signing (`sign`) and box (`box`), because a hello's sender binding rests on the
 * box key, which an admin asserts for someone else in `genesis` and `add` (review finding 7).
 * Symmetric in the two members.
 *
 *   d  = SHA-256(labelled("unseen/v1/safety-number", {group, keys: [[sign, box] of the member with
 *        the smaller sign key (bytewise), [sign, box] of the other]}))
 *   d2 = SHA-256(d)
 *   digits: 12 blocks of 5; block i = u32be(d[2i..2i+4]) mod 100000 for i < 10,
 *           u32be(d2[2(i-10)..2(i-10)+4]) mod 100000 for i = 10, 11
 *   emoji:  SAFETY_EMOJI[d[0]] … SAFETY_EMOJI[d[7]]
 */
import { b64Bytes, toB64 } from '../core/bytes.ts';
import { labelled } from '../core/cjson.ts';
import { LABEL } from '../core/labels.ts';
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

/** A member's two public keys (b64), as in the group state. */
export interface MemberKeys {
	sign: string;
	box: string;
}

/**
 * Safety number of two members of `group` (b64), each given as `{sign, box}`. Same result for
 * (a, b) and (b, a). PROTOCOL_BAD_LENGTH when a key is not 32 bytes.
 */
export function safetyNumber(group: string, a: MemberKeys, b: MemberKeys): SafetyNumber {
	const na = sodium();
	const pair = [a, b].map((m) => ({ sign: b64Bytes(m.sign, 32, 'sign key'), box: b64Bytes(m.box, 32, 'box key') }));
	pair.sort((x, y) => compareBytes(x.sign, y.sign));
	const d = na.crypto_hash_sha256(labelled(LABEL.safetyNumber, { group, keys: pair.map((m) => [toB64(m.sign), toB64(m.box)]) }));
	const d2 = na.crypto_hash_sha256(d);
	const blocks: string[] = [];
	for (let i = 0; i < 10; i++) blocks.push(block(d, 2 * i));
	for (let i = 0; i < 2; i++) blocks.push(block(d2, 2 * i));
	const emojiList = Array.from(d.subarray(0, 8), (byte) => SAFETY_EMOJI[byte]!);
	return { digits: blocks.join(' '), blocks, emoji: emojiList.join(' '), emojiList };
}
