/**
 * One tab owns the session (P6). Two tabs running a client each would send under the same
 * counters, so receivers would drop one tab's messages as replays. The owner holds the Web Lock
 * `unseen-session` for as long as its client runs; another tab says the app is open elsewhere and,
 * on "Use it here", queues for the lock and asks the owner over a BroadcastChannel to hand over
 * (lock its client, close its database, release). A wipe is announced on the same channel so
 * every other tab lets go of the database and shows nothing of it.
 *
 * Browsers without Web Locks (or BroadcastChannel) run as before: each tab owns its session.
 */
const LOCK = 'unseen-session';
const CHANNEL = 'unseen-session';
/** How often a tab waiting to take the session asks again (see `take`). */
export const TAKE_AGAIN_MS = 1_000;

type TabMessage = { type: 'take' } | { type: 'wipe' };

export interface TabSessionHandlers {
	/** Another tab takes over: stop the client and close the database; the lock is released after. */
	handOver(): Promise<void>;
	/** Another tab is wiping the device: close the database now and show nothing of it. */
	wiped(): void;
}

export class TabSession {
	#release: (() => void) | null = null;
	#channel: BroadcastChannel | null = null;
	#handlers: TabSessionHandlers;
	#handingOver = false;

	constructor(handlers: TabSessionHandlers) {
		this.#handlers = handlers;
	}

	/** Opened on first use, not at construction: the module may load where no tab runs. */
	listen(): BroadcastChannel | null {
		if (this.#channel === null && typeof BroadcastChannel === 'function') {
			this.#channel = new BroadcastChannel(CHANNEL);
			this.#channel.onmessage = (e: MessageEvent<TabMessage>) => void this.#onMessage(e.data);
		}
		return this.#channel;
	}

	/** Whether this tab holds the session now. */
	get owned(): boolean {
		return this.#release !== null || !hasLocks();
	}

	/** Takes the session if no other tab holds it; false when the app is open elsewhere. */
	claim(): Promise<boolean> {
		this.listen();
		if (!hasLocks()) return Promise.resolve(true);
		return new Promise((resolve) => {
			void navigator.locks.request(LOCK, { ifAvailable: true }, (lock) => {
				if (!lock) return resolve(false);
				resolve(true);
				return this.#hold();
			});
		});
	}

	/** "Use it here": asks the owner to hand over and resolves once this tab holds the session. */
	take(): Promise<void> {
		if (!hasLocks()) return Promise.resolve();
		return new Promise((resolve) => {
			let again: ReturnType<typeof setInterval> | undefined;
			void navigator.locks.request(LOCK, () => {
				clearInterval(again);
				resolve();
				return this.#hold();
			});
			this.#post({ type: 'take' });
			// The ask reaches only the tab holding the session when it is sent: a tab that gets it
			// later (a second "Use it here" a moment before this one) never heard it, and this tab
			// would wait forever. So ask again until the session is here.
			again = setInterval(() => this.#post({ type: 'take' }), TAKE_AGAIN_MS);
		});
	}

	/** Tells every other tab to close the database before this one deletes it. */
	announceWipe(): void {
		this.#post({ type: 'wipe' });
	}

	#hold(): Promise<void> {
		return new Promise<void>((release) => {
			this.#release = release;
		});
	}

	#post(message: TabMessage): void {
		this.listen()?.postMessage(message);
	}

	async #onMessage(message: TabMessage): Promise<void> {
		if (message.type === 'wipe') return this.#handlers.wiped();
		if (message.type !== 'take' || this.#release === null || this.#handingOver) return;
		this.#handingOver = true;
		try {
			await this.#handlers.handOver();
		} finally {
			this.#release?.();
			this.#release = null;
			this.#handingOver = false;
		}
	}
}

function hasLocks(): boolean {
	return typeof navigator !== 'undefined' && typeof navigator.locks?.request === 'function';
}
