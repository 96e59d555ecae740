/**
 * Who is blamed (issue 9 item 11): a warning must name the party that could have caused it. A
 * message's `state` (the op hash its sender had seen) is inside the authenticated header, so a
 * relay that edits it breaks the envelope, while an unknown hash in an envelope that opens is the
 * sender's own claim and the warning names the sender.
 */
import { describe, expect, test } from 'vitest';
import { ashAndVictimBo } from './setup.ts';
import { useWorld } from './world-per-test.ts';
import { defaults, texts, until, warningKinds } from '../integration/harness.ts';
import { toB64 } from '../../src/lib/core/bytes.ts';

const worlds = useWorld();
const setup = async () => ashAndVictimBo(await worlds.start(['ash', 'bo']));

const bogus = toB64(new Uint8Array(32).fill(0x5a));

describe('P6 a bogus state is attributed to whoever could have written it', () => {
	test('P6 attribution: a member whose message names an op hash nobody was shown is named as its source, not only the relay', async () => {
		const { group, ash, bo } = await setup();
		// Wait until the log is quiet (every member's receive key for this epoch is in, PROTOCOL
		// §4.4), so that no op arrives while Ash's head is faked below.
		await until(() => {
			const s = ash.client.state(group)!;
			return Object.values(s.members).every((m) => m.rkAt === s.epoch);
		});
		// Ash's app writes a wrong head into its next message (a faulty or hostile member).
		const log = ash.client.state(group)!;
		const head = log.head;
		log.head = bogus;
		await ash.client.send(group, { text: 'from nowhere' });
		await until(() => ash.client.messages(group).find((m) => m.text === 'from nowhere')?.status !== 'sending');
		log.head = head;
		await until(() => warningKinds(bo, group).includes('fork'));
		const warning = bo.client.warnings(group).find((w) => w.kind === 'fork')!;
		expect(warning.text).toMatch(/^A message from ash names a version of the group/);
		expect(warning.text).toContain("ash's app sent a wrong version");
		expect(texts(bo, group)).not.toContain('from nowhere');
		await ash.client.send(group, { text: 'back on track' });
		await until(() => texts(bo, group).includes('back on track'));
		expect(warningKinds(bo, group)).toEqual(['fork']);
	});

	test('P6 attribution: a relay that rewrites the state of a message breaks it; no member is blamed for a fork', async () => {
		const { tamper, group, ash, bo, ashKey } = await setup();
		tamper.rule = (f) => (f.entry.msg?.sender === ashKey ? [{ ...f, entry: { msg: { ...f.entry.msg, state: bogus } } }] : undefined);
		await ash.client.send(group, { text: 'rewritten on the way' });
		await until(() => bo.client.warnings(group).length > 0);
		expect(warningKinds(bo, group)).not.toContain('fork');
		expect(texts(bo, group)).not.toContain('rewritten on the way');
	});
});

describe('P5 scheduled rotation does not depend on the relay clock', () => {
	test('P5 rotation: a relay whose hello says it is a year earlier does not stop the scheduled rekey; the device times the epoch by its own clock', async () => {
		const world = await worlds.start(['ash', 'bo']);
		const { ash, bo } = world.clients as Record<'ash' | 'bo', NonNullable<(typeof world.clients)[string]>>;
		const group = await ash.client.createGroup({ ...defaults, name: 'Rotating', pseudonym: 'ash', rotate: 1 });
		const invite = await ash.client.createInvite(group, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
		await bo.client.joinWithInvite(invite.link, 'bo');
		// From now on the relay tells Bo it is a year earlier, so by relay time Bo's epoch never ages.
		const year = 365 * 24 * 3600 * 1000;
		world.proxy.onDown('bo', (frame) => (frame.t === 'hello' ? [{ ...frame, time: (frame.time as number) - year }] : [frame]));
		const before = world.proxy.links('bo').length;
		for (const link of world.proxy.links('bo')) link.close();
		// Reconnects are fully jittered (may be at once): wait for the new connection, not for "offline".
		await until(() => world.proxy.links('bo').length > before && bo.client.connection === 'online', 10_000, 'bo back');
		const epoch = bo.client.state(group)!.epoch;
		await new Promise((r) => setTimeout(r, 1_100));
		await bo.client.send(group, { text: 'a second later' });
		await until(() => texts(ash, group).includes('a second later'));
		expect(bo.client.state(group)!.epoch).toBe(epoch + 1);
		expect(ash.client.messages(group).find((m) => m.text === 'a second later')!.id).toContain(`:${epoch + 1}:`);
	});
});
