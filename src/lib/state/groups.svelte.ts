/**
 * Per-group reactive views of the headless client (issue 8 item 5). Each group has a `GroupView`
 * whose parts (summary, messages, members, warnings, invites) change only on that group's own
 * client events, and are read from the client only when a screen reads them: a message in one
 * group no longer rebuilds every group's summary, re-sorts every transcript or recomputes every
 * safety number. The group list replaces only the summaries that changed, so unchanged rows of
 * the list are left alone.
 */
import { SvelteMap } from 'svelte/reactivity';
import type { ChatMessage, ClientEvent, GroupSummary, InviteView, JoinRequestView, MemberView, MyReportView, UnseenClientApi, Warning } from '../client/api.ts';
import { Lazy } from './lazy.svelte.ts';

/** Summaries are small plain data: equal JSON means nothing on screen would change. */
const same = (a: GroupSummary | null, b: GroupSummary | null): boolean => a === b || (a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b));

/** The client's order of the group list: most recent activity first. */
const byActivity = (a: GroupSummary, b: GroupSummary): number => b.lastActivity - a.lastActivity;

export class GroupView {
	readonly id: string;
	/** Null until the group's log is known (and after the client forgets it). */
	summary = $state.raw<GroupSummary | null>(null);
	readonly #client: UnseenClientApi;
	readonly #messages: Lazy<ChatMessage[]>;
	readonly #members: Lazy<MemberView[]>;
	readonly #warnings: Lazy<Warning[]>;
	readonly #invites: Lazy<InviteView[]>;
	readonly #serviceRemovals: Lazy<ReturnType<UnseenClientApi['serviceRemovals']>>;
	readonly #myReports: Lazy<MyReportView[]>;
	readonly #joinRequests: Lazy<JoinRequestView[]>;

	constructor(client: UnseenClientApi, id: string) {
		this.id = id;
		this.#client = client;
		this.#messages = new Lazy(() => client.messages(id));
		this.#members = new Lazy(() => client.members(id));
		this.#warnings = new Lazy(() => client.warnings(id));
		this.#invites = new Lazy(() => client.invites(id));
		this.#serviceRemovals = new Lazy(() => client.serviceRemovals?.(id) ?? { me: false, others: [] });
		this.#myReports = new Lazy(() => client.myReports(id));
		this.#joinRequests = new Lazy(() => client.joinRequests(id));
	}

	/** Requests to join waiting for a moderator (§13.8), for moderators and admins. */
	get joinRequests(): JoinRequestView[] {
		return this.#joinRequests.current;
	}

	/** Service bans heard of this session (§9.8b): me, and members the service removed. */
	get serviceRemovals(): ReturnType<UnseenClientApi['serviceRemovals']> {
		return this.#serviceRemovals.current;
	}

	/** My reports here with what the moderators told me (§13.6). */
	get myReports(): MyReportView[] {
		return this.#myReports.current;
	}

	/** The transcript in relay order (the client's `messages`). */
	get messages(): ChatMessage[] {
		return this.#messages.current;
	}

	/** Members with safety numbers, verification state and what I may do to each. */
	get members(): MemberView[] {
		return this.#members.current;
	}

	get warnings(): Warning[] {
		return this.#warnings.current;
	}

	get invites(): InviteView[] {
		return this.#invites.current;
	}

	/** Re-reads the summary; true when it changed (the object is kept when it did not). */
	refreshSummary(): boolean {
		return this.setSummary(this.#client.summary(this.id));
	}

	setSummary(next: GroupSummary | null): boolean {
		if (same(this.summary, next)) return false;
		this.summary = next;
		return true;
	}

	/** Marks what one of this group's client events changed. */
	changed(event: Extract<ClientEvent, { group: string }>['type']): void {
		if (event === 'messages' || event === 'removed') this.#messages.invalidate();
		// A case note or my report's feedback arrives as a message; sending or dismissing one is 'members'.
		if (event === 'messages' || event === 'members' || event === 'removed') this.#myReports.invalidate();
		// A member's new name shows in the transcript too; an op changes members and invites.
		if (event === 'members' || event === 'removed') {
			this.#members.invalidate();
			this.#joinRequests.invalidate();
			this.#serviceRemovals.invalidate();
			this.#invites.invalidate();
			this.#messages.invalidate();
		}
		if (event === 'warning' || event === 'removed') this.#warnings.invalidate();
	}
}

/** Every group's view, and the group list, for one running client. */
export class GroupViews {
	/** The summaries, most recent activity first; an unchanged group keeps its summary object. */
	list = $state.raw<GroupSummary[]>([]);
	readonly #client: UnseenClientApi;
	readonly #views = new SvelteMap<string, GroupView>();

	constructor(client: UnseenClientApi) {
		this.#client = client;
	}

	/** The view of group `id`, or undefined when it is not on this device. */
	get(id: string): GroupView | undefined {
		return this.#views.get(id);
	}

	onEvent(event: ClientEvent): void {
		if (event.type === 'groups') this.sync();
		if (event.type !== 'messages' && event.type !== 'members' && event.type !== 'warning' && event.type !== 'removed') return;
		const view = this.#views.get(event.group);
		if (!view) return this.sync();
		view.changed(event.type);
		if (view.refreshSummary()) this.#relist();
	}

	/** Re-reads the group list: adds and drops views, replaces only the summaries that changed. */
	sync(): void {
		const summaries = this.#client.groups();
		let changed = summaries.length !== this.list.length;
		for (const summary of summaries) {
			let view = this.#views.get(summary.id);
			if (!view) {
				view = new GroupView(this.#client, summary.id);
				this.#views.set(summary.id, view);
			}
			if (view.setSummary(summary)) changed = true;
		}
		const ids = new Set(summaries.map((s) => s.id));
		for (const id of [...this.#views.keys()]) {
			if (ids.has(id)) continue;
			this.#views.delete(id);
			changed = true;
		}
		if (changed) this.#relist();
	}

	#relist(): void {
		this.list = [...this.#views.values()].flatMap((v) => (v.summary ? [v.summary] : [])).sort(byActivity);
	}
}
