/**
 * The page's side of the pinned app (docs/PROTOCOL.md §15): registers the service worker in a
 * production build, learns the running build's fingerprint from it, offers a new build (a worker
 * that installed and now waits) with its fingerprint, and activates it only when the user accepts.
 * A worker that found a file not matching its manifest says so; the page shows the warning.
 */
import { dev } from '$app/env';

const WORKER_URL = '/service-worker.js';

function ask(worker: ServiceWorker): Promise<string | null> {
	return new Promise((resolve) => {
		const channel = new MessageChannel();
		const timer = setTimeout(() => resolve(null), 5000);
		channel.port1.onmessage = (event: MessageEvent<{ fingerprint?: string }>) => {
			clearTimeout(timer);
			resolve(typeof event.data?.fingerprint === 'string' ? event.data.fingerprint : null);
		};
		worker.postMessage({ type: 'unseen-fingerprint' }, [channel.port2]);
	});
}

class PinnedApp {
	/** The running build's fingerprint; null until known or when not pinned. */
	running = $state<string | null>(null);
	/** False once we know this page is not controlled by a pinned worker. */
	pinned = $state<boolean | null>(null);
	/** Fingerprint of a new build waiting for the user's consent. */
	waiting = $state<string | null>(null);
	/** Set when a worker refused a file that did not match its manifest. */
	unexpected = $state<string | null>(null);

	#registration: ServiceWorkerRegistration | null = null;
	#accepted = false;
	#started = false;

	start(): void {
		if (this.#started) return;
		this.#started = true;
		if (dev || !('serviceWorker' in navigator)) {
			this.pinned = false;
			return;
		}
		const container = navigator.serviceWorker;
		container.addEventListener('message', (event: MessageEvent<{ type?: string; path?: string }>) => {
			if (event.data?.type === 'unseen-unexpected') this.unexpected = String(event.data.path ?? '');
		});
		container.startMessages();
		container.addEventListener('controllerchange', () => {
			// Our own acceptance: start the new build. The first install taking control changes nothing visible.
			if (this.#accepted) location.reload();
			else void this.#readRunning();
		});
		void this.#readRunning();
		void container
			.register(WORKER_URL, { scope: '/', updateViaCache: 'none' })
			.then((registration) => {
				this.#registration = registration;
				this.#watch(registration);
			})
			.catch(() => {
				this.pinned = false;
			});
	}

	async #readRunning(): Promise<void> {
		const controller = navigator.serviceWorker.controller;
		// First visit: the worker is installing; 'controllerchange' asks again once it controls the page.
		if (!controller) return;
		const fingerprint = await ask(controller);
		this.running = fingerprint;
		this.pinned = fingerprint !== null;
	}

	#watch(registration: ServiceWorkerRegistration): void {
		const offer = async (worker: ServiceWorker) => {
			if (!navigator.serviceWorker.controller) return;
			const fingerprint = await ask(worker);
			if (fingerprint && fingerprint !== this.running) this.waiting = fingerprint;
		};
		const follow = (worker: ServiceWorker | null) => {
			worker?.addEventListener('statechange', () => {
				if (worker.state === 'installed') void offer(worker);
			});
		};
		if (registration.waiting) void offer(registration.waiting);
		follow(registration.installing);
		registration.addEventListener('updatefound', () => follow(registration.installing));
	}

	/** Asks the server for a new build now (it is also checked on every page load). */
	async check(): Promise<void> {
		await this.#registration?.update().catch(() => undefined);
	}

	/** The user accepted the new build: it takes over and the page reloads into it. */
	accept(): void {
		const worker = this.#registration?.waiting;
		if (!worker) return;
		this.#accepted = true;
		worker.postMessage({ type: 'unseen-activate' });
	}

	later(): void {
		this.waiting = null;
	}
}

export const pinnedApp = new PinnedApp();
