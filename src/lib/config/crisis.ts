/**
 * Crisis resources shown behind "Get help now". They ship with the app (src/lib/config/crisis.json,
 * or the file named by UNSEEN_CRISIS_FILE at build time, see vite.config.ts) and are never fetched
 * at run time, so nobody outside learns that someone looked for help.
 */
import raw from './crisis.json' with { type: 'json' };

export interface CrisisResource {
	name: string;
	region: string;
	description: string;
	phone?: string;
	url?: string;
}

export interface CrisisConfig {
	title: string;
	intro: string;
	emergency: string;
	resources: CrisisResource[];
}

export class CrisisConfigError extends Error {
	readonly code = 'CONFIG_BAD_CRISIS_FILE';
	constructor(path: string) {
		super(`crisis configuration: ${path} is missing or not valid`);
		this.name = 'CrisisConfigError';
	}
}

function text(value: unknown, path: string, optional = false): string | undefined {
	if (value === undefined && optional) return undefined;
	if (typeof value !== 'string' || value.trim() === '' || value.length > 2000) throw new CrisisConfigError(path);
	return value;
}

/** Checks a crisis configuration read from JSON; throws CrisisConfigError naming the bad field. */
export function parseCrisisConfig(value: unknown): CrisisConfig {
	if (typeof value !== 'object' || value === null) throw new CrisisConfigError('(root)');
	const v = value as Record<string, unknown>;
	if (!Array.isArray(v.resources) || v.resources.length === 0) throw new CrisisConfigError('resources');
	const resources = v.resources.map((r: unknown, i: number): CrisisResource => {
		if (typeof r !== 'object' || r === null) throw new CrisisConfigError(`resources[${i}]`);
		const e = r as Record<string, unknown>;
		const url = text(e.url, `resources[${i}].url`, true);
		// Only links a person can open safely: https pages or phone numbers, never script URLs.
		if (url !== undefined && !/^https:\/\/[^\s]+$/.test(url)) throw new CrisisConfigError(`resources[${i}].url`);
		const phone = text(e.phone, `resources[${i}].phone`, true);
		if (phone !== undefined && !/^[0-9+() -]{2,30}$/.test(phone)) throw new CrisisConfigError(`resources[${i}].phone`);
		return {
			name: text(e.name, `resources[${i}].name`)!,
			region: text(e.region, `resources[${i}].region`)!,
			description: text(e.description, `resources[${i}].description`)!,
			...(phone !== undefined ? { phone } : {}),
			...(url !== undefined ? { url } : {})
		};
	});
	return {
		title: text(v.title, 'title')!,
		intro: text(v.intro, 'intro')!,
		emergency: text(v.emergency, 'emergency')!,
		resources
	};
}

/** `tel:` link for a phone number as written in the configuration. */
export function telHref(phone: string): string {
	return `tel:${phone.replace(/[^0-9+]/g, '')}`;
}

export const crisis: CrisisConfig = parseCrisisConfig(raw);
