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

/** Decodes base64url (no padding). Throws PROTOCOL_BAD_ENCODING on any other character or a non-canonical tail. */
export function fromB64(text: string, field = 'value'): Uint8Array {
	if (typeof text !== 'string' || text.length % 4 === 1) {
		throw new ProtocolError('PROTOCOL_BAD_ENCODING', `${field} is not base64url`);
	}
	const out = new Uint8Array(Math.floor((text.length * 3) / 4));
	let o = 0;
	let acc = 0;
	let bits = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		const v = c < 128 ? LOOKUP[c]! : -1;
		if (v < 0) throw new ProtocolError('PROTOCOL_BAD_ENCODING', `${field} is not base64url`);
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (acc >> bits) & 0xff;
		}
	}
	// Leftover bits must be zero so that every byte string has exactly one encoding.
	if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) {
		throw new ProtocolError('PROTOCOL_BAD_ENCODING', `${field} has a non-canonical base64url tail`);
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
