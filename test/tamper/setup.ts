/**
 * Shared setup for the malicious-relay tests: the real relay, the tampering proxy in front of
 * it, real clients connected through the proxy, and `Tamperer`, a down-stream hook that lets a
 * test rewrite, drop, hold back, replay or inject entries for one victim while keeping the
 * relay numbering the victim sees consistent (as a careful lying relay would): `seq` runs on
 * without holes and `ts` never goes back, so only the cryptography can give the attack away.
 * A test that wants a visibly careless relay sets `fillSeqGaps = false`.
 */
import { startTamperProxy, type Frame, type Link, type TamperProxy } from './proxy.ts';
import { defaults, removeDir, startClient, startRelay, type Relay, type TestClient } from '../integration/harness.ts';
import type { Envelope, Op } from '../../src/lib/core/schema.ts';

export interface EntryFrame extends Frame {
	t: 'entry';
	group: string;
	seq: number;
	ts: number;
	entry: { op?: Op; msg?: Envelope };
	stamp?: string;
}

export const isEntry = (f: Frame): f is EntryFrame => f.t === 'entry';

/** A decision for one entry on its way to the victim: pass it, or return the frames to send instead. */
export type Rule = (frame: EntryFrame) => EntryFrame[] | undefined;

export class Tamperer {
	rule: Rule | null = null;
	/** Renumber so the victim sees no hole in `seq` where an entry was dropped. */
	fillSeqGaps = true;
	private last = new Map<string, { seq: number; ts: number }>();
	private link: Link | null = null;
	/** A client opens one connection per group identity (P9): entries of a group go on its own. */
	private readonly groupLinks = new Map<string, Link>();

	readonly hook = (frame: Frame, link: Link): Frame[] => {
		this.link = link;
		// A relay that renumbers to hide a drop says "live" at its renumbered head too (the client
		// moves its cursor there, §9.5), or its own lie would show.
		if (frame.t === 'live' && this.fillSeqGaps && typeof frame.group === 'string') {
			const last = this.last.get(frame.group);
			return [last ? { ...frame, seq: last.seq } : frame];
		}
		if (!isEntry(frame)) return [frame];
		this.groupLinks.set(frame.group, link);
		const out = this.rule?.(frame) ?? [frame];
		return out.map((f) => this.renumber(f));
	};

	/** Sends `frame` to the victim now, numbered after everything it has seen. */
	inject(frame: EntryFrame): void {
		const link = this.groupLinks.get(frame.group) ?? this.link;
		if (!link) throw new Error('victim not connected yet');
		link.toClient(this.renumber(frame));
	}

	private renumber(frame: EntryFrame): EntryFrame {
		const last = this.last.get(frame.group);
		if (!last) {
			this.last.set(frame.group, { seq: frame.seq, ts: frame.ts });
			return frame;
		}
		const seq = this.fillSeqGaps ? last.seq + 1 : Math.max(frame.seq, last.seq + 1);
		const ts = Math.max(frame.ts, last.ts);
		this.last.set(frame.group, { seq, ts });
		return { ...frame, seq, ts };
	}
}

export interface World {
	relay: Relay;
	proxy: TamperProxy;
	clients: Record<string, TestClient>;
	close(): Promise<void>;
}

export async function startWorld(names: string[]): Promise<World> {
	const relay = await startRelay();
	const proxy = await startTamperProxy(relay.url);
	const clients: Record<string, TestClient> = {};
	for (const name of names) clients[name] = await startClient(proxy.url(name));
	return {
		relay,
		proxy,
		clients,
		async close() {
			for (const c of Object.values(clients)) await c.client.stop();
			await proxy.close();
			await relay.server.close();
			await removeDir(relay.dir);
		}
	};
}

/** `admin` creates a group and everyone else joins it with one invite. */
export async function makeGroup(world: World, admin: string, others: string[], name = 'Circle'): Promise<string> {
	const a = world.clients[admin]!.client;
	const id = await a.createGroup({ ...defaults, name, pseudonym: admin });
	const invite = await a.createInvite(id, { expiresInMs: 3_600_000, maxUses: 20, role: 'member' });
	for (const other of others) await world.clients[other]!.client.joinWithInvite(invite.link, other);
	return id;
}

export const selfKey = (c: TestClient, group: string): string => c.client.members(group).find((m) => m.self)!.sign;

/**
 * `admin` makes a group that `others` join, and every entry on its way to `victim` passes
 * through the returned tamperer, from before the group exists.
 */
export async function groupWithVictim(world: World, victim: string, admin: string, others: string[], name?: string): Promise<{ tamper: Tamperer; group: string }> {
	const tamper = new Tamperer();
	world.proxy.onDown(victim, tamper.hook);
	const group = await makeGroup(world, admin, others, name);
	return { tamper, group };
}

/** Ash's group with Bo as the victim: every entry on its way to Bo passes through `tamper`. */
export async function ashAndVictimBo(world: World) {
	const { tamper, group } = await groupWithVictim(world, 'bo', 'ash', ['bo']);
	const { ash, bo } = world.clients;
	return { tamper, group, ash: ash!, bo: bo!, ashKey: selfKey(ash!, group) };
}
