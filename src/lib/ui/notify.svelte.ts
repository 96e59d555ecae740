/**
 * Notifications without content (opt-in): while Unseen is open in a background tab, a new message
 * shows a local notification that says only "New message". No push service, no group, no name,
 * no text. A browser that blocks notifications changes nothing else.
 */
import { NOTIFY } from '../words/pinned.ts';

const KEY = 'unseen-notify';

class Notifier {
	enabled = $state(false);
	/** 'default' | 'granted' | 'denied' | 'unsupported' */
	permission = $state<NotificationPermission | 'unsupported'>('default');

	load(): void {
		this.permission = typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
		try {
			this.enabled = localStorage.getItem(KEY) === '1' && this.permission === 'granted';
		} catch {
			this.enabled = false;
		}
	}

	async set(enabled: boolean): Promise<void> {
		if (!enabled || typeof Notification === 'undefined') {
			this.#store(false);
			return;
		}
		let permission = Notification.permission;
		if (permission === 'default') permission = await Notification.requestPermission().catch(() => 'denied' as const);
		this.permission = permission;
		this.#store(permission === 'granted');
	}

	#store(enabled: boolean): void {
		this.enabled = enabled;
		try {
			if (enabled) localStorage.setItem(KEY, '1');
			else localStorage.removeItem(KEY);
		} catch {
			// Storage blocked: the choice lasts until the tab closes.
		}
	}

	/** A message arrived: tell the person only if they asked and cannot see the app. */
	arrived(): void {
		if (!this.enabled || !document.hidden || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
		try {
			// One notification at a time (same tag), no sound beyond the system's, nothing about what arrived.
			new Notification(NOTIFY.text, { tag: 'unseen-new-message' });
		} catch {
			// Some browsers allow notifications only from a service worker: nothing is lost.
		}
	}
}

export const notifier = new Notifier();
