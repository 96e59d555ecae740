/**
 * Relay and HTTP configuration, read once from the environment and validated before anything
 * starts (README "Configuration" lists every variable). A bad value stops start-up with a
 * message that names the variable; it never falls back silently.
 */
import { fromB64 } from '../src/lib/core/bytes.ts';

export interface RateLimit {
	/** Tokens added per second. */
	perSecond: number;
	/** Bucket size: how many frames may arrive at once. */
	burst: number;
}

export interface ServerConfig {
	port: number;
	host: string;
	dataDir: string;
	/** Redis instead of LevelDB (PROTOCOL §14): several relay processes may share it. Null: LevelDB in dataDir. */
	redisUrl: string | null;
	/** Largest accepted WebSocket frame in bytes; larger frames close the socket with 1009. */
	maxPayload: number;
	/** Keys one connection may authenticate. */
	maxKeys: number;
	/** Allowed `Origin` values on upgrade; null = same host as the request's Host header. */
	allowedOrigins: string[] | null;
	/** Deployment moderator keys (b64url, 32 bytes each), published in `hello`. */
	moderator: { sign: string; box: string } | null;
	connectionRate: RateLimit;
	keyRate: RateLimit;
	/** Bytes queued on a socket above which the reader is too slow and is closed with 1013. */
	highWaterMark: number;
	heartbeatMs: number;
	authTimeoutMs: number;
	retentionSweepMs: number;
	/** Ops one member may append to one group per hour of relay time (RELAY_OP_LIMIT beyond). */
	opsPerHour: number;
	/** `rekey` ops one member may append to one group per hour (RELAY_OP_LIMIT beyond, §9.9). */
	rekeysPerHour: number;
	/** Entries per backlog page; the next page waits until the previous one left the socket. */
	pageSize: number;
	/**
	 * Where quick exit lands (QUICK_EXIT_URL): an http(s) address of the deployment's choosing, so
	 * the address bar no longer shows the app's. null: the neutral page on this site (/weather.html).
	 */
	quickExitUrl: string | null;
	/** Serve the built SvelteKit app (build/handler.js). False: relay and headers only. */
	app: boolean;
	/** Where count-only log lines go. Never receives addresses, user agents or content. */
	log: (line: string) => void;
	/** The relay's clock (ms): entry times, invite expiry, rate limits, retention. Tests move it instead of sleeping. */
	now: () => number;
}

export class ConfigError extends Error {
	readonly code = 'CONFIG_INVALID';
	constructor(message: string) {
		super(message);
		this.name = 'ConfigError';
	}
}

export const DEFAULTS: ServerConfig = {
	port: 3000,
	host: '0.0.0.0',
	dataDir: './data',
	redisUrl: null,
	maxPayload: 256 * 1024,
	maxKeys: 64,
	allowedOrigins: null,
	moderator: null,
	connectionRate: { perSecond: 50, burst: 100 },
	keyRate: { perSecond: 20, burst: 60 },
	highWaterMark: 4 * 1024 * 1024,
	heartbeatMs: 30_000,
	authTimeoutMs: 30_000,
	retentionSweepMs: 60_000,
	pageSize: 256,
	opsPerHour: 300,
	rekeysPerHour: 12,
	quickExitUrl: null,
	app: true,
	log: (line) => console.log(line),
	now: Date.now
};

function int(name: string, raw: string, min: number, max: number): number {
	if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
	const value = Number(raw);
	if (!Number.isSafeInteger(value) || value < min || value > max) {
		throw new ConfigError(`${name} must be between ${min} and ${max}, got ${raw}`);
	}
	return value;
}

function rate(name: string, raw: string): RateLimit {
	const match = /^(\d+)\/(\d+)$/.exec(raw.trim());
	if (!match) throw new ConfigError(`${name} must look like "perSecond/burst" (e.g. 50/100), got "${raw}"`);
	const perSecond = int(name, match[1]!, 1, 1_000_000);
	const burst = int(name, match[2]!, 1, 1_000_000);
	return { perSecond, burst };
}

function key32(name: string, raw: string): string {
	try {
		if (fromB64(raw, name).length === 32) return raw;
	} catch {
		// reported below with the variable's name
	}
	throw new ConfigError(`${name} must be 32 bytes in base64url without padding`);
}

function redisUrl(raw: string): string {
	let url: URL;
	try {
		url = new URL(raw.trim());
	} catch {
		throw new ConfigError(`REDIS_URL must be a URL like redis://127.0.0.1:6379/0, got "${raw}"`);
	}
	if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got "${raw}"`);
	return url.href;
}

function origins(raw: string): string[] {
	const list = raw
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
	for (const origin of list) {
		let parsed: URL;
		try {
			parsed = new URL(origin);
		} catch {
			throw new ConfigError(`ALLOWED_ORIGINS entry "${origin}" is not a URL`);
		}
		if (parsed.origin !== origin) throw new ConfigError(`ALLOWED_ORIGINS entry "${origin}" must be an origin like https://example.org`);
	}
	return list;
}

/** Builds a configuration from environment variables (unset ones take DEFAULTS). */
/** An absolute http(s) URL without credentials: where quick exit sends the tab. */
function quickExitUrl(raw: string): string {
	let url: URL;
	try {
		url = new URL(raw.trim());
	} catch {
		throw new ConfigError(`QUICK_EXIT_URL must be a full address such as https://example.org/, got "${raw}"`);
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`QUICK_EXIT_URL must start with https:// or http://, got "${raw}"`);
	if (url.username || url.password) throw new ConfigError('QUICK_EXIT_URL must not contain a user name or password');
	return url.href;
}

export function configFromEnv(env: Record<string, string | undefined>): Partial<ServerConfig> {
	const out: Partial<ServerConfig> = {};
	const has = (name: string) => env[name] !== undefined && env[name] !== '';
	if (has('PORT')) out.port = int('PORT', env.PORT!, 0, 65535);
	if (has('HOST')) out.host = env.HOST!;
	if (has('DATA_DIR')) out.dataDir = env.DATA_DIR!;
	if (has('REDIS_URL')) out.redisUrl = redisUrl(env.REDIS_URL!);
	if (has('MAX_PAYLOAD')) out.maxPayload = int('MAX_PAYLOAD', env.MAX_PAYLOAD!, 1024, 16 * 1024 * 1024);
	if (has('MAX_KEYS')) out.maxKeys = int('MAX_KEYS', env.MAX_KEYS!, 1, 10_000);
	if (has('ALLOWED_ORIGINS')) out.allowedOrigins = origins(env.ALLOWED_ORIGINS!);
	if (has('RATE_CONNECTION')) out.connectionRate = rate('RATE_CONNECTION', env.RATE_CONNECTION!);
	if (has('RATE_KEY')) out.keyRate = rate('RATE_KEY', env.RATE_KEY!);
	if (has('HIGH_WATER_MARK')) out.highWaterMark = int('HIGH_WATER_MARK', env.HIGH_WATER_MARK!, 64 * 1024, 1024 ** 3);
	if (has('HEARTBEAT_MS')) out.heartbeatMs = int('HEARTBEAT_MS', env.HEARTBEAT_MS!, 100, 3_600_000);
	if (has('AUTH_TIMEOUT_MS')) out.authTimeoutMs = int('AUTH_TIMEOUT_MS', env.AUTH_TIMEOUT_MS!, 100, 3_600_000);
	if (has('OPS_PER_HOUR')) out.opsPerHour = int('OPS_PER_HOUR', env.OPS_PER_HOUR!, 1, 1_000_000);
	if (has('REKEYS_PER_HOUR')) out.rekeysPerHour = int('REKEYS_PER_HOUR', env.REKEYS_PER_HOUR!, 1, 1_000_000);
	if (has('QUICK_EXIT_URL')) out.quickExitUrl = quickExitUrl(env.QUICK_EXIT_URL!);
	if (has('RETENTION_SWEEP_MS')) out.retentionSweepMs = int('RETENTION_SWEEP_MS', env.RETENTION_SWEEP_MS!, 100, 86_400_000);
	const sign = env.MODERATOR_SIGN_KEY;
	const box = env.MODERATOR_BOX_KEY;
	if ((sign && !box) || (!sign && box)) throw new ConfigError('MODERATOR_SIGN_KEY and MODERATOR_BOX_KEY must be set together');
	if (sign && box) out.moderator = { sign: key32('MODERATOR_SIGN_KEY', sign), box: key32('MODERATOR_BOX_KEY', box) };
	return out;
}

/** Fills defaults and checks values given in code (tests, benchmarks). */
export function resolveConfig(partial: Partial<ServerConfig>): ServerConfig {
	const config: ServerConfig = { ...DEFAULTS, ...partial };
	const whole = (name: string, value: number, min: number) => {
		if (!Number.isSafeInteger(value) || value < min) throw new ConfigError(`${name} must be an integer ≥ ${min}`);
	};
	whole('port', config.port, 0);
	whole('maxPayload', config.maxPayload, 1024);
	whole('maxKeys', config.maxKeys, 1);
	whole('highWaterMark', config.highWaterMark, 1024);
	whole('heartbeatMs', config.heartbeatMs, 10);
	whole('authTimeoutMs', config.authTimeoutMs, 10);
	whole('retentionSweepMs', config.retentionSweepMs, 10);
	whole('pageSize', config.pageSize, 1);
	whole('opsPerHour', config.opsPerHour, 1);
	whole('rekeysPerHour', config.rekeysPerHour, 1);
	for (const [name, r] of [['connectionRate', config.connectionRate], ['keyRate', config.keyRate]] as const) {
		if (!(r.perSecond > 0) || !(r.burst >= 1)) throw new ConfigError(`${name} needs perSecond > 0 and burst ≥ 1`);
	}
	if (config.moderator) {
		key32('moderator.sign', config.moderator.sign);
		key32('moderator.box', config.moderator.box);
	}
	if (typeof config.dataDir !== 'string' || config.dataDir === '') throw new ConfigError('dataDir must be a path');
	return config;
}
