/**
 * §13.4 and §13.5 at the relay: `unhide` and `warn` are moderators' ops, checked by the same
 * may.ts as every client; from a member, in a pair, or forged, the relay refuses them.
 */
import { describe, expect, test } from 'vitest';
import { useGroupLog } from '../test/relay/fixtures/group-log.ts';
import { chained, message } from '../test/relay/fixtures/ops.ts';

const world = useGroupLog('unhide-warn');
const { append } = world;
const groupWithMod = () => world.groupWithMod();

// The relay cannot open a warn body; any sealed-looking bytes of the right size do here.
const sealedBody = Buffer.alloc(1 + 2 * 80 + 24 + 40, 7).toString('base64url');

describe('§13.4 unhide and §13.5 warn at the relay', () => {
	test('a moderator hides and unhides (twice is harmless); the relay state follows', async () => {
		const { group, mod, admin, member, next, state } = await groupWithMod();
		const { seq } = await append(group, { msg: message(group, member.sign, 0, 0) }, [member.sign]);
		await next(mod, 'hide', { target: seq });
		expect((await state()).hidden).toEqual([seq]);
		await next(admin, 'unhide', { target: seq });
		expect((await state()).hidden).toEqual([]);
		await next(mod, 'unhide', { target: seq });
		expect((await state()).hidden).toEqual([]);
	});

	test('a member cannot unhide or warn; a forged unhide or warn is refused; a warn without its body is a bad frame', async () => {
		const { group, mod, member, next, head, state } = await groupWithMod();
		const { seq } = await append(group, { msg: message(group, member.sign, 0, 0) }, [member.sign]);
		await next(mod, 'hide', { target: seq });
		await expect(next(member, 'unhide', { target: seq })).rejects.toMatchObject({ code: 'RELAY_INVALID_OP', message: expect.stringContaining('PROTOCOL_NOT_ALLOWED') });
		await expect(next(member, 'warn', { body: sealedBody })).rejects.toMatchObject({ code: 'RELAY_INVALID_OP', message: expect.stringContaining('PROTOCOL_NOT_ALLOWED') });
		await expect(next(mod, 'warn', {})).rejects.toMatchObject({ code: 'RELAY_INVALID_OP', message: expect.stringContaining('PROTOCOL_BAD_FRAME') });
		// Signed by the member, claiming the moderator as author: the signature does not verify.
		for (const [kind, fields] of [['unhide', { target: seq }], ['warn', { body: sealedBody }]] as const) {
			const forged = { ...chained({ group, head: head() }, member, kind, fields), author: mod.sign };
			await expect(append(group, { op: forged }, [mod.sign])).rejects.toMatchObject({ code: 'RELAY_INVALID_OP', message: expect.stringContaining('PROTOCOL_BAD_SIGNATURE') });
		}
		expect((await state()).hidden).toEqual([seq]);
		await next(mod, 'warn', { body: sealedBody });
	});
});
