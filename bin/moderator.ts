/**
 * `npm run moderator -- <command>`: the deployment ("service") moderator's tool. Members can
 * send a report to the service instead of their group's moderators (docs/PROTOCOL.md §6.3,
 * §9.8); this is how the operator makes the key those reports are sealed to and reads them.
 *
 *   keygen  --out FILE                        make the key file, print the relay's settings
 *   reports --keys FILE --relay URL [--after N] [--json] [--origin URL]
 *   ban KEY   --keys FILE --relay URL [--origin URL]   remove a member's key from the relay (§9.8b)
 *   unban KEY --keys FILE --relay URL [--origin URL]   let it back
 *   bans      --keys FILE --relay URL [--origin URL]   list the keys banned now
 *
 * Exit 0 on success (messages that fail verification are findings, not errors), 1 with one
 * plain line on stderr when the job cannot be done, 2 on a usage mistake.
 */
import { parseArgs } from 'node:util';
import { ready } from '../src/lib/crypto/sodium.ts';
import { wipeIdentity } from '../src/lib/crypto/identity.ts';
import { moderatorFingerprint } from '../src/lib/client/moderator.ts';
import { readKeyFile, writeKeyFile } from './moderator-keys.ts';
import { readInbox } from './moderator-inbox.ts';
import { addToTally, emptyTally, reportJson, reportText, summaryJson, summaryText } from './moderator-output.ts';
import { CliError } from './moderator-errors.ts';
import { listBans, setBan } from './moderator-bans.ts';

const USAGE = `usage:
  npm run moderator -- keygen --out FILE
  npm run moderator -- reports --keys FILE --relay ws(s)://HOST/relay [--after N] [--json] [--origin URL]
  npm run moderator -- ban KEY --keys FILE --relay ws(s)://HOST/relay [--origin URL]
  npm run moderator -- unban KEY --keys FILE --relay ws(s)://HOST/relay [--origin URL]
  npm run moderator -- bans --keys FILE --relay ws(s)://HOST/relay [--origin URL]`;

class UsageError extends Error {}

function options(args: string[], spec: Record<string, { type: 'string' | 'boolean' }>) {
	try {
		return parseArgs({ args, options: spec, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
	} catch (error) {
		throw new UsageError((error as Error).message.split('\n')[0]!);
	}
}

function required(values: Record<string, unknown>, name: string): string {
	const value = values[name];
	if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
	return value;
}

function keygen(args: string[]): void {
	const values = options(args, { out: { type: 'string' } });
	const out = required(values, 'out');
	const keys = writeKeyFile(out);
	process.stdout.write(
		[
			`Wrote the service moderator's secret keys to ${out} (readable only by you).`,
			'',
			"Put these two lines in the relay's environment, then restart it:",
			`MODERATOR_SIGN_KEY=${keys.sign}`,
			`MODERATOR_BOX_KEY=${keys.box}`,
			'',
			'Fingerprint members see when they report to the service:',
			`  ${moderatorFingerprint(keys)}`,
			'',
			`Publish this fingerprint where members can compare it (your website, the group's welcome note), and keep ${out} offline and secret: whoever holds it can read every report sent to the service.`,
			''
		].join('\n')
	);
}

/** The relay's own site: the Origin a browser on that site would send (the relay's default check). */
function defaultOrigin(relay: string): string {
	const url = new URL(relay);
	return `${url.protocol === 'wss:' ? 'https:' : 'http:'}//${url.host}`;
}

function relayUrl(raw: string): string {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new UsageError(`--relay "${raw}" is not a URL; it looks like wss://example.org/relay`);
	}
	if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new UsageError(`--relay must start with ws:// or wss://, like wss://example.org/relay`);
	// Over plain ws:// the network would see which groups and senders were reported (the verify frames).
	const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
	if (url.protocol === 'ws:' && !loopback) throw new UsageError(`--relay must use wss:// for a relay on another machine (ws:// is only for this machine)`);
	return url.href;
}

function originOf(raw: string): string {
	try {
		return new URL(raw).origin;
	} catch {
		throw new UsageError(`--origin "${raw}" is not a URL; it looks like https://example.org`);
	}
}

async function reports(args: string[]): Promise<void> {
	const values = options(args, { keys: { type: 'string' }, relay: { type: 'string' }, after: { type: 'string' }, json: { type: 'boolean' }, origin: { type: 'string' } });
	const keyFile = required(values, 'keys');
	const relay = relayUrl(required(values, 'relay'));
	const afterText = typeof values.after === 'string' ? values.after : '0';
	if (!/^\d+$/.test(afterText) || !Number.isSafeInteger(Number(afterText))) throw new UsageError(`--after must be a report number (0 or more), got "${afterText}"`);
	const origin = typeof values.origin === 'string' ? originOf(values.origin) : defaultOrigin(relay);
	const json = values.json === true;

	const secret = readKeyFile(keyFile);
	const tally = emptyTally();
	try {
		const next = await readInbox(secret, { relay, origin, after: Number(afterText), keyFile }, (item) => {
			addToTally(tally, item);
			process.stdout.write(json ? reportJson(item) : reportText(item));
		});
		process.stdout.write(json ? summaryJson(tally, next) : summaryText(tally, next));
	} finally {
		wipeIdentity(secret.identity);
	}
}

/** A per-group identity sign key as a verified report shows it: 32 bytes in base64url. */
const KEY = /^[A-Za-z0-9_-]{43}$/;

async function ban(args: string[], banned: boolean): Promise<void> {
	const [key, ...rest] = args;
	// A key may itself begin with '-' (one base64url character in 64): it is a key, not an option.
	if (key === undefined || (key.startsWith('-') && !KEY.test(key))) throw new UsageError(`${banned ? 'ban' : 'unban'} needs the member's key, as a verified report shows it`);
	if (!KEY.test(key)) throw new UsageError(`"${key}" is not a member key (43 characters of base64url, as a verified report shows it)`);
	const values = options(rest, { keys: { type: 'string' }, relay: { type: 'string' }, origin: { type: 'string' } });
	const keyFile = required(values, 'keys');
	const relay = relayUrl(required(values, 'relay'));
	const origin = typeof values.origin === 'string' ? originOf(values.origin) : defaultOrigin(relay);
	const secret = readKeyFile(keyFile);
	try {
		await setBan(secret, { relay, origin, keyFile }, key, banned);
	} finally {
		wipeIdentity(secret.identity);
	}
	process.stdout.write(
		banned
			? `Banned ${key}: the relay refuses its logins and messages from now on. Members of its groups see that the service removed it, and an admin's app takes it out of the group.\n`
			: `Unbanned ${key}: the relay accepts it again. It is not added back to any group it was removed from; a member can invite the person again.\n`
	);
}

async function bans(args: string[]): Promise<void> {
	const values = options(args, { keys: { type: 'string' }, relay: { type: 'string' }, origin: { type: 'string' }, json: { type: 'boolean' } });
	const keyFile = required(values, 'keys');
	const relay = relayUrl(required(values, 'relay'));
	const origin = typeof values.origin === 'string' ? originOf(values.origin) : defaultOrigin(relay);
	const secret = readKeyFile(keyFile);
	let list;
	try {
		list = await listBans(secret, { relay, origin, keyFile });
	} finally {
		wipeIdentity(secret.identity);
	}
	if (values.json === true) {
		for (const b of list) process.stdout.write(JSON.stringify({ key: b.key, banned: new Date(b.ts).toISOString() }) + '\n');
		return;
	}
	if (list.length === 0) return void process.stdout.write('No keys are banned.\n');
	for (const b of list) process.stdout.write(`${b.key}  banned ${new Date(b.ts).toISOString()}\n`);
	process.stdout.write(`${list.length} ${list.length === 1 ? 'key' : 'keys'} banned.\n`);
}

async function main(argv: string[]): Promise<void> {
	const [command, ...rest] = argv;
	await ready();
	if (command === 'keygen') return keygen(rest);
	if (command === 'reports') return reports(rest);
	if (command === 'ban') return ban(rest, true);
	if (command === 'unban') return ban(rest, false);
	if (command === 'bans') return bans(rest);
	if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
		process.stdout.write(USAGE + '\n');
		return;
	}
	throw new UsageError(`unknown command "${command}"`);
}

// `reports ... | head` closes the pipe early: that is the reader being done, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

/** Error text can carry words from the relay or a file: no control characters reach the terminal. */
const plain = (text: string) => text.replace(/[\p{Cc}\p{Cf}]/gu, ' ');

try {
	await main(process.argv.slice(2));
} catch (error) {
	if (error instanceof UsageError) {
		process.stderr.write(`moderator: ${plain(error.message)}\n${USAGE}\n`);
		process.exitCode = 2;
	} else if (error instanceof CliError) {
		process.stderr.write(`moderator: ${plain(error.message)}\n`);
		process.exitCode = 1;
	} else {
		// Still one line: the operator gets something to search for, not a trace of internals.
		process.stderr.write(`moderator: unexpected error: ${plain(error instanceof Error ? error.message : String(error))}\n`);
		process.exitCode = 1;
	}
}
// The socket is closed by now; should a relay never answer the close, do not hang the shell.
setTimeout(() => process.exit(), 2_000).unref();
