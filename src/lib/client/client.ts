/**
 * The headless Unseen client (issue 3 item 8): the UI's only door to the relay and the crypto.
 * This class is the API (api.ts); the work is done by small modules over a shared ClientCore:
 * joining.ts (create, join), subscriptions.ts (entries, removal, forgetting), actions.ts
 * (member actions, outbox pump), report-actions.ts, sponsor-actions.ts, moderator.ts (pinned
 * service moderator), views.ts.
 */
import type { QuietHours, ChatMessage, ClientEvent, ConnectionState, CreateGroupOptions, GroupSummary, InvitePreview, InviteView, JoinRequestView, MemberView, CaseView, MyReportView, ReportReadersView, ReportView, ServiceModeratorView, UnseenClientApi, Warning } from './api.ts';
import { act, enqueueContent, pump } from './actions.ts';
import type { Backoff } from './connection.ts';
import { ConnectionPool } from './pool.ts';
import { ClientCore } from './core.ts';
import { GroupHandle } from './group.ts';
import { parseMessageId } from './history.ts';
import { fetchInvite } from './invites.ts';
import { createGroup, joinWithInvite } from './joining.ts';
import { acceptPair, createPair, offerPair } from './pairs.ts';
import { lockClient } from './lock.ts';
import { ModeratorPin } from './moderator.ts';
import { metGroup } from './pair-reports.ts';
import * as reporting from './report-actions.ts';
import { noteCase, recordOutcome, takeCase } from './case-actions.ts';
import type { Outcome } from '../crypto/report-case.ts';
import { getJson, keys, putJson } from './store.ts';
import { attach, forget } from './subscriptions.ts';
import * as approval from './approval.ts';
import { runDue } from './due.ts';
import * as sponsors from './sponsor-actions.ts';
import { pairView, sponsorshipView } from './sponsor-views.ts';
import * as views from './views.ts';
import { ProtocolError } from '../core/errors.ts';
import { containsLink } from '../core/links.ts';
import * as may from '../protocol/group/may.ts';
import type { Role } from '../core/schema.ts';
import type { ProgressItem } from '../core/progress.ts';
import type { GroupState } from '../protocol/group/types.ts';
import { DeviceState } from '../protocol/session/device.ts';
import type { Content } from '../protocol/session/types.ts';
import { inviteLink, newInvite } from '../crypto/invite.ts';
import { sodiumPrimitives } from '../crypto/primitives.ts';
import { ready, sodium } from '../crypto/sodium.ts';
import type { Kv } from '../storage/kv.ts';
import { keyBanned, serviceRemovals, type ServiceRemovals } from './service-bans.ts';

export { DEFAULT_ROTATE_SECONDS } from './joining.ts';

export interface ClientOptions {
	relayUrl: string;
	store: Kv;
	origin: string;
	WebSocket?: typeof WebSocket;
	backoff?: Partial<Backoff>;
	/** The random pause before a `key` op (§4.4); tests pass a seeded or zero one. */
	keyPause?: () => Promise<void>;
	/** Clock (ms); tests may move it. */
	now?: () => number;
	/**
	 * The store was just restored from a backup: every group starts a new epoch before this
	 * device sends in it, so no counter the backed-up copy used is used again (P6, §8).
	 */
	restored?: boolean;
}

export class UnseenClient implements UnseenClientApi {
	readonly #core: ClientCore;
	readonly #moderator: ModeratorPin;
	readonly #safety = new views.SafetyNumbers();
	#restored: boolean;

	constructor(options: ClientOptions) {
		const clock = options.now ?? Date.now;
		this.#restored = options.restored === true;
		const conn = new ConnectionPool({ url: options.relayUrl, WebSocket: options.WebSocket, backoff: options.backoff });
		// Epoch ages are in relay time (§3.5): correct our clock by the offset seen in the hello.
		this.#core = new ClientCore(conn, options.store, options.origin, () => clock() + conn.clockOffset, clock);
		if (options.keyPause) this.#core.keyPause = options.keyPause;
		this.#moderator = new ModeratorPin(this.#core);
		conn.onKeyBanned = (key) => keyBanned(this.#core, key);
		conn.onState((state) => this.#core.emit({ type: 'connection', state }));
		conn.onOnline((key) => {
			// Every connection gets the same relay's hello: check the moderator key on each.
			void this.#moderator.check().catch(() => undefined);
			for (const g of this.#core.groups.values()) {
				if (g.session.me !== key) continue;
				void pump(this.#core, g);
				void runDue(this.#core, g);
			}
			void sponsors.runSponsorDue(this.#core);
		});
	}

	get connection(): ConnectionState {
		return this.#core.conn.state;
	}

	/** The connections, for tests and diagnostics. */
	get transport(): ConnectionPool {
		return this.#core.conn;
	}

	async start(): Promise<void> {
		const core = this.#core;
		core.requireUnlocked();
		await ready();
		core.primitives = sodiumPrimitives();
		const saved = await getJson(core.store, keys.device);
		core.device = saved ? DeviceState.fromJSON(saved) : DeviceState.create();
		if (!saved) await putJson(core.store, keys.device, core.device.toJSON());
		await this.#moderator.load();
		for (const [group, nonce] of Object.entries(core.device.groups)) {
			const g = await GroupHandle.load(core.store, group, core.device.identity(nonce), core.primitives, core.sessionOptions);
			if (!g) continue;
			if (this.#restored) {
				// Persisted before anything can be sent: a reload before the rekey still rekeys.
				g.session.markRestored();
				g.markDirty();
				await g.save();
			}
			await attach(core, g);
		}
		this.#restored = false;
		core.startPruning();
		core.conn.start();
		core.emit({ type: 'groups' });
		void sponsors.runSponsorDue(core);
	}

	async stop(): Promise<void> {
		this.#core.stopPruning();
		this.#core.stopWaking();
		this.#core.conn.stop();
		if (!this.#core.locked) await this.#core.flushSaves();
	}

	lock(): Promise<void> {
		return lockClient(this.#core);
	}

	on(listener: (event: ClientEvent) => void): () => void {
		this.#core.listeners.add(listener);
		return () => this.#core.listeners.delete(listener);
	}

	groups(): GroupSummary[] {
		return [...this.#core.groups.values()]
			.map((g) => this.#summary(g))
			.filter((s): s is GroupSummary => s !== null)
			.sort((a, b) => b.lastActivity - a.lastActivity);
	}

	summary(group: string): GroupSummary | null {
		const g = this.#core.groups.get(group);
		return g ? this.#summary(g) : null;
	}

	#summary(g: GroupHandle): GroupSummary | null {
		const out = views.summary(g);
		if (!out) return null;
		const core = this.#core;
		const running = (pair: string) => {
			const p = core.groups.get(pair);
			return !!p && !p.session.state?.ended && !p.session.data.removed;
		};
		const sponsorship = sponsorshipView(g, core.now(), running);
		if (sponsorship) out.sponsorship = sponsorship;
		const pair = pairView(g, (group, sign) => core.groups.get(group)?.sponsorship.data.offers[sign]?.quiet);
		if (pair) {
			const met = metGroup(core, g);
			out.pairWith = { ...pair, metReport: 'why' in met ? { ok: false, why: met.why } : { ok: true } };
		}
		return out;
	}

	members(group: string): MemberView[] {
		const g = this.#core.groups.get(group);
		return g ? views.members(g) : [];
	}

	safetyNumber(group: string, member: string): { digits: string; emoji: string } | null {
		const g = this.#core.groups.get(group);
		return g ? views.safetyWith(g, member, this.#safety) : null;
	}

	messages(group: string): ChatMessage[] {
		return this.#core.groups.get(group)?.transcript.history.list() ?? [];
	}

	olderMessages(group: string): boolean {
		const g = this.#core.groups.get(group);
		return !!g && !g.transcript.history.complete;
	}

	async readOlder(group: string, all = false): Promise<void> {
		const g = this.#core.group(group);
		if (g.transcript.history.complete) return;
		if (all) await g.readHistory();
		else await g.transcript.readEarlier();
		this.#core.emit({ type: 'messages', group });
	}

	warnings(group: string): Warning[] {
		return [...(this.#core.groups.get(group)?.transcript.warnings ?? [])];
	}

	/** The verified group state (not part of the UI contract; for tests and diagnostics). */
	state(group: string): GroupState | null {
		return this.#core.groups.get(group)?.session.state ?? null;
	}

	invites(group: string): InviteView[] {
		const g = this.#core.groups.get(group);
		return g ? views.invites(g) : [];
	}

	createGroup(options: CreateGroupOptions): Promise<string> {
		return createGroup(this.#core, options);
	}

	async createInvite(group: string, options: { expiresInMs: number; maxUses: number; role: 'member' | 'listener' }): Promise<InviteView> {
		const g = this.#core.group(group);
		const { secret, key } = newInvite(group);
		try {
			// The link is kept before the op leaves: act announces the new invite as soon as it is
			// applied, and the invite screen must never show it without its link (views name the
			// current head in it, §7). An invite that never reached the log takes its link along.
			g.invites.set(key, inviteLink(this.#core.origin, group, secret, g.session.state!.head));
			try {
				await act(this.#core, g, () => ({ kind: 'invite', secret, expires: this.#core.now() + options.expiresInMs, maxUses: options.maxUses, role: options.role }));
			} catch (error) {
				g.invites.forget(key);
				throw error;
			}
			await g.save();
		} finally {
			sodium().memzero(secret);
		}
		this.#core.emit({ type: 'members', group });
		return views.invites(g).find((i) => i.key === key)!;
	}

	async revokeInvite(group: string, key: string): Promise<void> {
		await act(this.#core, this.#core.group(group), () => ({ kind: 'revoke', key }));
		this.#core.emit({ type: 'members', group });
	}

	async previewInvite(link: string): Promise<InvitePreview> {
		const { primitives } = this.#core.requireDevice();
		const fetched = await this.#core.conn.once((conn) => fetchInvite(conn, link, primitives));
		try {
			return fetched.preview;
		} finally {
			sodium().memzero(fetched.secret);
		}
	}

	joinWithInvite(link: string, pseudonym: string, note?: string): Promise<string> {
		return joinWithInvite(this.#core, link, pseudonym, note);
	}

	joinRequests(group: string): JoinRequestView[] {
		const g = this.#core.groups.get(group);
		return g ? approval.joinRequests(g) : [];
	}

	async approveRequest(group: string, sign: string): Promise<void> {
		await approval.approve(this.#core, this.#core.group(group), sign);
	}

	async declineRequest(group: string, sign: string): Promise<void> {
		await approval.decline(this.#core, this.#core.group(group), sign);
	}

	async withdrawRequest(group: string): Promise<void> {
		await approval.withdraw(this.#core, this.#core.group(group));
	}

	offerPair(): Promise<string> {
		return offerPair(this.#core);
	}

	createPair(code: string, pseudonym: string): Promise<string> {
		return createPair(this.#core, code, pseudonym);
	}

	acceptPair(group: string, code: string, pseudonym: string): Promise<string> {
		return acceptPair(this.#core, group, code, pseudonym);
	}

	async endPair(group: string): Promise<void> {
		await act(this.#core, this.#core.group(group), () => ({ kind: 'end' }));
	}

	offerSponsor(group: string, offer: { intro: string; places: number; quiet?: QuietHours }): Promise<void> {
		return sponsors.offerSponsor(this.#core, group, offer);
	}

	withdrawSponsor(group: string): Promise<void> {
		return sponsors.withdrawSponsor(this.#core, group);
	}

	setSponsoring(group: string, on: boolean): Promise<void> {
		return sponsors.setSponsoring(this.#core, group, on);
	}

	askSponsor(group: string, sponsor: string, note: string): Promise<string> {
		return sponsors.askSponsor(this.#core, group, sponsor, note);
	}

	withdrawAsk(group: string, id: string): Promise<void> {
		return sponsors.withdrawAsk(this.#core, group, id);
	}

	acceptAsk(group: string, id: string): Promise<void> {
		return sponsors.acceptAsk(this.#core, group, id);
	}

	joinUnlinked(group: string, id: string): Promise<void> {
		return sponsors.joinUnlinked(this.#core, group, id);
	}

	declineAsk(group: string, id: string, note: string): Promise<void> {
		return sponsors.declineAsk(this.#core, group, id, note);
	}

	endPairKindly(pair: string, word: string): Promise<void> {
		return sponsors.endPair(this.#core, pair, word);
	}

	blockPartner(pair: string): Promise<void> {
		return sponsors.blockPartner(this.#core, pair);
	}

	async send(group: string, message: { text: string; cw?: string; replyTo?: string }): Promise<void> {
		const reply = message.replyTo ? parseMessageId(message.replyTo) : null;
		const content: Content = { t: 'text', text: message.text, ...(message.cw ? { cw: message.cw } : {}), ...(reply ? { reply } : {}) };
		const g = this.#core.group(group);
		this.#refuseLinks(g, message.text, message.cw);
		await enqueueContent(this.#core, g, content);
	}

	/** The link limit (§13.7): a text with a link I may not post is refused before anything is sealed. */
	#refuseLinks(g: GroupHandle, ...texts: (string | undefined)[]): void {
		if (texts.some((t) => t !== undefined && containsLink(t))) may.enforce(may.link(g.session.data.log, g.session.me));
	}

	async setSafety(group: string, safety: { slow: number; links: 'any' | 'none'; approve?: boolean }): Promise<void> {
		const g = this.#core.group(group);
		await act(this.#core, g, () => {
			const log = g.session.state;
			if (!log) throw new ProtocolError('PROTOCOL_UNKNOWN_MEMBER', 'you are not a member of this group');
			// Off is written as absent (§3.2), so a group that never used these keeps its settings as they were.
			const { slow: _slow, links: _links, approve: _approve, ...rest } = log.settings;
			const approve = safety.approve ?? log.settings.approve === true;
			const settings = { ...rest, ...(safety.slow > 0 ? { slow: safety.slow } : {}), ...(safety.links === 'none' ? { links: 'none' as const } : {}), ...(approve ? { approve: true as const } : {}) };
			return { kind: 'settings', settings, name: g.session.data.name, description: g.session.data.description };
		});
	}

	async warnFromReport(group: string, caseId: string, member: string, text: string): Promise<void> {
		// Checked before the note leaves: a report already resolved (by me or another moderator) is not acted on twice.
		const c = reporting.reportCase(this.#core, group, caseId);
		if (!c) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'that report is not in this inbox');
		if (c.state === 'resolved') throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'this report is already resolved');
		await this.warn(group, member, text);
		await recordOutcome(this.#core, group, caseId, 'warned');
	}

	async shareProgress(group: string, item: ProgressItem): Promise<void> {
		await enqueueContent(this.#core, this.#core.group(group), { t: 'progress', item });
	}

	async retry(group: string, messageId: string): Promise<void> {
		const g = this.#core.group(group);
		const item = g.outbox.items.find((o) => o.id === messageId);
		if (!item || item.status !== 'failed') return;
		item.status = 'sending';
		delete item.error;
		g.outbox.touch(item);
		g.transcript.history.setStatus(item.id, 'sending');
		await g.save();
		this.#core.emit({ type: 'messages', group });
		void pump(this.#core, g);
	}

	async react(group: string, messageId: string, emoji: string): Promise<void> {
		await enqueueContent(this.#core, this.#core.group(group), { t: 'react', to: this.#address(messageId), emoji });
	}

	async edit(group: string, messageId: string, text: string): Promise<void> {
		const g = this.#core.group(group);
		this.#refuseLinks(g, text);
		await enqueueContent(this.#core, g, { t: 'edit', to: this.#ownAddress(group, messageId), text });
	}

	async deleteMessage(group: string, messageId: string): Promise<void> {
		await enqueueContent(this.#core, this.#core.group(group), { t: 'delete', to: this.#ownAddress(group, messageId) });
	}

	markRead(group: string): void {
		const g = this.#core.groups.get(group);
		if (!g || this.#core.locked || g.session.data.unread === 0) return;
		g.session.markRead();
		g.markDirty();
		this.#core.scheduleSave(g);
		this.#core.emit({ type: 'groups' });
	}

	async setRole(group: string, member: string, role: Role): Promise<void> {
		await act(this.#core, this.#core.group(group), () => ({ kind: 'role', target: member, role }));
	}

	async remove(group: string, member: string): Promise<void> {
		await act(this.#core, this.#core.group(group), () => ({ kind: 'remove', target: member }));
	}

	async leave(group: string): Promise<void> {
		const g = this.#core.group(group);
		// Removed already: nothing to tell the group, only this device's copy to drop.
		if (!g.session.data.removed) await act(this.#core, g, () => ({ kind: 'leave' }));
		await forget(this.#core, g);
	}

	/**
	 * A listener asks to speak: where the group lets listeners switch, they switch (a `role` op);
	 * elsewhere an `ask` op (§3.3) shows admins the request until one of them answers.
	 */
	async askToSpeak(group: string): Promise<void> {
		const g = this.#core.group(group);
		// The same answers the listener's screen shows (GroupSummary.can); asking twice does nothing.
		const can = views.summary(g)?.can;
		if (can?.speak) await act(this.#core, g, () => ({ kind: 'role', target: g.session.me, role: 'member' }));
		else if (can?.askToSpeak) await act(this.#core, g, () => ({ kind: 'ask' }));
	}

	async hide(group: string, messageId: string): Promise<void> {
		const g = this.#core.group(group);
		// A message named from a report may be older than the messages read so far (§8 "Message index").
		if (!g.transcript.history.get(messageId)) await g.readHistory();
		const target = g.transcript.history.get(messageId);
		if (target?.kind === 'system') throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'only messages can be hidden, not notices about the group');
		const seq = target?.seq;
		if (!seq) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'that message has not been stored by the relay yet');
		await act(this.#core, g, () => ({ kind: 'hide', seq }));
		this.#core.emit({ type: 'messages', group });
	}

	async unhide(group: string, messageId: string): Promise<void> {
		const g = this.#core.group(group);
		// A message named from a report may be older than the messages read so far (§8 "Message index").
		if (!g.transcript.history.get(messageId)) await g.readHistory();
		const target = g.transcript.history.get(messageId);
		if (!target || target.kind === 'system' || !target.seq) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'only a hidden message can be shown again');
		const seq = target.seq;
		await act(this.#core, g, () => ({ kind: 'unhide', seq }));
		this.#core.emit({ type: 'messages', group });
	}

	async warn(group: string, member: string, text: string): Promise<void> {
		const g = this.#core.group(group);
		await act(this.#core, g, () => ({ kind: 'warn', target: member, text }));
		this.#core.emit({ type: 'messages', group });
	}

	async mute(group: string, member: string, seconds: number): Promise<void> {
		const g = this.#core.group(group);
		await act(this.#core, g, () => ({ kind: 'mute', target: member, duration: seconds }));
		this.#core.emit({ type: 'members', group });
		this.#core.emit({ type: 'groups' });
	}

	async markVerified(group: string, member: string, verified: boolean): Promise<void> {
		const g = this.#core.group(group);
		g.verifications.set(member, verified, g.session.data.profiles[member] ?? null);
		await g.save();
		this.#core.emit({ type: 'members', group });
	}

	async block(group: string, member: string, blocked: boolean): Promise<void> {
		const g = this.#core.group(group);
		if (member === g.session.data.me) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'you cannot block yourself');
		g.blocks.set(member, blocked);
		await g.save();
		this.#core.emit({ type: 'members', group });
		this.#core.emit({ type: 'messages', group });
	}

	report(group: string, messageIds: string[], note: string, service: boolean): Promise<void> {
		return reporting.report(this.#core, this.#moderator, group, messageIds, note, service);
	}

	async takeReport(group: string, id: string): Promise<void> {
		await takeCase(this.#core, group, id);
	}

	async resolveReport(group: string, id: string, outcome: Outcome): Promise<void> {
		await recordOutcome(this.#core, group, id, outcome);
	}

	async noteReport(group: string, id: string, text: string): Promise<void> {
		await noteCase(this.#core, group, id, text);
	}

	reportCase(group: string, caseId: string): CaseView | null {
		return reporting.reportCase(this.#core, group, caseId);
	}

	myReports(group: string): MyReportView[] {
		return reporting.myReports(this.#core, group);
	}

	dismissMyReport(group: string, id: string): Promise<void> {
		return reporting.dismissMyReport(this.#core, group, id);
	}

	reportReaders(group: string, messageIds: string[]): ReportReadersView {
		return reporting.reportReaders(this.#core, group, messageIds);
	}

	/** Moderator inbox: the group's reports addressed to me, each message verified (P8). */
	reports(group: string): Promise<ReportView[]> {
		return reporting.reports(this.#core, group);
	}

	serviceRemovals(group: string): ServiceRemovals {
		return serviceRemovals(this.#core, group);
	}

	serviceModerator(): ServiceModeratorView | null {
		return this.#core.locked ? null : this.#moderator.view();
	}

	async acceptServiceModerator(fingerprint: string): Promise<void> {
		this.#core.requireUnlocked();
		await this.#moderator.accept(fingerprint);
	}

	#address(messageId: string) {
		const address = parseMessageId(messageId);
		if (!address) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'that message has not been sent yet');
		return address;
	}

	#ownAddress(group: string, messageId: string) {
		const address = this.#address(messageId);
		if (address.sender !== this.#core.group(group).session.me) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'only your own messages can be changed');
		return address;
	}
}
