/**
 * Schema failures name the offending path (docs/PROTOCOL.md §9.1, §9.4, §10): a frame, or an op
 * or envelope inside it, that fails the schema is RELAY_BAD_FRAME at the relay and
 * PROTOCOL_BAD_FRAME in the client core, and the message says which field and which rule.
 */
import { describe, expect, test } from 'vitest';
import { isProtocolError } from '../core/errors.ts';
import { parseOp } from './group/state.ts';
import { parseClientFrame } from './wire.ts';

const key = 'A'.repeat(43);
const sig = 'A'.repeat(86);
/** 32 bytes whose last character has a non-zero unused bit: decodes to 32 bytes, but not canonical. */
const nonCanonical = 'A'.repeat(42) + 'B';
const leave = { v: 1, kind: 'leave', group: key, parent: key, author: key, at: 1, sig };
const append = (entry: unknown) => JSON.stringify({ t: 'append', id: 'r1', group: key, mid: 'A'.repeat(22), entry });

describe('schema failures name the field', () => {
	test.each([
		['an unknown member of an op', { op: { ...leave, extra: 1 } }, 'entry.op.extra: unknown field'],
		['a non-canonical base64url op field', { op: { ...leave, parent: nonCanonical } }, 'entry.op.parent: is not canonical base64url'],
		['an op field too short', { op: { ...leave, parent: 'A'.repeat(42) } }, 'entry.op.parent: must decode to 32 bytes, got 31'],
		['an op field too long', { op: { ...leave, parent: 'A'.repeat(44) } }, 'entry.op.parent: must decode to 32 bytes, got more'],
		['a field outside the base64url alphabet', { op: { ...leave, author: '+'.repeat(43) } }, 'entry.op.author: is not canonical base64url'],
		['an unknown op kind', { op: { ...leave, kind: 'nope' } }, 'entry.op.kind: Invalid type'],
		['a missing op field', { op: { ...leave, sig: undefined } }, 'entry.op.sig: Invalid key'],
		['a body on a kind that has none', { op: { ...leave, body: 'A'.repeat(54) } }, 'entry.op.body: unknown field'],
		['an envelope field', { msg: { v: 1, group: key, epoch: 0, sender: key, ctr: 0, state: key, c: key, n: 'A'.repeat(31), ct: 'A'.repeat(363) } }, 'entry.msg.n: must decode to 24 bytes, got 23'],
		['an entry with neither op nor msg', {}, 'entry.op: Invalid key']
	])('%s is RELAY_BAD_FRAME naming the path', (_name, entry, message) => {
		const parsed = parseClientFrame(append(entry));
		expect(parsed.ok).toBe(false);
		if (parsed.ok) return;
		expect(parsed.code).toBe('RELAY_BAD_FRAME');
		expect(parsed.message).toContain(message);
		expect(parsed.message).not.toContain('Expected Object but received Object');
	});

	test('an unknown frame member is named too', () => {
		const parsed = parseClientFrame(JSON.stringify({ t: 'auth', id: 'r1', key, sig, extra: true }));
		expect(parsed).toEqual({ ok: false, code: 'RELAY_BAD_FRAME', message: 'extra: unknown field' });
	});

	test('the client core refuses the same op with PROTOCOL_BAD_FRAME and the same path', () => {
		let caught: unknown;
		try {
			parseOp({ ...leave, parent: nonCanonical });
		} catch (error) {
			caught = error;
		}
		expect(isProtocolError(caught, 'PROTOCOL_BAD_FRAME')).toBe(true);
		expect((caught as Error).message).toBe('invalid op: parent: is not canonical base64url');
	});
});
