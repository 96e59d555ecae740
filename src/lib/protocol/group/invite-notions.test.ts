/**
 * The two invite notions of docs/PROTOCOL.md §3.5: **unrevoked** (`revoked = false`, what
 * `revoke` and the departure of its author act on) and **usable at t** (unrevoked, `t < expires`,
 * `uses < maxUses`: what a `join` and the relay's invite fetch need). An expired or used-up
 * invite is not usable but still unrevoked.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import * as b from './build.ts';
import { applyOp } from './state.ts';
import { context, type TestLog } from './testkit.ts';
import { alice, carol, eve, fullGroup, invite, loadCast } from './state.fixture.ts';
import { expectCode } from '../../../../test/kit/expect-code.ts';

beforeAll(loadCast);

/** A group where carol made an invite that nobody can use any more: expired at `log.now`. */
function expiredInvite(): { log: TestLog; key: string; secret: Uint8Array } {
	const log = fullGroup({ invite: 'members' });
	const inv = invite(log, carol, { expires: log.now + 1500 });
	log.append(inv.op);
	log.now = inv.op.invite.expires;
	return { log, key: inv.key, secret: inv.secret };
}

describe('unrevoked and usable invites', () => {
	test('an expired invite is not usable: a join through it is PROTOCOL_INVITE_INVALID', () => {
		const { log, key, secret } = expiredInvite();
		expect(log.state.invites[key]).toMatchObject({ revoked: false, uses: 0, expires: log.now });
		const { op } = b.buildJoin(log.state, eve, secret, { profile: { name: 'Eve' } });
		expectCode(() => applyOp(log.state, op, log.ctx), 'PROTOCOL_INVITE_INVALID');
		expect(applyOp(log.state, op, context(log.now - 1)).members[eve.b64]).toBeDefined();
	});

	test('an expired invite is still unrevoked: its author or an admin may revoke it, once', () => {
		const { log, key } = expiredInvite();
		const revoked = applyOp(log.state, b.buildRevoke(log.state, alice, key), context(log.now + 1000));
		expect(revoked.invites[key]?.revoked).toBe(true);
		log.append(b.buildRevoke(log.state, carol, key));
		expectCode(() => applyOp(log.state, b.buildRevoke(log.state, alice, key), log.ctx), 'PROTOCOL_INVITE_INVALID');
	});

	test('removing its author revokes an expired invite too; the entry stays, never deleted', () => {
		const { log, key } = expiredInvite();
		log.append(b.buildRemove(log.state, alice, carol.b64).op);
		expect(log.state.invites[key]).toMatchObject({ revoked: true, uses: 0 });
	});

	test('a used-up invite is unrevoked and stays in the state with its uses', () => {
		const log = fullGroup();
		const inv = invite(log, alice, { maxUses: 1 });
		log.append(inv.op);
		log.append(b.buildJoin(log.state, eve, inv.secret, { profile: { name: 'Eve' } }).op);
		expect(log.state.invites[inv.key]).toMatchObject({ uses: 1, maxUses: 1, revoked: false });
		log.append(b.buildRevoke(log.state, alice, inv.key));
		expect(log.state.invites[inv.key]?.revoked).toBe(true);
	});
});
