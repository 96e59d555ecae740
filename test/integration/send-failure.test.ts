/**
 * A message the relay refuses for good is shown as failed and kept; "Try again" sends it once
 * it can go, and the other member receives it exactly once (issue 4: sending / sent / failed
 * and retry). The refusal is played by the proxy in front of the real relay.
 */
import { expect, test } from 'vitest';
import { makeGroup, Tamperer, type EntryFrame } from '../tamper/setup.ts';
import { useWorld } from '../tamper/world-per-test.ts';
import type { Frame, Hook } from '../tamper/proxy.ts';
import { texts, until } from './harness.ts';

/** An up-stream hook that answers the next message append with a final refusal, once. */
function refuseNextMessage(): Hook {
	let refuse = true;
	return (frame, link) => {
		if (refuse && frame.t === 'append' && (frame.entry as { msg?: unknown } | undefined)?.msg) {
			refuse = false;
			link.toClient({ t: 'err', re: frame.id as string, code: 'RELAY_BAD_FRAME', message: 'refused by the test' });
			return [];
		}
		return [frame];
	};
}

const worlds = useWorld();

test('a refused message shows as failed, survives, and a retry delivers it exactly once', async () => {
	const world = await worlds.start(['ash', 'bo']);
	const id = await makeGroup(world, 'ash', ['bo']);
	const { ash, bo } = world.clients as Record<'ash' | 'bo', (typeof world.clients)[string]>;
	await ash!.client.send(id, { text: 'first, to say hello' });
	await until(() => texts(bo!, id).includes('first, to say hello'));

	// The relay answers the next message append with a final refusal (not a transient one).
	world.proxy.onUp('ash', refuseNextMessage());
	await ash!.client.send(id, { text: 'this one is refused once' });
	const mine = () => ash!.client.messages(id).find((m) => m.text === 'this one is refused once');
	await until(() => mine()?.status === 'failed', 10_000, 'failed status');
	expect(texts(bo!, id)).not.toContain('this one is refused once');

	await ash!.client.retry(id, mine()!.id);
	await until(() => mine()?.status === 'sent', 10_000, 'sent after retry');
	await until(() => texts(bo!, id).includes('this one is refused once'));
	// Give a duplicate time to show up if there were one.
	await ash!.client.send(id, { text: 'and the next one' });
	await until(() => texts(bo!, id).includes('and the next one'));
	expect(texts(bo!, id).filter((t) => t === 'this one is refused once')).toHaveLength(1);
	expect(ash!.client.messages(id).filter((m) => m.text === 'this one is refused once')).toHaveLength(1);
	expect(bo!.client.warnings(id)).toEqual([]);
});

test('an ack lost with the connection: the client resends the same message id, and the relay stores it once under its first number', async () => {
	const world = await worlds.start(['ash', 'bo']);
	const id = await makeGroup(world, 'ash', ['bo']);
	const { ash, bo } = world.clients as Record<'ash' | 'bo', (typeof world.clients)[string]>;
	await ash!.client.send(id, { text: 'first, to say hello' });
	await until(() => texts(bo!, id).includes('first, to say hello'));

	// The relay stores the next message and acknowledges it, but the ack is lost with the connection.
	const appends = new Map<string, string>(); // request id → mid
	world.proxy.onUp('ash', (frame: Frame) => {
		if (frame.t === 'append' && (frame.entry as { msg?: unknown }).msg) appends.set(frame.id as string, frame.mid as string);
		return [frame];
	});
	let lose = true;
	world.proxy.onDown('ash', (frame: Frame, link) => {
		if (lose && frame.t === 'ok' && appends.has(frame.re as string)) {
			lose = false;
			link.close();
			return [];
		}
		return [frame];
	});
	await ash!.client.send(id, { text: 'the ack of this one is lost' });
	const mine = () => ash!.client.messages(id).find((m) => m.text === 'the ack of this one is lost');
	await until(() => mine()?.status === 'sent', 15_000, 'sent after reconnecting');

	// Two appends of the same mid; the relay answered both with the same seq.
	expect(appends.size).toBe(2);
	expect(new Set(appends.values()).size).toBe(1);
	const seqs = world.proxy
		.seen('ash')
		.filter((f) => f.t === 'ok' && appends.has(f.re as string))
		.map((f) => f.seq);
	expect(seqs).toHaveLength(2);
	expect(seqs[1]).toBe(seqs[0]);
	expect(mine()!.seq).toBe(seqs[0]);

	await ash!.client.send(id, { text: 'and the next one' });
	await until(() => texts(bo!, id).includes('and the next one'));
	expect(texts(bo!, id).filter((t) => t === 'the ack of this one is lost')).toHaveLength(1);
	expect(bo!.client.warnings(id)).toEqual([]);
	expect(ash!.client.warnings(id)).toEqual([]);
});

test('"Try again" in a group that froze after the refusal sends nothing and the message stays failed', async () => {
	const world = await worlds.start(['ash', 'bo']);
	const tamper = new Tamperer();
	const ops: EntryFrame[] = [];
	world.proxy.onDown('ash', (frame, link) => {
		if (frame.t === 'entry' && (frame.entry as { op?: unknown }).op) ops.push(frame as EntryFrame);
		return tamper.hook(frame, link);
	});
	const id = await makeGroup(world, 'ash', ['bo']);
	const { ash, bo } = world.clients as Record<'ash' | 'bo', (typeof world.clients)[string]>;
	await ash!.client.send(id, { text: 'first, to say hello' });
	await until(() => texts(bo!, id).includes('first, to say hello'));

	let frozen = false;
	const appendsAfterFreeze: Frame[] = [];
	const refuse = refuseNextMessage();
	world.proxy.onUp('ash', (frame, link) => {
		if (frozen && frame.t === 'append') appendsAfterFreeze.push(frame);
		return refuse(frame, link);
	});
	await ash!.client.send(id, { text: 'refused, then the group froze' });
	const mine = () => ash!.client.messages(id).find((m) => m.text === 'refused, then the group froze');
	await until(() => mine()?.status === 'failed', 10_000, 'failed status');
	// The relay replays an old op to Ash: Ash's client freezes the group (P2).
	tamper.inject({ ...ops.find((o) => o.group === id)! });
	await until(() => !!ash!.client.groups().find((g) => g.id === id)?.frozen, 10_000, 'frozen');
	frozen = true;

	await ash!.client.retry(id, mine()!.id);
	await until(() => ash!.client.messages(id).find((m) => m.text === 'refused, then the group froze')?.status === 'failed', 5_000, 'still failed');
	await new Promise((resolve) => setTimeout(resolve, 300));
	expect(appendsAfterFreeze).toEqual([]);
	expect(mine()!.status).toBe('failed');
	expect(texts(bo!, id)).not.toContain('refused, then the group froze');
});
