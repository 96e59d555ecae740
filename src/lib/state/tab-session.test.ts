/**
 * P6: one tab owns the session (tab-session.ts). Web Locks are faked here (Node has none); the
 * BroadcastChannel is Node's own, which delivers between instances in one process.
 */
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { TabSession } from './tab-session.ts';
import { until } from '../../../test/kit/until.ts';

type Grant = (lock: object | null) => Promise<void> | void;

/** A LockManager with one exclusive lock per name, granted in request order. */
function fakeLocks() {
	const held = new Set<string>();
	const queue = new Map<string, Grant[]>();
	const grant = (name: string, callback: Grant) => {
		held.add(name);
		void Promise.resolve(callback({ name })).finally(() => {
			held.delete(name);
			const next = queue.get(name)?.shift();
			if (next) grant(name, next);
		});
	};
	return {
		request(name: string, optionsOrCallback: { ifAvailable?: boolean } | Grant, maybe?: Grant): Promise<void> {
			const options = typeof optionsOrCallback === 'function' ? {} : optionsOrCallback;
			const callback = typeof optionsOrCallback === 'function' ? optionsOrCallback : maybe!;
			if (!held.has(name)) grant(name, callback);
			else if (options.ifAvailable) void callback(null);
			else queue.set(name, [...(queue.get(name) ?? []), callback]);
			return Promise.resolve();
		}
	};
}

const channels: TabSession[] = [];
beforeEach(() => {
	vi.stubGlobal('navigator', { locks: fakeLocks() });
});
afterEach(() => {
	for (const t of channels.splice(0)) t.listen()?.close();
	vi.unstubAllGlobals();
});

/** A tab: its session, and how many times it handed over (each hand-over waits for `gate`). */
function tab(gate: Promise<void> = Promise.resolve()) {
	const state = { handedOver: 0 };
	const session = new TabSession({
		handOver: async () => {
			await gate;
			state.handedOver++;
		},
		wiped: () => undefined
	});
	channels.push(session);
	return { session, state };
}

test('P6: "Use it here" in two more tabs, one just after the other: the session moves to the first, then to the second, and neither waits forever', async () => {
	let open: () => void = () => undefined;
	// A is slow to let go (saving what is pending), so C's ask arrives while it hands over to B.
	const a = tab(new Promise<void>((resolve) => (open = resolve)));
	const b = tab();
	const c = tab();
	expect(await a.session.claim()).toBe(true);
	expect(await b.session.claim()).toBe(false);
	const bTook = b.session.take();
	await new Promise((r) => setTimeout(r, 20));
	// C asks while B is still waiting: the ask reaches A, which is already handing over to B.
	const cTook = c.session.take();
	await new Promise((r) => setTimeout(r, 20));
	open();
	await bTook;
	await cTook;
	await until(() => c.session.owned && !b.session.owned && !a.session.owned, 5_000, 'c owns');
	expect(a.state.handedOver).toBe(1);
	expect(b.state.handedOver).toBe(1);
});
