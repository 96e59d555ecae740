/**
 * §13.4 `unhide` and §13.5 `warn` in the rules and in may.ts: moderators and admins only (warn
 * never in pairs); the note opens for its target and the moderators, for nobody else, and not
 * once tampered with or moved to another group or author.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import * as b from './build.ts';
import * as may from './may.ts';
import { applyOp } from './state.ts';
import { alice, bob, carol, dave, fullGroup, loadCast } from './state.fixture.ts';
import { memberOf, TestLog, T0 } from './testkit.ts';
import { expectCode } from '../../../../test/kit/expect-code.ts';
import { openWarn, sealWarn } from '../../crypto/warn-note.ts';
import { fromB64, toB64 } from '../../core/bytes.ts';

beforeAll(loadCast);

describe('§13.4 unhide', () => {
	test('a moderator or admin unhides; a member or listener may not (PROTOCOL_NOT_ALLOWED); unhiding what is not hidden changes nothing', () => {
		const log = fullGroup();
		log.append(b.buildHide(log.state, bob, 9));
		expect(log.state.hidden).toEqual([9]);
		for (const who of [carol, dave]) {
			expect(may.unhide(log.state, who.b64)).toMatchObject({ ok: false, code: 'PROTOCOL_NOT_ALLOWED' });
			expectCode(() => applyOp(log.state, b.buildUnhide(log.state, who, 9), log.ctx), 'PROTOCOL_NOT_ALLOWED');
		}
		log.append(b.buildUnhide(log.state, bob, 9));
		expect(log.state.hidden).toEqual([]);
		log.append(b.buildUnhide(log.state, alice, 9));
		expect(log.state.hidden).toEqual([]);
		// Hidden again after the undo: a hide of an un-hidden message counts.
		log.append(b.buildHide(log.state, alice, 9));
		expect(log.state.hidden).toEqual([9]);
	});
});

describe('§13.5 warn', () => {
	test('moderators and admins warn; members and listeners may not; never in pairs', () => {
		const log = fullGroup();
		for (const who of [carol, dave]) expectCode(() => applyOp(log.state, b.buildWarn(log.state, who, alice.b64, 'hi'), log.ctx), 'PROTOCOL_NOT_ALLOWED');
		const before = log.state;
		log.append(b.buildWarn(log.state, bob, carol.b64, 'Please keep it kind.'));
		// Nothing in the state changes but the chain.
		expect({ ...log.state, head: before.head, length: before.length, lastOpAt: before.lastOpAt }).toEqual(before);
		const pair = new TestLog(b.buildPair(alice, memberOf(bob, 'member'), { name: 'pair', description: '', profile: { name: 'alice' } }, { at: T0 }));
		expect(may.warn(pair.state, alice.b64)).toMatchObject({ ok: false, code: 'PROTOCOL_NOT_ALLOWED' });
		expectCode(() => applyOp(pair.state, b.buildWarn(pair.state, alice, bob.b64, 'hi'), pair.ctx), 'PROTOCOL_NOT_ALLOWED');
	});

	test('the note opens for the target and every moderator and admin, not for another member; nor when moved or tampered with', () => {
		const log = fullGroup();
		const op = b.buildWarn(log.state, bob, dave.b64, 'Please keep it kind.');
		const note = { target: dave.b64, text: 'Please keep it kind.' };
		for (const reader of [dave, alice, bob]) expect(openWarn(log.state.group, bob.b64, reader, op.body)).toEqual(note);
		expect(openWarn(log.state.group, bob.b64, carol, op.body)).toBeNull();
		expect(openWarn(log.state.group, alice.b64, dave, op.body)).toBeNull();
		expect(openWarn(toB64(new Uint8Array(32).fill(1)), bob.b64, dave, op.body)).toBeNull();
		const bytes = fromB64(op.body);
		bytes[bytes.length - 1]! ^= 1;
		expect(openWarn(log.state.group, bob.b64, dave, toB64(bytes))).toBeNull();
		expectCode(() => sealWarn(log.state.group, bob.b64, { target: dave.b64, text: '' }, [dave.b64]), 'PROTOCOL_BAD_FRAME');
		expectCode(() => b.buildWarn(log.state, bob, bob.b64, 'to myself'), 'PROTOCOL_NOT_ALLOWED');
	});
});
