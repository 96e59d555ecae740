/**
 * Light / dark / system theme. The choice is not sensitive, so it lives in localStorage and is
 * applied as html[data-theme]; "system" removes the attribute and follows prefers-color-scheme.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'unseen-theme';

class Theme {
	choice = $state<ThemeChoice>('system');

	load(): void {
		const saved = localStorage.getItem(KEY);
		this.set(saved === 'light' || saved === 'dark' ? saved : 'system');
	}

	set(choice: ThemeChoice): void {
		this.choice = choice;
		if (choice === 'system') {
			document.documentElement.removeAttribute('data-theme');
			localStorage.removeItem(KEY);
		} else {
			document.documentElement.setAttribute('data-theme', choice);
			localStorage.setItem(KEY, choice);
		}
	}

	/** What is on screen now, whatever the choice. */
	get effective(): 'light' | 'dark' {
		if (this.choice !== 'system') return this.choice;
		return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
	}

	toggle(): void {
		this.set(this.effective === 'dark' ? 'light' : 'dark');
	}
}

export const theme = new Theme();
