/**
 * The cast and helpers of the group-log state tests (state.test.ts, state-membership.test.ts):
 * alice, bob, carol, dave and eve (set by `loadCast`, in a beforeAll), a full group, an invite.
 */
import { newInvite } from '../../crypto/invite.ts';
import * as b from './build.ts';
import { loadSodium, memberOf, newGroup, person, type Person, type TestLog } from './testkit.ts';

export let alice: Person, bob: Person, carol: Person, dave: Person, eve: Person;

export async function loadCast(): Promise<void> {
	await loadSodium();
	[alice, bob, carol, dave, eve] = ['alice', 'bob', 'carol', 'dave', 'eve'].map(person) as [Person, Person, Person, Person, Person];
}

/** alice admin, bob moderator, carol member, dave listener. */
export function fullGroup(settings = {}): TestLog {
	return newGroup(alice, [memberOf(bob, 'moderator'), memberOf(carol, 'member'), memberOf(dave, 'listener')], settings);
}

export function invite(log: TestLog, by: Person, opts: Partial<b.InviteParams> = {}) {
	const { secret } = newInvite(log.state.group);
	const op = b.buildInvite(log.state, by, { secret, expires: log.now + 60_000, maxUses: 1, role: 'member', content: { name: 'n', description: 'd', inviter: { name: by.name } }, ...opts });
	return { secret, op, key: op.invite.key };
}
