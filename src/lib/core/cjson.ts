/**
 * Canonical JSON (docs/PROTOCOL.md §1.2): the byte string every signature, hash and
 * associated-data block is computed over. Object keys sorted by UTF-16 code units, no
 * white space, strings as JSON.stringify writes them, integers only, `undefined` members
 * omitted. Anything else (floats, NaN, bigint, functions, cycles) throws, so that two
 * implementations can never sign different bytes for the same value.
 */
import { utf8 } from './bytes.ts';
import { ProtocolError } from './errors.ts';

export type CJson = null | boolean | number | string | CJson[] | { [key: string]: CJson | undefined };

export function canonicalJson(value: CJson): string {
	return write(value, 0);
}

const MAX_DEPTH = 32;

function write(value: CJson | undefined, depth: number): string {
	if (depth > MAX_DEPTH) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'canonical JSON nested too deeply');
	if (value === null) return 'null';
	switch (typeof value) {
		case 'boolean':
			return value ? 'true' : 'false';
		case 'number':
			if (!Number.isSafeInteger(value)) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'canonical JSON allows safe integers only');
			return Object.is(value, -0) ? '0' : String(value);
		case 'string':
			return JSON.stringify(value);
		case 'object': {
			if (Array.isArray(value)) return '[' + value.map((v) => write(v, depth + 1)).join(',') + ']';
			const keys = Object.keys(value)
				.filter((k) => value[k] !== undefined)
				.sort();
			return '{' + keys.map((k) => JSON.stringify(k) + ':' + write(value[k], depth + 1)).join(',') + '}';
		}
		default:
			throw new ProtocolError('PROTOCOL_BAD_FRAME', `canonical JSON cannot encode ${typeof value}`);
	}
}

/**
 * `label || 0x00 || cjson(value)`: the input to every signature, MAC, hash and AD (§1.3).
 * Encoded in one pass: the UTF-8 of the joined string is the same bytes (nothing can pair
 * across the 0x00), and it saves two buffers and a copy per call, several per message.
 */
export function labelled(label: string, value: CJson): Uint8Array {
	return utf8(label + '\0' + canonicalJson(value));
}
