/**
 * The one app-wide state: which phase the device is in (new, locked, ready), the running client,
 * and its per-group views (groups.svelte.ts), which change only on their own group's events.
 * Components call these actions; none of them touches crypto.
 */
import type { ClientEvent, ConnectionState, ServiceModeratorView, UnseenClientApi, Warning } from '../client/api.ts';
import { createClient } from '../client/index.ts';
import { Device } from '../storage/device.ts';
import { idbBackend } from '../storage/idb.ts';
import { warningText } from '../words/warnings.ts';
import type { SealedStore } from '../storage/sealed-store.ts';
import { GroupViews, type GroupView } from './groups.svelte.ts';
import { Lazy } from './lazy.svelte.ts';
import { put } from '../storage/kv.ts';
import { TabSession } from './tab-session.ts';
import { ProgressBook } from '../client/progress.ts';
import { RECORDS_SET_ASIDE } from '../words/device.ts';

/** `elsewhere`: another tab owns the session (tab-session.ts), or wiped the device. */
export type Phase = 'loading' | 'new' | 'locked' | 'ready' | 'failed' | 'elsewhere';

const PROFILE_KEY = 'ui/profile';
/** Set once the "no passphrase" reminder was shown: it is shown once, on a later visit (issue 16). */
const PASSPHRASE_REMINDED_KEY = 'ui/passphrase-reminded';

/** A screen of a group besides its chat (`people`, `invite`, `reports`, …): `/g/<alias>/<section>`. */
export type GroupSection = string;

export interface Notice {
	id: number;
	text: string;
	group?: string;
}

class AppState {
	phase = $state<Phase>('loading');
	/**
	 * Ready, but the client is still loading the groups from this device: pages say "Opening…"
	 * rather than "no groups" or "this group is not on this device" (slow on a busy phone).
	 */
	starting = $state(false);
	connection = $state<ConnectionState>('connecting');
	/** Heard when any group's messages change (the content-free notification, ui/notify.svelte.ts). */
	onMessages: (() => void) | null = null;
	/** The running client's group views; null while locked. */
	#groups = $state.raw<GroupViews | null>(null);
	hasPassphrase = $state(false);
	/** This visit shows the one gentle reminder that no passphrase was set (never on the first visit). */
	passphraseReminder = $state(false);
	/** The default pseudonym chosen at onboarding (each group may use another). */
	profileName = $state('');
	notices = $state<Notice[]>([]);
	/** A join request of mine that ended without my being let in (§13.8): its group is gone; its page says so calmly. */
	requestEnded = $state<{ group: string; how: 'declined' | 'withdrawn' | 'link' } | null>(null);
	failure = $state('');
	/** A lock in progress: unlocking waits for it, so an old client never outlives a new one. */
	#locking: Promise<void> | null = null;
	/** Work that must reach the client before its keys go (a delete still in its undo time). */
	readonly #beforeLock = new Set<(client: UnseenClientApi) => Promise<void>>();
	/** An invite link waiting for onboarding to finish. Memory only: it holds a secret. */
	pendingInvite: string | null = null;

	#device: Device | null = null;
	#store: SealedStore | null = null;
	#client: ReturnType<typeof createClient> | null = null;
	#unsubscribe: (() => void) | null = null;
	#noticeId = 0;
	/** Group id → its page alias on this device (groupHref); forgotten on lock. */
	#aliases = new Map<string, string>();
	// The browser knows first when the network goes: close the socket at once (the outbox keeps
	// what is written meanwhile) and reconnect as soon as it is back, without waiting for a backoff.
	#onBrowserOffline = () => this.#client?.transport.stop();
	#onBrowserOnline = () => this.#client?.transport.start();
	// Pinned on first use without an event of its own: re-read, when shown, after any event.
	#serviceModerator = new Lazy(() => (this.#client && this.phase === 'ready' ? this.#client.serviceModerator() : null));

	get client(): UnseenClientApi {
		if (!this.#client) throw new Error('the app is locked');
		return this.#client;
	}

	/** Counters and check-ins on this device (issue 11), in the sealed store; throws while locked. */
	get progress(): ProgressBook {
		if (!this.#store) throw new Error('the app is locked');
		return new ProgressBook(this.#store);
	}

	get device(): Device {
		if (!this.#device) throw new Error('storage is not open');
		return this.#device;
	}

	/** Why this tab shows nothing: the app is open in another tab, or another tab wiped the device. */
	elsewhere = $state<'open' | 'wiped'>('open');
	#tabs = new TabSession({ handOver: () => this.#letGo('open'), wiped: () => void this.#letGo('wiped') });

	boot(): Promise<void> {
		return this.#start();
	}

	/** "Use it here": the tab that owns the session hands it over, then this tab starts. */
	async useHere(): Promise<void> {
		this.phase = 'loading';
		await this.#tabs.take();
		await this.#start();
	}

	/**
	 * Another tab takes the session or wipes the device: nothing stays on show, the client writes
	 * what is pending and wipes its keys, and the database is closed (so a wipe is never blocked).
	 */
	async #letGo(reason: 'open' | 'wiped'): Promise<void> {
		this.elsewhere = reason;
		this.phase = 'elsewhere';
		const device = this.#device;
		if (reason === 'wiped') device?.backend.close();
		await this.lockNow();
		device?.backend.close();
		if (this.#device === device) this.#device = null;
		this.profileName = '';
	}

	/** Takes the session for this tab; false (the database closed, the screen says so) when another tab has it. */
	async #claim(): Promise<boolean> {
		if (this.#tabs.owned || (await this.#tabs.claim())) return true;
		this.#device?.backend.close();
		this.#device = null;
		this.elsewhere = 'open';
		this.phase = 'elsewhere';
		return false;
	}

	#openDevice = async () => new Device(await idbBackend(undefined, () => void this.#letGo('open')));

	/**
	 * Opens the device in this tab. A new device has no client yet, so it is claimed only at
	 * onboarding (#claim); a device with data is claimed now, or shown as open elsewhere.
	 */
	async #start(): Promise<void> {
		try {
			this.#device = await this.#openDevice();
			const status = await this.#device.status();
			this.hasPassphrase = status === 'locked';
			this.#tabs.listen();
			if (status === 'new') this.phase = 'new';
			else if (!(await this.#claim())) return;
			else if (status === 'locked') this.phase = 'locked';
			else {
				await this.#open(await this.#device.unlock(null));
				if (this.#device?.setAside) this.#notify(RECORDS_SET_ASIDE);
			}
		} catch (error) {
			this.failure = error instanceof Error ? error.message : String(error);
			this.phase = 'failed';
		}
	}

	async onboard(pseudonym: string, passphrase: string | null): Promise<void> {
		if (!(await this.#claim())) return;
		const store = await this.device.create(passphrase);
		this.hasPassphrase = Boolean(passphrase);
		await store.batch([put(PROFILE_KEY, new TextEncoder().encode(JSON.stringify({ name: pseudonym })))]);
		await this.#open(store, false, true);
	}

	/** Throws PROTOCOL_WRONG_PASSPHRASE on a wrong passphrase; the data stays as it was. */
	async unlock(passphrase: string): Promise<void> {
		await this.#locking;
		await this.#open(await this.device.unlock(passphrase));
		if (this.device.setAside > 0) this.#notify(RECORDS_SET_ASIDE);
	}

	async restore(text: string, backupPassphrase: string, devicePassphrase: string | null): Promise<void> {
		if (!(await this.#claim())) return;
		const store = await this.device.restoreBackup(text, backupPassphrase, devicePassphrase);
		this.hasPassphrase = Boolean(devicePassphrase);
		// A backup's counters may have been used since it was made: new epochs before sending (P6).
		await this.#open(store, true, true);
	}

	async exportBackup(passphrase: string): Promise<string> {
		if (!this.#store) throw new Error('the app is locked');
		return this.device.exportBackup(this.#store, passphrase);
	}

	/** Adds a passphrase (current = null) or changes it; PROTOCOL_WRONG_PASSPHRASE if `current` is wrong. */
	async setPassphrase(current: string | null, next: string): Promise<void> {
		await this.device.setPassphrase(current, next);
		this.hasPassphrase = true;
		this.passphraseReminder = false;
	}

	/** "Not now" on the passphrase reminder (it was already recorded as shown). */
	dismissPassphraseReminder(): void {
		this.passphraseReminder = false;
	}

	/**
	 * "Lock now" (P10). The screen switches to the unlock view at once, so nothing stays on show
	 * while keys are wiped; then, in this order, the client writes what is pending and wipes its
	 * keys (client.lock), the storage key is zeroed (store.lock), and the client is dropped.
	 * Unlocking creates a new client. Calling it while a lock is under way waits for that one.
	 */
	/** Runs `hook` with the client at the start of every lock, before its keys are wiped. */
	onBeforeLock(hook: (client: UnseenClientApi) => Promise<void>): () => void {
		this.#beforeLock.add(hook);
		return () => this.#beforeLock.delete(hook);
	}

	lockNow(): Promise<void> {
		if (this.#locking) return this.#locking;
		const client = this.#client;
		const store = this.#store;
		this.phase = this.phase === 'ready' ? 'locked' : this.phase;
		this.notices = [];
		window.removeEventListener('offline', this.#onBrowserOffline);
		window.removeEventListener('online', this.#onBrowserOnline);
		this.#locking = (async () => {
			try {
				if (client) for (const hook of this.#beforeLock) await hook(client).catch(() => undefined);
				await client?.lock();
			} catch {
				// A failed flush must not keep the keys in memory: the store is locked regardless.
			} finally {
				this.#unsubscribe?.();
				this.#unsubscribe = null;
				store?.lock();
				if (this.#client === client) this.#client = null;
				if (this.#store === store) this.#store = null;
				this.#locking = null;
				this.#groups = null;
				this.#aliases.clear();
				this.#serviceModerator.invalidate();
			}
		})();
		return this.#locking;
	}

	/** The deployment moderator as pinned here, or null when the service has none. */
	serviceModerator(): ServiceModeratorView | null {
		return this.#serviceModerator.current;
	}

	/** Trusts the relay's new moderator keys (`offered`, the fingerprint the user compared). */
	async acceptServiceModerator(offered: string): Promise<void> {
		await this.client.acceptServiceModerator(offered);
		this.#serviceModerator.invalidate();
	}

	/** The groups on this device, most recent activity first (empty unless ready). */
	get groupList() {
		return this.phase === 'ready' ? (this.#groups?.list ?? []) : [];
	}

	/**
	 * The page address of group `id` on this device (§8 "Page addresses", P10): `/g/<alias>`, then
	 * the section. Never the group id, which browser history would keep; "/" while locked. Every
	 * link to a group screen is built here.
	 */
	groupHref(id: string, section?: GroupSection): string {
		const store = this.#store;
		if (!store || store.locked) return '/';
		let alias = this.#aliases.get(id);
		if (alias === undefined) {
			alias = store.routeAlias(id);
			this.#aliases.set(id, alias);
		}
		return `/g/${alias}${section ? `/${section}` : ''}`;
	}

	/** The group whose page alias (from `/g/<alias>`) is `alias`; undefined when none here has it, or locked. */
	groupIdOf(alias: string): string | undefined {
		return this.groupList.find((g) => this.groupHref(g.id) === `/g/${alias}`)?.id;
	}

	/** The reactive view of group `id`, or undefined when it is not on this device (or locked). */
	group(id: string): GroupView | undefined {
		return this.phase === 'ready' ? this.#groups?.get(id) : undefined;
	}

	async wipe(): Promise<void> {
		// Other tabs close their connections first (tab-session.ts, idb.ts), so the delete is not blocked.
		this.#tabs.announceWipe();
		await this.lockNow();
		await this.device.wipe();
		this.#device = await this.#openDevice();
		this.hasPassphrase = false;
		this.passphraseReminder = false;
		this.profileName = '';
		this.phase = 'new';
	}

	dismiss(id: number): void {
		this.notices = this.notices.filter((n) => n.id !== id);
	}

	/** The group's own screen says it now: its app-wide notices go, so nothing is said twice. */
	dismissGroupNotices(group: string): void {
		if (this.notices.some((n) => n.group === group)) this.notices = this.notices.filter((n) => n.group !== group);
	}

	#notify(text: string, group?: string): void {
		this.notices = [...this.notices.slice(-3), { id: ++this.#noticeId, text, ...(group ? { group } : {}) }];
	}

	async #open(store: SealedStore, restored = false, firstVisit = false): Promise<void> {
		this.#store = store;
		// No passphrase: remind once, on a later visit than the one that chose not to set one.
		if (!this.hasPassphrase && !(await store.get(PASSPHRASE_REMINDED_KEY))) {
			if (firstVisit) this.passphraseReminder = false;
			else {
				await store.batch([put(PASSPHRASE_REMINDED_KEY, new Uint8Array([1]))]);
				this.passphraseReminder = true;
			}
		}
		const profile = await store.get(PROFILE_KEY);
		this.profileName = profile ? (JSON.parse(new TextDecoder().decode(profile)) as { name: string }).name : '';
		const relayUrl = new URL('/relay', location.href);
		relayUrl.protocol = relayUrl.protocol === 'https:' ? 'wss:' : 'ws:';
		const client = createClient({ relayUrl: relayUrl.href, store, origin: location.origin, restored });
		this.#client = client;
		this.#groups = new GroupViews(client);
		this.#unsubscribe = client.on((event: ClientEvent) => this.#onEvent(event));
		this.connection = client.connection;
		this.starting = true;
		this.phase = 'ready';
		window.addEventListener('offline', this.#onBrowserOffline);
		window.addEventListener('online', this.#onBrowserOnline);
		try {
			await client.start();
		} finally {
			this.starting = false;
		}
		if (!navigator.onLine) client.transport.stop();
		this.#groups?.sync();
		this.#serviceModerator.invalidate();
	}

	#onEvent(event: ClientEvent): void {
		if (event.type === 'connection') this.connection = event.state;
		if (event.type === 'messages') this.onMessages?.();
		if (event.type === 'warning') this.#onWarning(event.group, event.warning);
		// Not about one group (the service moderator key changed): shown app-wide.
		if (event.type === 'service-warning') this.#notify(warningText(event.warning));
		// The client locked itself (or finished our lock): the same path as "Lock now".
		if (event.type === 'locked' && !this.#locking && this.phase === 'ready') void this.lockNow();
		if (event.type === 'request-ended') this.requestEnded = { group: event.group, how: event.how };
		if (event.type === 'removed') {
			const name = this.#client?.groups().find((g) => g.id === event.group)?.name ?? 'a group';
			this.#notify(`You are no longer a member of ${name}. Its messages were deleted from this device.`, event.group);
		}
		this.#groups?.onEvent(event);
		this.#serviceModerator.invalidate();
	}

	#onWarning(group: string, warning: Warning): void {
		if (warning.kind === 'fork' || warning.kind === 'tampered-log') this.#notify(warning.text, group);
	}
}

export const app = new AppState();
