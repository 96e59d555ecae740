/**
 * The deployment moderator's inbox (docs/PROTOCOL.md §6.3, §9.7-9.8): connects to the relay with
 * the headless client's Connection, checks the relay announces the keys of the key file, logs in
 * with the moderator's Ed25519 key, lists `~deployment` reports page by page, opens each with
 * the X25519 secret and verifies every disclosed message with the same code group moderators
 * use (verifyReport through the relay's `verify` frame). Node only: it sets an Origin header.
 */
import WebSocket from 'ws';
import { Connection, RelayError } from '../src/lib/client/connection.ts';
import type { ReportedMessageView } from '../src/lib/client/api.ts';
import { moderatorFingerprint, type ModeratorKeys } from '../src/lib/client/moderator.ts';
import { relayStampCheck, reportViews } from '../src/lib/client/reports.ts';
import { openReport, verifyReport, type StampCheck, type Verdict } from '../src/lib/crypto/report.ts';
import { sodium } from '../src/lib/crypto/sodium.ts';
import { isProtocolError } from '../src/lib/core/errors.ts';
import type { ModeratorSecret } from './moderator-keys.ts';
import { CliError } from './moderator-errors.ts';

export interface InboxOptions {
	relay: string;
	origin: string;
	/** Only reports with a larger seq are read. */
	after: number;
	/** How the key file is named in errors. */
	keyFile: string;
	connectTimeoutMs?: number;
}

/** One stored report, opened and verified, or the reason it could not be opened. */
export type InboxItem =
	| { seq: number; ts: number; group: string; note: string; messages: ReportedMessageView[] }
	| { seq: number; ts: number; unopened: string };

type StoredReport = { seq: number; ts: number; sealed: { to: string; box: string }[] };

/** The relay answers rate-limited requests later; a large inbox must not turn that into "not verified". */
const RATE_LIMIT_RETRIES = 10;
const RATE_LIMIT_WAIT_MS = 1_000;

/** A `ws` socket that sends Origin (the standard WebSocket cannot) and remembers why it failed. */
function originSocket(origin: string, failed: (error: Error) => void): typeof globalThis.WebSocket {
	class OriginSocket extends WebSocket {
		constructor(url: string | URL) {
			super(url, { origin });
			this.on('error', failed);
		}
	}
	return OriginSocket as unknown as typeof globalThis.WebSocket;
}

/** A sentence for a failed connection attempt that says what to check. */
function connectFailure(url: string, origin: string, error: Error | null): string {
	const where = `the relay at ${url}`;
	if (!error) return `could not connect to ${where}`;
	const code = (error as NodeJS.ErrnoException).code;
	const status = /Unexpected server response: (\d+)/.exec(error.message)?.[1];
	if (code === 'ECONNREFUSED') return `nothing answered at ${new URL(url).host}: is the relay running, and is the address right?`;
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot find the host ${new URL(url).hostname}: check the address`;
	if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `cannot reach ${new URL(url).host} from here (${code})`;
	if (code && /CERT|SELF_SIGNED|TLS/.test(code)) return `the TLS certificate of ${new URL(url).host} is not trusted (${code})`;
	if (status === '403') return `${where} refused connections from origin ${origin}: pass --origin with the address of the site, as listed in the relay's ALLOWED_ORIGINS`;
	if (status === '404') return `${url} is not a relay address (it usually ends in /relay)`;
	if (status === '503') return `${where} is shutting down; try again in a moment`;
	if (status) return `${url} answered HTTP ${status} instead of opening a relay connection`;
	return `could not connect to ${where} (${code ?? error.message})`;
}

/** Opens the connection and waits for the relay's hello; fails on the first refused attempt. */
export async function connect(options: InboxOptions): Promise<Connection> {
	let lastError: Error | null = null;
	const conn = new Connection({
		url: options.relay,
		WebSocket: originSocket(options.origin, (error) => (lastError = error)),
		// One attempt only: a tool run by hand should say what is wrong, not retry quietly.
		backoff: { initialMs: 3_600_000, maxMs: 3_600_000, jitter: 0 }
	});
	const timeoutMs = options.connectTimeoutMs ?? 15_000;
	try {
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => finish(new CliError(`the relay at ${options.relay} did not answer within ${timeoutMs / 1000} seconds`)), timeoutMs);
			const off = conn.onState((state) => {
				if (state === 'online') finish();
				else if (state === 'offline') finish(new CliError(connectFailure(options.relay, options.origin, lastError)));
			});
			function finish(error?: CliError) {
				clearTimeout(timer);
				off();
				if (error) reject(error);
				else resolve();
			}
			conn.start();
		});
	} catch (error) {
		conn.stop();
		throw error;
	}
	return conn;
}

/** Refuses a relay that announces no moderator or another one: its reports are not ours to read. */
export function requireSameKeys(conn: Connection, keys: ModeratorKeys, options: InboxOptions): void {
	const announced = conn.hello?.moderator;
	if (!announced) {
		throw new CliError(`the relay at ${options.relay} has no deployment moderator: set MODERATOR_SIGN_KEY and MODERATOR_BOX_KEY in its environment to the lines keygen printed, then restart it`);
	}
	if (announced.sign !== keys.sign || announced.box !== keys.box) {
		throw new CliError(
			`the relay at ${options.relay} is configured with other moderator keys (fingerprint ${moderatorFingerprint(announced)}) than ${options.keyFile} (fingerprint ${moderatorFingerprint(keys)}): use the key file whose fingerprint you published, or fix MODERATOR_SIGN_KEY and MODERATOR_BOX_KEY on the relay`
		);
	}
}

/** Asks the relay about stamps, waiting out its rate limit instead of giving up on the message. */
function patientStampCheck(conn: Connection, as: string): (fields: StampCheck) => Promise<boolean> {
	const check = relayStampCheck(conn, as);
	return async (fields) => {
		for (let attempt = 0; ; attempt++) {
			try {
				return await check(fields);
			} catch (error) {
				if (!(error instanceof RelayError && error.code === 'RELAY_RATE_LIMITED') || attempt >= RATE_LIMIT_RETRIES) throw error;
				await new Promise((r) => setTimeout(r, RATE_LIMIT_WAIT_MS));
			}
		}
	};
}

/**
 * Display names this report proves: the deployment moderator is in no group and knows no names,
 * so a name is shown only when the report discloses the sender's own `hello` and it verifies.
 * The latest such hello wins (a member may rename).
 */
function disclosedNames(verdicts: readonly Verdict[]): Map<string, string> {
	const names = new Map<string, string>();
	const hellos = verdicts.filter((v) => v.verified && v.content?.t === 'hello').sort((a, b) => a.seq - b.seq);
	for (const v of hellos) if (v.content?.t === 'hello') names.set(v.sender, v.content.profile.name);
	return names;
}

async function openOne(conn: Connection, secret: ModeratorSecret, stored: StoredReport): Promise<InboxItem> {
	const base = { seq: stored.seq, ts: stored.ts };
	const mine = stored.sealed.find((s) => s.to === secret.keys.box);
	if (!mine) return { ...base, unopened: 'it is not sealed to this key' };
	let report;
	try {
		report = openReport(mine.box, secret.identity.boxPk, secret.identity.boxSk);
	} catch (error) {
		if (isProtocolError(error)) return { ...base, unopened: error.message };
		throw error;
	}
	const verdicts = await verifyReport(report, patientStampCheck(conn, secret.keys.sign));
	const names = disclosedNames(verdicts);
	return { ...base, group: report.group, note: report.note, messages: reportViews(verdicts, (sender) => names.get(sender) ?? null) };
}

/**
 * Reads every deployment report after `options.after`, handing each to `onItem` as soon as it is
 * verified (a long inbox prints as it goes). Returns the last seq read (`after` when none).
 */
export async function readInbox(secret: ModeratorSecret, options: InboxOptions, onItem: (item: InboxItem) => void): Promise<number> {
	const conn = await connect(options);
	let after = options.after;
	try {
		requireSameKeys(conn, secret.keys, options);
		const signSk = secret.identity.signSk;
		try {
			await conn.addKey(secret.keys.sign, (message) => sodium().crypto_sign_detached(message, signSk));
		} catch (error) {
			const why = error instanceof RelayError ? error.message : String(error);
			throw new CliError(`the relay refused to log in the moderator key (${why})`);
		}
		for (;;) {
			let page: StoredReport[];
			try {
				page = (await conn.request({ t: 'reports', as: secret.keys.sign, after })).reports ?? [];
			} catch (error) {
				const why = error instanceof RelayError ? error.message : String(error);
				throw new CliError(`could not list reports after ${after} (${why}); run the command again with --after ${after}`);
			}
			if (page.length === 0) return after;
			for (const stored of page) {
				// A relay that pages backwards would keep this loop going for ever.
				if (stored.seq <= after) throw new CliError(`the relay listed report ${stored.seq} after asking for reports after ${after}; stopping (run again with --after ${after})`);
				onItem(await openOne(conn, secret, stored));
				after = stored.seq;
			}
		}
	} finally {
		conn.stop();
	}
}
