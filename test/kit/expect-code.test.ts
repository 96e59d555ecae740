import { describe, expect, test } from 'vitest';
import { ProtocolError } from '../../src/lib/core/errors.ts';
import { expectCode } from './expect-code.ts';

const locked = () => new ProtocolError('PROTOCOL_LOCKED', 'locked');
const relayError = Object.assign(new Error('refused'), { code: 'RELAY_FORBIDDEN' });

describe('expectCode, the one error-code assertion', () => {
	test('passes when a function throws, a promise rejects or a function rejects with the code', async () => {
		expectCode(() => {
			throw locked();
		}, 'PROTOCOL_LOCKED');
		await expectCode(Promise.reject(locked()), 'PROTOCOL_LOCKED');
		await expectCode(async () => {
			throw relayError;
		}, 'RELAY_FORBIDDEN');
	});

	test('fails when nothing is thrown, synchronously or asynchronously', async () => {
		expect(() => expectCode(() => 1, 'PROTOCOL_LOCKED')).toThrow(/nothing was thrown/);
		await expect(expectCode(Promise.resolve(1), 'PROTOCOL_LOCKED')).rejects.toThrow(/nothing was thrown/);
	});

	test('fails on another code, and on a PROTOCOL_ code that is not on a ProtocolError', () => {
		expect(() => expectCode(() => { throw locked(); }, 'PROTOCOL_REPLAY')).toThrow(/expected PROTOCOL_REPLAY/);
		const impostor = Object.assign(new Error('x'), { code: 'PROTOCOL_LOCKED' });
		expect(() => expectCode(() => { throw impostor; }, 'PROTOCOL_LOCKED')).toThrow(/other than a ProtocolError/);
	});

	test('rethrows an error that carries no code, so the real failure shows', () => {
		const plain = new TypeError('undefined is not a function');
		expect(() => expectCode(() => { throw plain; }, 'PROTOCOL_LOCKED')).toThrow(plain);
	});
});
