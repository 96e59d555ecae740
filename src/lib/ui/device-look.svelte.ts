/**
 * The name and icon the app shows on this device (Settings → Name on this device). The neutral
 * choice shows "Notes" and a plain page icon in the tab, and links the neutral web app manifest
 * so that adding it to the home screen uses that name and icon. static/theme.js applies the same
 * choice before the first paint. Browsers keep the name and icon an installed app was added with.
 */
import { NEUTRAL } from '../words/pinned.ts';

const KEY = 'unseen-neutral';

class DeviceLook {
	neutral = $state(false);
	#observer: MutationObserver | null = null;

	load(): void {
		try {
			this.neutral = localStorage.getItem(KEY) === '1';
		} catch {
			this.neutral = false;
		}
		this.#apply();
	}

	set(neutral: boolean): void {
		this.neutral = neutral;
		try {
			if (neutral) localStorage.setItem(KEY, '1');
			else localStorage.removeItem(KEY);
		} catch {
			// Storage blocked: the choice lasts until the tab closes.
		}
		this.#apply();
		if (!neutral) document.title = 'Unseen';
	}

	#apply(): void {
		const link = (rel: string) => document.querySelector<HTMLLinkElement>(`link[rel="${rel}"]`);
		link('icon')?.setAttribute('href', this.neutral ? '/icons/notes-192.png' : '/favicon.svg');
		link('apple-touch-icon')?.setAttribute('href', this.neutral ? '/icons/notes-192.png' : '/icons/unseen-192.png');
		link('manifest')?.setAttribute('href', this.neutral ? '/manifest-neutral.webmanifest' : '/manifest.webmanifest');
		this.#observer?.disconnect();
		this.#observer = null;
		if (!this.neutral) return;
		// Pages set their own titles ("Settings · Unseen"); keep the neutral one whatever they set.
		const keep = () => {
			if (document.title !== NEUTRAL.title) document.title = NEUTRAL.title;
		};
		keep();
		this.#observer = new MutationObserver(keep);
		this.#observer.observe(document.head, { subtree: true, childList: true, characterData: true });
	}
}

export const deviceLook = new DeviceLook();
