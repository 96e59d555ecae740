/**
 * The suite's one error-code assertion (STYLE rule 9: a negative case expects a specific code).
 *
 *   expectCode(() => parse(x), 'PROTOCOL_BAD_FRAME');          // a synchronous throw
 *   await expectCode(store.get('k'), 'PROTOCOL_LOCKED');        // a rejected promise
 *   await expectCode(() => client.send(g, m), 'PROTOCOL_LOCKED'); // a function that rejects
 *
 * It fails when nothing is thrown or the code differs. A `PROTOCOL_*` code must come on a
 * ProtocolError, the typed error the core promises its callers; an error that carries no code
 * at all is rethrown as it is, so the test shows the real failure.
 */
import { expect } from 'vitest';
import { isProtocolError } from '../../src/lib/core/errors.ts';

function matchCode(error: unknown, code: string): void {
	const found = (error as { code?: unknown } | null)?.code;
	if (typeof found !== 'string') throw error;
	expect(found, `expected ${code}, got ${found}: ${String((error as Error).message)}`).toBe(code);
	if (code.startsWith('PROTOCOL_')) expect(isProtocolError(error), `${code} thrown by something other than a ProtocolError`).toBe(true);
}

function nothingThrown(code: string): never {
	expect.fail(`expected ${code}, but nothing was thrown`);
}

const isThenable = (value: unknown): value is PromiseLike<unknown> => typeof (value as { then?: unknown } | null)?.then === 'function';

export function expectCode(action: PromiseLike<unknown> | (() => PromiseLike<unknown>), code: string): Promise<void>;
export function expectCode(action: () => unknown, code: string): void;
export function expectCode(action: PromiseLike<unknown> | (() => unknown), code: string): Promise<void> | void {
	let result: unknown;
	if (typeof action === 'function') {
		try {
			result = action();
		} catch (error) {
			return matchCode(error, code);
		}
		if (!isThenable(result)) return nothingThrown(code);
	} else {
		result = action;
	}
	return Promise.resolve(result as PromiseLike<unknown>).then(
		() => nothingThrown(code),
		(error: unknown) => matchCode(error, code)
	);
}

/**
 * The code a synchronous action throws, or 'none' when it returns: for property tests that
 * compare a refusal with a prediction rather than expect one fixed code.
 */
export function codeOf(action: () => unknown): string {
	try {
		action();
		return 'none';
	} catch (error) {
		const found = (error as { code?: unknown } | null)?.code;
		if (typeof found !== 'string') throw error;
		return found;
	}
}
