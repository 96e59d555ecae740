/**
 * Byte helpers shared by the client, the relay and the tests. Pure: no DOM, no node:*.
 * Wire bytes are base64url without padding (RFC 4648 §5); every decode checks the length.
 */
import { ProtocolError } from './errors.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function toB64(bytes: Uint8Array): string {
	let out = '';
	let i = 0;
	for (; i + 2 < bytes.length; i += 3) {
		const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
		out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
	}
	const rest = bytes.length - i;
	if (rest === 1) {
		const n = bytes[i]! << 16;
		out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
	} else if (rest === 2) {
		const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
		out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
	}
	return out;
}

/** The 6-bit value of a base64url character code, or -1. */
const sextet = (c: number): number => (c < 128 ? LOOKUP[c]! : -1);

/**
 * The length `text` decodes to when it is canonical base64url (§1.2: the alphabet above, no
 * padding, zero tail bits), else -1. Checks without decoding: schemas check every byte field of
 * every frame this way, and only the fields used are decoded (issue 15).
 */
export function b64Length(text: string): number {
	const n = text.length;
	if (n % 4 === 1) return -1;
	for (let i = 0; i < n; i++) if (sextet(text.charCodeAt(i)) < 0) return -1;
	const rest = n % 4;
	// The last character of a 2- or 3-character tail carries 4 or 2 bits that must be zero.
	if (rest === 2 && (sextet(text.charCodeAt(n - 1)) & 15) !== 0) return -1;
	if (rest === 3 && (sextet(text.charCodeAt(n - 1)) & 3) !== 0) return -1;
	return Math.floor((n * 3) / 4);
}

/** Decodes base64url (no padding). Throws PROTOCOL_BAD_ENCODING on any other character or a non-canonical tail. */
export function fromB64(text: string, field = 'value'): Uint8Array {
	if (typeof text !== 'string' || text.length % 4 === 1) {
		throw new ProtocolError('PROTOCOL_BAD_ENCODING', `${field} is not base64url`);
	}
	const n = text.length;
	const out = new Uint8Array(Math.floor((n * 3) / 4));
	const full = n - (n % 4);
	let o = 0;
	// Four characters (three bytes) at a time; a bad character makes the OR negative.
	for (let i = 0; i < full; i += 4) {
		const a = sextet(text.charCodeAt(i));
		const b = sextet(text.charCodeAt(i + 1));
		const c = sextet(text.charCodeAt(i + 2));
		const d = sextet(text.charCodeAt(i + 3));
		if ((a | b | c | d) < 0) throw new ProtocolError('PROTOCOL_BAD_ENCODING', `${field} is not base64url`);
		const x = (a << 18) | (b << 12) | (c << 6) | d;
		out[o++] = x >> 16;
		out[o++] = (x >> 8) & 0xff;
		out[o++] = x & 0xff;
	}
	const rest = n - full;
	if (rest > 0) {
		const a = sextet(text.charCodeAt(full));
		const b = sextet(text.charCodeAt(full + 1));
		const c = rest === 3 ? sextet(text.charCodeAt(full + 2)) : 0;
		if ((a | b | c) < 0) throw new ProtocolError('PROTOCOL_BAD_ENCODING', `${field} is not base64url`);
		// Leftover bits must be zero so that every byte string has exactly one encoding.
		if ((rest === 2 && (b & 15) !== 0) || (rest === 3 && (c & 3) !== 0)) {
			throw new ProtocolError('PROTOCOL_BAD_ENCODING', `${field} has a non-canonical base64url tail`);
		}
		out[o++] = (a << 2) | (b >> 4);
		if (rest === 3) out[o++] = ((b & 15) << 4) | (c >> 2);
	}
	return out;
}

/** Decodes base64url and checks the decoded length: `length` exact, or `[min, max]`. */
export function b64Bytes(text: string, length: number | [number, number], field: string): Uint8Array {
	const bytes = fromB64(text, field);
	const ok = typeof length === 'number' ? bytes.length === length : bytes.length >= length[0] && bytes.length <= length[1];
	if (!ok) {
		const want = typeof length === 'number' ? `${length}` : `${length[0]}..${length[1]}`;
		throw new ProtocolError('PROTOCOL_BAD_LENGTH', `${field} must be ${want} bytes, got ${bytes.length}`);
	}
	return bytes;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export const utf8 = (text: string): Uint8Array => encoder.encode(text);
export const fromUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes);

export function concat(...parts: Uint8Array[]): Uint8Array {
	let length = 0;
	for (const p of parts) length += p.length;
	const out = new Uint8Array(length);
	let offset = 0;
	for (const p of parts) {
		out.set(p, offset);
		offset += p.length;
	}
	return out;
}

/** 8-byte big-endian encoding of a non-negative safe integer. */
export function u64be(value: number): Uint8Array {
	if (!Number.isSafeInteger(value) || value < 0) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'u64 out of range');
	const out = new Uint8Array(8);
	new DataView(out.buffer).setBigUint64(0, BigInt(value));
	return out;
}

/** Non-secret equality (lengths and public values). Secrets use sodium.memcmp. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	let diff = 0;
	for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
	return diff === 0;
}
