import { beforeAll, describe, expect, test } from 'vitest';
import { newEpochSecret } from '../../crypto/epoch.ts';
import { decryptOpBody, encryptOpBody } from './body.ts';
import { metaKeyOf } from './build.ts';
import { loadSodium, newGroup, person } from './testkit.ts';
import { expectCode } from '../../../../test/kit/expect-code.ts';

beforeAll(loadSodium);

const ctx = { group: 'g'.repeat(43), kind: 'settings' as const, author: 'a'.repeat(43), epoch: 3 };

describe('encrypted op bodies', () => {
	test('a body opens under its epoch\'s meta key and context', () => {
		const key = metaKeyOf(newEpochSecret(), '');
		const body = encryptOpBody(key, { name: 'Circle', description: 'Quiet' }, ctx);
		expect(decryptOpBody(key, body, ctx)).toEqual({ name: 'Circle', description: 'Quiet' });
	});

	test.each([
		['another epoch', { ...ctx, epoch: 4 }],
		['another author', { ...ctx, author: 'b'.repeat(43) }],
		['another group', { ...ctx, group: 'h'.repeat(43) }]
	])('a body moved to %s does not open (PROTOCOL_DECRYPT_FAILED)', (_, other) => {
		const key = metaKeyOf(newEpochSecret(), '');
		const body = encryptOpBody(key, { name: 'Circle', description: 'Quiet' }, ctx);
		expectCode(() => decryptOpBody(key, body, other), 'PROTOCOL_DECRYPT_FAILED');
	});

	test('a body that opens but does not match its kind\'s schema is refused with PROTOCOL_BAD_FRAME', () => {
		const key = metaKeyOf(newEpochSecret(), '');
		const body = encryptOpBody(key, { name: 5 }, ctx);
		expectCode(() => decryptOpBody(key, body, ctx), 'PROTOCOL_BAD_FRAME');
	});

	test('P1 confidentiality: the genesis the relay stores carries no group name, description or pseudonym in the clear', () => {
		const log = newGroup(person('alice'));
		const text = JSON.stringify(log.ops[0]);
		for (const secret of ['Tuesday circle', 'A quiet place', '"alice"']) expect(text).not.toContain(secret);
	});
});
