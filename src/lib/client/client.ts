/**
 * The headless Unseen client (issue 3 item 8): the UI's only door to the relay and the crypto.
 * It owns the device state, one GroupHandle per group, the connection, the per-group outbox
 * pumps and the member actions; every change is persisted through the Store and announced
 * with a ClientEvent.
 */
import type { ChatMessage, ClientEvent, ConnectionState, CreateGroupOptions, GroupSummary, InvitePreview, InviteView, MemberView, ReportView, Store, UnseenClientApi, Warning } from './api.ts';
import { Connection, RelayError, type Backoff, type EntryFrame } from './connection.ts';
import { GroupHandle } from './group.ts';
import { parseMessageId } from './history.ts';
import { catchUp, enqueue, sendItem } from './outbox.ts';
import { getJson, keys, putJson, deletePrefix } from './store.ts';
import * as views from './views.ts';
import { fetchInvite, type FetchedInvite } from './invites.ts';
import { fetchReports, sendReport } from './reports.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { Role } from '../protocol/schema.ts';
import { buildGenesis, buildJoin } from '../protocol/group/build.ts';
import { opHashB64 } from '../protocol/group/state.ts';
import type { GroupState, Primitives } from '../protocol/group/types.ts';
import { DeviceState } from '../protocol/session/device.ts';
import { GroupSession } from '../protocol/session/session.ts';
import { buildAction, newMid, type Action } from '../protocol/session/send.ts';
import type { Content } from '../protocol/session/types.ts';
import { inviteLink, newInvite } from '../crypto/invite.ts';
import { sodiumPrimitives } from '../crypto/primitives.ts';
import { ready, sodium } from '../crypto/sodium.ts';

export interface ClientOptions {
	relayUrl: string;
	store: Store;
	origin: string;
	WebSocket?: typeof WebSocket;
	backoff?: Partial<Backoff>;
	/** Clock (ms); tests may move it. */
	now?: () => number;
}

/** Default scheduled key rotation for new groups (P5): weekly. */
export const DEFAULT_ROTATE_SECONDS = 7 * 24 * 60 * 60;

export class UnseenClient implements UnseenClientApi {
	readonly #conn: Connection;
	readonly #store: Store;
	readonly #origin: string;
	readonly #now: () => number;
	readonly #groups = new Map<string, GroupHandle>();
	readonly #listeners = new Set<(event: ClientEvent) => void>();
	readonly #pumping = new Set<string>();
	readonly #saveTimers = new Map<string, ReturnType<typeof setTimeout>>();
	#device: DeviceState | null = null;
	#primitives: Primitives | null = null;

	constructor(options: ClientOptions) {
		this.#store = options.store;
		this.#origin = options.origin;
		const clock = options.now ?? Date.now;
		// Epoch ages are in relay time (§3.5): correct our clock by the offset seen in the hello.
		this.#now = () => clock() + this.#conn.clockOffset;
		this.#conn = new Connection({ url: options.relayUrl, WebSocket: options.WebSocket, backoff: options.backoff });
		this.#conn.onState((state) => this.#emit({ type: 'connection', state }));
		this.#conn.onOnline(() => {
			for (const g of this.#groups.values()) void this.#pump(g);
		});
	}

	get connection(): ConnectionState {
		return this.#conn.state;
	}

	/** The connection, for tests and diagnostics. */
	get transport(): Connection {
		return this.#conn;
	}

	async start(): Promise<void> {
		await ready();
		this.#primitives = sodiumPrimitives();
		const saved = await getJson(this.#store, keys.device);
		this.#device = saved ? DeviceState.fromJSON(saved) : DeviceState.create();
		if (!saved) await putJson(this.#store, keys.device, this.#device.toJSON());
		for (const [group, nonce] of Object.entries(this.#device.groups)) {
			const g = await GroupHandle.load(this.#store, group, this.#device.identity(nonce), this.#primitives);
			if (g) await this.#attach(g);
		}
		this.#conn.start();
		this.#emit({ type: 'groups' });
	}

	async stop(): Promise<void> {
		this.#conn.stop();
		for (const timer of this.#saveTimers.values()) clearTimeout(timer);
		this.#saveTimers.clear();
		for (const g of this.#groups.values()) await g.save();
	}

	on(listener: (event: ClientEvent) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	groups(): GroupSummary[] {
		return [...this.#groups.values()]
			.map(views.summary)
			.filter((s): s is GroupSummary => s !== null)
			.sort((a, b) => b.lastActivity - a.lastActivity);
	}

	members(group: string): MemberView[] {
		const g = this.#groups.get(group);
		return g ? views.members(g) : [];
	}

	messages(group: string): ChatMessage[] {
		return this.#groups.get(group)?.history.list() ?? [];
	}

	warnings(group: string): Warning[] {
		return [...(this.#groups.get(group)?.warnings ?? [])];
	}

	/** The verified group state (not part of the UI contract; for tests and diagnostics). */
	state(group: string): GroupState | null {
		return this.#groups.get(group)?.session.state ?? null;
	}

	invites(group: string): InviteView[] {
		const g = this.#groups.get(group);
		return g ? views.invites(g) : [];
	}

	async createGroup(options: CreateGroupOptions): Promise<string> {
		const device = this.#requireDevice();
		const nonce = device.newNonce();
		const id = device.identity(nonce);
		const settings = { retention: options.retention, rotate: options.rotate ?? DEFAULT_ROTATE_SECONDS, invite: options.invite, listeners: options.listeners, listenersMaySpeak: options.listenersMaySpeak, pair: false };
		const { op, secret } = buildGenesis(id, { settings, content: { name: options.name, description: options.description, profile: { name: options.pseudonym } } });
		sodium().memzero(secret);
		const group = opHashB64(op, this.#primitives!);
		const g = GroupHandle.fresh(this.#store, GroupSession.create(group, nonce, id, this.#primitives!));
		await this.#addKey(g);
		await this.#conn.request({ t: 'append', group, mid: newMid(), entry: { op } });
		device.remember(group, nonce);
		await putJson(this.#store, keys.device, device.toJSON());
		await this.#attach(g);
		await g.waitFor(1);
		await g.save();
		this.#emit({ type: 'groups' });
		return group;
	}

	async createInvite(group: string, options: { expiresInMs: number; maxUses: number; role: 'member' | 'listener' }): Promise<InviteView> {
		const g = this.#group(group);
		const { secret, key } = newInvite(group);
		try {
			await this.#act(g, () => ({ kind: 'invite', secret, expires: this.#now() + options.expiresInMs, maxUses: options.maxUses, role: options.role }));
			await g.saveInviteLink(key, inviteLink(this.#origin, group, secret));
		} finally {
			sodium().memzero(secret);
		}
		this.#emit({ type: 'members', group });
		return views.invites(g).find((i) => i.key === key)!;
	}

	async revokeInvite(group: string, key: string): Promise<void> {
		await this.#act(this.#group(group), () => ({ kind: 'revoke', key }));
		this.#emit({ type: 'members', group });
	}

	async previewInvite(link: string): Promise<InvitePreview> {
		const fetched = await fetchInvite(this.#conn, link, this.#primitives!);
		try {
			return fetched.preview;
		} finally {
			sodium().memzero(fetched.secret);
		}
	}

	async joinWithInvite(link: string, pseudonym: string): Promise<string> {
		const device = this.#requireDevice();
		let fetched: FetchedInvite | null = null;
		for (let attempt = 0; attempt < 4; attempt++) {
			fetched = await fetchInvite(this.#conn, link, this.#primitives!);
			const group = fetched.preview.group;
			if (this.#groups.has(group) && !this.#groups.get(group)!.session.data.removed) {
				sodium().memzero(fetched.secret);
				return group;
			}
			const nonce = device.newNonce();
			const id = device.identity(nonce);
			const session = GroupSession.create(group, nonce, id, this.#primitives!);
			session.replayInviteLog(fetched.ops);
			session.data.name = fetched.preview.name;
			session.data.description = fetched.preview.description;
			// Names travel in hellos; until the inviter speaks, the invite body is how we know theirs.
			if (fetched.preview.inviterName) session.data.profiles[fetched.inviter] = fetched.preview.inviterName;
			const { op, secret } = buildJoin(session.state!, id, fetched.secret, { profile: { name: pseudonym } });
			sodium().memzero(secret);
			const g = GroupHandle.fresh(this.#store, session);
			await this.#addKey(g);
			try {
				const ok = await this.#conn.request({ t: 'append', group, mid: newMid(), entry: { op } });
				sodium().memzero(fetched.secret);
				// Entries between the invite log and my join are messages of epochs I may not read.
				session.data.cursor = (ok.seq ?? 1) - 1;
				device.remember(group, nonce);
				await putJson(this.#store, keys.device, device.toJSON());
				this.#groups.delete(group);
				await this.#attach(g);
				await g.waitFor(ok.seq ?? 0);
				await g.save();
				this.#emit({ type: 'groups' });
				return group;
			} catch (error) {
				this.#conn.removeKey(session.me);
				if (error instanceof RelayError && error.code === 'RELAY_CONFLICT') continue;
				throw error;
			}
		}
		if (fetched) sodium().memzero(fetched.secret);
		throw new RelayError('RELAY_CONFLICT', 'the group kept changing while joining; try again');
	}

	async send(group: string, message: { text: string; cw?: string; replyTo?: string }): Promise<void> {
		const reply = message.replyTo ? parseMessageId(message.replyTo) : null;
		const content: Content = { t: 'text', text: message.text, ...(message.cw ? { cw: message.cw } : {}), ...(reply ? { reply } : {}) };
		await this.#enqueue(this.#group(group), content);
	}

	async retry(group: string, messageId: string): Promise<void> {
		const g = this.#group(group);
		const item = g.outbox.find((o) => o.id === messageId);
		if (!item || item.status !== 'failed') return;
		item.status = 'sending';
		delete item.error;
		await g.saveOutbox(item);
		g.history.setStatus(item.id, 'sending');
		this.#emit({ type: 'messages', group });
		void this.#pump(g);
	}

	async react(group: string, messageId: string, emoji: string): Promise<void> {
		await this.#enqueue(this.#group(group), { t: 'react', to: this.#address(messageId), emoji });
	}

	async edit(group: string, messageId: string, text: string): Promise<void> {
		await this.#enqueue(this.#group(group), { t: 'edit', to: this.#ownAddress(group, messageId), text });
	}

	async deleteMessage(group: string, messageId: string): Promise<void> {
		await this.#enqueue(this.#group(group), { t: 'delete', to: this.#ownAddress(group, messageId) });
	}

	markRead(group: string): void {
		const g = this.#groups.get(group);
		if (!g || g.session.data.unread === 0) return;
		g.session.markRead();
		this.#scheduleSave(g);
		this.#emit({ type: 'groups' });
	}

	async setRole(group: string, member: string, role: Role): Promise<void> {
		await this.#act(this.#group(group), () => ({ kind: 'role', target: member, role }));
	}

	async remove(group: string, member: string): Promise<void> {
		await this.#act(this.#group(group), () => ({ kind: 'remove', target: member }));
	}

	async leave(group: string): Promise<void> {
		const g = this.#group(group);
		await this.#act(g, () => ({ kind: 'leave' }));
		await this.#forget(g);
	}

	async askToSpeak(group: string): Promise<void> {
		const g = this.#group(group);
		const log = g.session.state;
		const me = log?.members[g.session.me];
		if (!log || !me || me.role !== 'listener') return;
		// Listeners cannot post (the relay refuses them), so asking is switching where allowed.
		if (!log.settings.listenersMaySpeak) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'this group does not let listeners switch to speaking; ask an admin');
		await this.#act(g, () => ({ kind: 'role', target: g.session.me, role: 'member' }));
	}

	async hide(group: string, messageId: string): Promise<void> {
		const g = this.#group(group);
		const seq = g.history.get(messageId)?.seq;
		if (!seq) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'that message has not been stored by the relay yet');
		await this.#act(g, () => ({ kind: 'hide', seq }));
		this.#emit({ type: 'messages', group });
	}

	async markVerified(group: string, member: string, verified: boolean): Promise<void> {
		const g = this.#group(group);
		if (verified) g.verified[member] = { name: g.session.data.profiles[member] ?? null };
		else delete g.verified[member];
		await g.saveVerified();
		this.#emit({ type: 'members', group });
	}

	async report(group: string, messageIds: string[], note: string, service: boolean): Promise<void> {
		await sendReport(this.#conn, this.#group(group), messageIds, note, service);
	}

	/** Moderator inbox: the group's reports addressed to me, each message verified (P8). */
	async reports(group: string): Promise<ReportView[]> {
		return fetchReports(this.#conn, this.#group(group));
	}

	// ---- internals -------------------------------------------------------------------------

	#requireDevice(): DeviceState {
		if (!this.#device || !this.#primitives) throw new ProtocolError('PROTOCOL_LOCKED', 'call start() first');
		return this.#device;
	}

	#group(group: string): GroupHandle {
		const g = this.#groups.get(group);
		if (!g) throw new ProtocolError('PROTOCOL_UNKNOWN_MEMBER', 'unknown group');
		return g;
	}

	#address(messageId: string) {
		const address = parseMessageId(messageId);
		if (!address) throw new ProtocolError('PROTOCOL_BAD_FRAME', 'that message has not been sent yet');
		return address;
	}

	#ownAddress(group: string, messageId: string) {
		const address = this.#address(messageId);
		if (address.sender !== this.#group(group).session.me) throw new ProtocolError('PROTOCOL_NOT_ALLOWED', 'only your own messages can be changed');
		return address;
	}

	async #addKey(g: GroupHandle): Promise<void> {
		const signSk = g.session.id.signSk;
		await this.#conn.addKey(g.session.me, (m) => sodium().crypto_sign_detached(m, signSk));
	}

	async #attach(g: GroupHandle): Promise<void> {
		this.#groups.set(g.id, g);
		if (g.session.data.removed) return;
		if (!this.#conn.hasKey(g.session.me)) await this.#addKey(g);
		await this.#conn
			.subscribe({
				group: g.id,
				as: g.session.me,
				cursor: g.cursor,
				onEntry: (frame) => this.#onEntry(g, frame),
				onProgress: ({ head, live }) => {
					g.sync = live ? null : { start: g.cursor, head };
					this.#emit({ type: 'groups' });
				},
				onRefused: () => undefined
			})
			.catch(() => undefined);
	}

	#onEntry(g: GroupHandle, frame: EntryFrame): void {
		const wasRemoved = g.session.data.removed;
		const item = frame.stamp ? { seq: frame.seq, ts: frame.ts, entry: frame.entry, stamp: frame.stamp } : { seq: frame.seq, ts: frame.ts, entry: frame.entry };
		g.apply(item, {
			messages: () => this.#emit({ type: 'messages', group: g.id }),
			members: () => this.#emit({ type: 'members', group: g.id }),
			warning: (warning) => this.#emit({ type: 'warning', group: g.id, warning }),
			removed: () => this.#emit({ type: 'removed', group: g.id })
		});
		this.#scheduleSave(g);
		this.#emit({ type: 'groups' });
		if (!wasRemoved && g.session.data.removed) void this.#conn.unsubscribe(g.id);
		// After a leave, one member (the smallest key, so members do not race) rekeys at once (P5).
		if ('op' in frame.entry && frame.entry.op.kind === 'leave' && !g.sync && g.session.rekeyDue(this.#now())) {
			const log = g.session.state!;
			if (Object.keys(log.members).sort()[0] === g.session.me) void this.#act(g, () => ({ kind: 'rekey' })).catch(() => undefined);
		}
	}

	#scheduleSave(g: GroupHandle): void {
		if (this.#saveTimers.has(g.id)) return;
		this.#saveTimers.set(
			g.id,
			setTimeout(() => {
				this.#saveTimers.delete(g.id);
				void g.save();
			}, 20)
		);
	}

	async #enqueue(g: GroupHandle, content: Content): Promise<void> {
		const queued = await enqueue(g, content, this.#now());
		if (queued.content.t === 'text') this.#emit({ type: 'messages', group: g.id });
		void this.#pump(g);
	}

	/** Sends the group's outbox in order while online; one pump per group at a time. */
	async #pump(g: GroupHandle): Promise<void> {
		if (this.#pumping.has(g.id)) return;
		this.#pumping.add(g.id);
		let stalled = false;
		try {
			while (this.#conn.state === 'online') {
				const item = g.outbox.find((o) => o.status === 'sending');
				if (!item) break;
				const result = await sendItem(this.#conn, g, item, this.#now);
				this.#emit({ type: 'messages', group: g.id });
				if (result === 'offline') {
					stalled = true;
					break;
				}
			}
		} finally {
			this.#pumping.delete(g.id);
		}
		if (!g.outbox.some((o) => o.status === 'sending') || this.#conn.state !== 'online') return;
		// A transport failure while the socket still looks open (it is closing, or a reply timed
		// out): try again after a pause. Retrying at once would spin without ever letting the
		// close event in. Otherwise something was queued as the last send finished.
		if (stalled) setTimeout(() => void this.#pump(g), 1_000);
		else void this.#pump(g);
	}

	/** Appends a member action, rebasing on RELAY_CONFLICT (§3.5), and waits until it is applied. */
	async #act(g: GroupHandle, action: () => Action): Promise<number> {
		for (let attempt = 0; attempt < 5; attempt++) {
			const a = action();
			if (a.kind === 'rekey' && !g.session.rekeyDue(this.#now())) return g.cursor;
			const op = buildAction(g.session, a, this.#now());
			try {
				const ok = await this.#conn.request({ t: 'append', group: g.id, mid: newMid(), entry: { op } });
				await g.waitFor(ok.seq ?? 0);
				this.#emit({ type: 'members', group: g.id });
				this.#emit({ type: 'groups' });
				return ok.seq ?? 0;
			} catch (error) {
				if (error instanceof RelayError && error.code === 'RELAY_CONFLICT') {
					await catchUp(g);
					continue;
				}
				throw error;
			}
		}
		throw new RelayError('RELAY_CONFLICT', 'the group kept changing; try again');
	}

	async #forget(g: GroupHandle): Promise<void> {
		clearTimeout(this.#saveTimers.get(g.id));
		this.#saveTimers.delete(g.id);
		await this.#conn.unsubscribe(g.id);
		this.#conn.removeKey(g.session.me);
		this.#groups.delete(g.id);
		this.#device!.forget(g.id);
		await putJson(this.#store, keys.device, this.#device!.toJSON());
		await g.save();
		await deletePrefix(this.#store, keys.group(g.id));
		this.#emit({ type: 'groups' });
	}

	#emit(event: ClientEvent): void {
		for (const listener of this.#listeners) {
			try {
				listener(event);
			} catch {
				// A failing listener must not break the client.
			}
		}
	}
}
