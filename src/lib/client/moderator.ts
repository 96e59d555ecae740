/**
 * The deployment moderator's keys, pinned on first use (review finding 11). The relay announces
 * them in its unauthenticated `hello` (§9.2), so a relay operator or intruder could swap in its
 * own key and read every report sealed "to the service". The client pins the first key it sees,
 * shows its fingerprint (the UI lets people compare it with the one the service publishes),
 * warns in plain words when a later hello presents another key, and refuses to seal service
 * reports to the new key until the user accepts it.
 */
import type { ServiceModeratorView, Warning } from './api.ts';
import type { ClientCore } from './core.ts';
import { getJson, keys, putJson } from './store.ts';
import { ProtocolError } from '../core/errors.ts';
import { labelled } from '../core/cjson.ts';
import { LABEL } from '../core/labels.ts';
import { sodium } from '../crypto/sodium.ts';
import { MODERATOR_CHANGED_TEXT } from '../words/warnings.ts';

export interface ModeratorKeys {
	sign: string;
	box: string;
}

/** 32 hex digits in groups of 4, from SHA-256(labelled("unseen/v1/moderator-fingerprint", {sign, box})). */
export function moderatorFingerprint(keys: ModeratorKeys): string {
	const digest = sodium().crypto_hash_sha256(labelled(LABEL.moderatorFingerprint, { sign: keys.sign, box: keys.box }));
	const hex = sodium().to_hex(digest.subarray(0, 16));
	return hex.match(/.{4}/g)!.join(' ');
}

const same = (a: ModeratorKeys, b: ModeratorKeys) => a.sign === b.sign && a.box === b.box;

export class ModeratorPin {
	readonly #core: ClientCore;
	#pinned: ModeratorKeys | null = null;
	#offered: ModeratorKeys | null = null;
	#warning: Warning | null = null;

	constructor(core: ClientCore) {
		this.#core = core;
	}

	async load(): Promise<void> {
		this.#pinned = (await getJson<ModeratorKeys>(this.#core.store, keys.moderator)) ?? null;
	}

	/** Compares the relay's latest hello with the pin; pins on first use. */
	async check(): Promise<void> {
		const presented = this.#core.conn.hello?.moderator;
		if (!presented || this.#core.locked) return;
		const keysNow = { sign: presented.sign, box: presented.box };
		if (!this.#pinned) {
			this.#pinned = keysNow;
			await putJson(this.#core.store, keys.moderator, keysNow);
			return;
		}
		if (same(this.#pinned, keysNow)) {
			this.#offered = null;
			return;
		}
		if (this.#offered && same(this.#offered, keysNow)) return;
		this.#offered = keysNow;
		this.#warning = { kind: 'moderator-changed', text: MODERATOR_CHANGED_TEXT, at: this.#core.now() };
		this.#core.emit({ type: 'service-warning', warning: this.#warning });
	}

	view(): ServiceModeratorView | null {
		if (!this.#pinned) return null;
		const out: ServiceModeratorView = { fingerprint: moderatorFingerprint(this.#pinned), changed: this.#offered !== null };
		if (this.#offered) out.offered = moderatorFingerprint(this.#offered);
		return out;
	}

	/** The user compared the new fingerprint and trusts it: it becomes the pin. */
	async accept(fingerprint: string): Promise<void> {
		if (!this.#offered) return;
		if (moderatorFingerprint(this.#offered) !== fingerprint) {
			throw new ProtocolError('PROTOCOL_MODERATOR_CHANGED', 'the service moderator key changed again; check the new fingerprint');
		}
		this.#pinned = this.#offered;
		this.#offered = null;
		this.#warning = null;
		await putJson(this.#core.store, keys.moderator, this.#pinned);
	}

	/** The box key to seal a service report to. PROTOCOL_MODERATOR_CHANGED while a change is not accepted. */
	async recipient(): Promise<string> {
		await this.check();
		if (!this.#pinned) throw new ProtocolError('PROTOCOL_BAD_REPORT', 'this service has no moderator to report to');
		if (this.#offered) throw new ProtocolError('PROTOCOL_MODERATOR_CHANGED', MODERATOR_CHANGED_TEXT);
		return this.#pinned.box;
	}

	get warning(): Warning | null {
		return this.#warning;
	}
}
