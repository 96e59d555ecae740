import { describe, expect, test } from 'vitest';
import type { Op } from '../core/schema.ts';
import { opNotice } from './notices.ts';
import { personLabel } from './people.ts';

const names: Record<string, string> = { ash: 'Ash', bo: 'Bo' };
const nameOf = (key: string) => names[key];
// Only the fields the notices read: the rest of an op does not change its words.
const op = (fields: Record<string, unknown>) => fields as unknown as Op;

describe('transcript notices', () => {
	test.each([
		[{ kind: 'join', author: 'me', member: { role: 'member' } }, 'You joined. Messages sent before you joined are not shared with you.'],
		[{ kind: 'join', author: 'ash', member: { role: 'member' } }, 'Ash joined.'],
		[{ kind: 'join', author: 'cy', member: { role: 'listener' } }, 'someone joined as a listener.'],
		[{ kind: 'remove', author: 'ash', target: 'bo' }, 'Bo was removed. Keys were changed.'],
		[{ kind: 'leave', author: 'bo' }, 'Bo left.'],
		[{ kind: 'role', author: 'ash', target: 'bo', role: 'admin' }, 'Bo is now an admin.'],
		[{ kind: 'role', author: 'ash', target: 'bo', role: 'moderator' }, 'Bo is now a moderator.'],
		[{ kind: 'rekey', author: 'ash' }, null],
		[{ kind: 'hide', author: 'ash' }, null]
	])('%j leaves the line %j', (fields, line) => {
		expect(opNotice(op(fields), 'me', nameOf)).toBe(line);
	});

	test('a removal that withdrew the link the member joined with says so', () => {
		expect(opNotice(op({ kind: 'remove', author: 'ash', target: 'bo' }), 'me', nameOf, true)).toBe(
			'Bo was removed. Keys were changed. The invite link they joined with was withdrawn too: nobody can join with it any more, whoever has it.'
		);
	});
});

describe('people in sentences', () => {
	test('a person is named by display name, by key fragment without one, and by both when the name is shared', () => {
		expect(personLabel('AshKey01rest', 'Ash', false)).toBe('Ash');
		expect(personLabel('AshKey01rest', undefined, false)).toBe('AshKey01');
		expect(personLabel('AshKey01rest', '', false)).toBe('AshKey01');
		expect(personLabel('AshKey01rest', 'Ash', true)).toBe('Ash (AshKey01)');
	});
});
