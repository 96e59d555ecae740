import { describe, expect, test } from 'vitest';
import type { GroupSummary, UnseenClientApi } from '../client/api.ts';
import { GroupViews } from './groups.svelte.ts';

/** A client with groups A and B that counts what the views read from it. */
function countingClient() {
	const reads: Record<string, number> = {};
	const count = (what: string) => (reads[what] = (reads[what] ?? 0) + 1);
	const activity: Record<string, number> = { A: 2, B: 1 };
	const summary = (id: string) => ({ id, name: id, lastActivity: activity[id]!, unread: 0 }) as unknown as GroupSummary;
	const client = {
		groups: () => (count('groups'), Object.keys(activity).map(summary)),
		summary: (id: string) => (count(`summary ${id}`), id in activity ? summary(id) : null),
		messages: (id: string) => (count(`messages ${id}`), []),
		members: (id: string) => (count(`members ${id}`), []),
		warnings: (id: string) => (count(`warnings ${id}`), []),
		invites: (id: string) => (count(`invites ${id}`), [])
	} as unknown as UnseenClientApi;
	return { client, reads, activity };
}

/** Reads every part of both groups, as two open screens would. */
function readAll(views: GroupViews): void {
	for (const id of ['A', 'B']) {
		const view = views.get(id)!;
		void [view.messages, view.members, view.warnings, view.invites];
	}
}

describe('per-group views', () => {
	test('a message in one group re-reads that group\'s transcript and summary only', () => {
		const { client, reads } = countingClient();
		const views = new GroupViews(client);
		views.sync();
		readAll(views);
		const before = { ...reads };
		views.onEvent({ type: 'messages', group: 'A' });
		readAll(views);
		expect(reads['messages A']).toBe(before['messages A']! + 1);
		expect(reads['summary A']).toBe((before['summary A'] ?? 0) + 1);
		for (const other of ['messages B', 'members A', 'members B', 'warnings A', 'invites A', 'summary B', 'groups']) expect(reads[other]).toBe(before[other]);
	});

	test('members and their safety numbers are re-read only after a members event of their group', () => {
		const { client, reads } = countingClient();
		const views = new GroupViews(client);
		views.sync();
		readAll(views);
		views.onEvent({ type: 'messages', group: 'B' });
		views.onEvent({ type: 'warning', group: 'B', warning: { kind: 'clock', text: '', at: 0 } });
		readAll(views);
		expect([reads['members A'], reads['members B']]).toEqual([1, 1]);
		views.onEvent({ type: 'members', group: 'B' });
		readAll(views);
		expect([reads['members A'], reads['members B']]).toEqual([1, 2]);
	});

	test('nothing is read for a part no screen reads', () => {
		const { client, reads } = countingClient();
		const views = new GroupViews(client);
		views.sync();
		views.onEvent({ type: 'messages', group: 'A' });
		views.onEvent({ type: 'members', group: 'A' });
		expect(reads['messages A']).toBeUndefined();
		expect(reads['members A']).toBeUndefined();
	});

	test('the group list keeps the summary object of every group that did not change', () => {
		const { client, activity } = countingClient();
		const views = new GroupViews(client);
		views.sync();
		const [a, b] = [views.get('A')!.summary, views.get('B')!.summary];
		activity.A = 5;
		views.sync();
		expect(views.get('B')!.summary).toBe(b);
		expect(views.get('A')!.summary).not.toBe(a);
		expect(views.list.map((s) => s.id)).toEqual(['A', 'B']);
		activity.B = 9;
		views.onEvent({ type: 'messages', group: 'B' });
		expect(views.list.map((s) => s.id)).toEqual(['B', 'A']);
	});

	test('a group the client no longer has loses its view', () => {
		const { client, activity } = countingClient();
		const views = new GroupViews(client);
		views.sync();
		delete activity.B;
		views.onEvent({ type: 'groups' });
		expect(views.get('B')).toBeUndefined();
		expect(views.list.map((s) => s.id)).toEqual(['A']);
	});
});
