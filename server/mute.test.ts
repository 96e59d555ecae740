/**
 * §13.3 at the relay: a member a moderator muted cannot append messages until the relay's clock
 * passes the end (the op's relay time plus its duration); ops stay open to them (leaving is
 * never blocked); a mute from someone who may not mute, or a forged one, is refused.
 */
import { describe, expect, test } from 'vitest';
import { useGroupLog } from '../test/relay/fixtures/group-log.ts';
import { chained, message } from '../test/relay/fixtures/ops.ts';

const world = useGroupLog('mute');
const { append } = world;
const groupWithMod = () => world.groupWithMod();
const HOUR = 3_600_000;

describe('§13.3 mute at the relay', () => {
	test('a muted member cannot post until the relay clock passes the end; lifting it reopens at once', async () => {
		const { group, mod, member, next } = await groupWithMod();
		await append(group, { msg: message(group, member.sign, 0, 0) }, [member.sign]);
		await next(mod, 'mute', { target: member.sign, duration: 3600 });
		await expect(append(group, { msg: message(group, member.sign, 0, 1) }, [member.sign])).rejects.toMatchObject({ code: 'RELAY_FORBIDDEN' });
		// Everyone else still posts.
		await append(group, { msg: message(group, mod.sign, 0, 0) }, [mod.sign]);
		world.clock.advance(HOUR - 1);
		await expect(append(group, { msg: message(group, member.sign, 0, 1) }, [member.sign])).rejects.toMatchObject({ code: 'RELAY_FORBIDDEN' });
		world.clock.advance(1);
		await append(group, { msg: message(group, member.sign, 0, 1) }, [member.sign]);

		// Muted again for a week, then lifted (duration 0): posting works again straight away.
		await next(mod, 'mute', { target: member.sign, duration: 604_800 });
		await expect(append(group, { msg: message(group, member.sign, 0, 2) }, [member.sign])).rejects.toMatchObject({ code: 'RELAY_FORBIDDEN' });
		await next(mod, 'mute', { target: member.sign, duration: 0 });
		await append(group, { msg: message(group, member.sign, 0, 2) }, [member.sign]);
	});

	test('a muted member can still leave: ops are not messages', async () => {
		const { group, mod, member, next } = await groupWithMod();
		await next(mod, 'mute', { target: member.sign, duration: 86_400 });
		await next(member, 'leave');
	});

	test('a member cannot mute, a moderator cannot mute an admin or for longer than a week, and a forged mute is refused', async () => {
		const { group, admin, mod, member, next, head } = await groupWithMod();
		await expect(next(member, 'mute', { target: mod.sign, duration: 3600 })).rejects.toMatchObject({ code: 'RELAY_INVALID_OP' });
		await expect(next(mod, 'mute', { target: admin.sign, duration: 3600 })).rejects.toMatchObject({ code: 'RELAY_INVALID_OP' });
		await expect(next(mod, 'mute', { target: member.sign, duration: 604_801 })).rejects.toMatchObject({ code: 'RELAY_INVALID_OP', message: expect.stringContaining('PROTOCOL_BAD_FRAME') });
		// Signed by the member, claiming the moderator as author: the signature does not verify.
		const forged = { ...chained({ group, head: head() }, member, 'mute', { target: member.sign, duration: 3600 }), author: mod.sign };
		await expect(append(group, { op: forged }, [mod.sign])).rejects.toMatchObject({ code: 'RELAY_INVALID_OP', message: expect.stringContaining('PROTOCOL_BAD_SIGNATURE') });
		await append(group, { msg: message(group, member.sign, 0, 0) }, [member.sign]);
	});
});
