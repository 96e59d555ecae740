/**
 * A value read from the client on demand and kept until `invalidate()`: readers inside `$derived`
 * or the template re-run when it is invalidated, and the value is read again only if someone
 * still reads it. So an event marks what it changed, and a screen that is not open costs nothing.
 */
export class Lazy<T> {
	/** Bumped by `invalidate`; the only reactive part, so a read subscribes to it. */
	#version = $state(0);
	#value: T | undefined;
	#stale = true;
	readonly #load: () => T;

	constructor(load: () => T) {
		this.#load = load;
	}

	get current(): T {
		void this.#version;
		if (this.#stale) {
			this.#value = this.#load();
			this.#stale = false;
		}
		return this.#value as T;
	}

	invalidate(): void {
		this.#stale = true;
		this.#version++;
	}
}
