/**
 * The deployment moderator's key file: made once by `keygen`, read by `reports`. It holds the
 * Ed25519 key the tool logs in with (the relay lets only that key list `~deployment` reports and
 * verify stamps of any group) and the X25519 key reports are sealed to (docs/PROTOCOL.md §6.3,
 * §9.7-9.8). Whoever holds the file reads every report sent to the service, so it is written
 * readable by its owner only and never overwritten.
 */
import { closeSync, fchmodSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { deriveIdentity, newIdentityNonce, newRoot, wipeIdentity, type Identity } from '../src/lib/crypto/identity.ts';
import { sodium } from '../src/lib/crypto/sodium.ts';
import type { ModeratorKeys } from '../src/lib/client/moderator.ts';
import { b64Bytes, equalBytes, toB64 } from '../src/lib/core/bytes.ts';
import { CliError } from './moderator-errors.ts';

const KIND = 'unseen-deployment-moderator';

/** What the file holds: the public keys the relay announces and their secret halves (b64url). */
interface KeyFile {
	v: 1;
	kind: typeof KIND;
	sign: string;
	box: string;
	signSecret: string;
	boxSecret: string;
}

export interface ModeratorSecret {
	keys: ModeratorKeys;
	identity: Identity;
}

/**
 * Makes a fresh identity the way the client makes its own (a random root and nonce through
 * deriveIdentity), writes it to `path` with mode 0600 and returns the public keys. An existing
 * file is never replaced: losing the old key would make every report sealed to it unreadable.
 */
export function writeKeyFile(path: string): ModeratorKeys {
	const root = newRoot();
	const nonce = newIdentityNonce();
	const identity = deriveIdentity(root, nonce);
	sodium().memzero(root);
	const keys = { sign: toB64(identity.signPk), box: toB64(identity.boxPk) };
	const file: KeyFile = { v: 1, kind: KIND, ...keys, signSecret: toB64(identity.signSk), boxSecret: toB64(identity.boxSk) };
	wipeIdentity(identity);
	let fd: number;
	try {
		fd = openSync(path, 'wx', 0o600);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EEXIST') throw new CliError(`${path} already exists; keygen never replaces a key file (choose another name, or move the old one away if you really mean to retire it)`);
		throw new CliError(`cannot create ${path} (${code ?? 'unknown error'}): check that the folder exists and is writable`);
	}
	try {
		// The umask could only remove bits from 0600; set it anyway so the mode never depends on it.
		fchmodSync(fd, 0o600);
		writeSync(fd, JSON.stringify(file, null, '\t') + '\n');
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
	return keys;
}

/**
 * Reads and checks a key file: the shape, every key's length, and that each secret really
 * belongs to its public key (a file edited by hand or mixed from two keygens is refused here,
 * not later as a confusing login failure).
 */
export function readKeyFile(path: string): ModeratorSecret {
	let text: string;
	try {
		// Said, not refused: the operator may have reasons (a secrets mount), but should know.
		if ((statSync(path).mode & 0o077) !== 0) process.stderr.write(`moderator: warning: ${path} can be read by other users of this machine; chmod 600 ${path}\n`);
		text = readFileSync(path, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') throw new CliError(`key file ${path} does not exist (make one with: npm run moderator -- keygen --out ${path})`);
		if (code === 'EACCES') throw new CliError(`key file ${path} cannot be read by this user`);
		throw new CliError(`cannot read key file ${path} (${code ?? 'unknown error'})`);
	}
	const bad = (what: string) => new CliError(`key file ${path} is not a moderator key file made by keygen: ${what}`);
	let raw: unknown;
	try {
		raw = JSON.parse(text);
	} catch {
		throw bad('it is not JSON');
	}
	if (!raw || typeof raw !== 'object') throw bad('it is not a JSON object');
	const file = raw as Partial<Record<keyof KeyFile, unknown>>;
	if (file.v !== 1 || file.kind !== KIND) throw bad(`"v" must be 1 and "kind" must be "${KIND}"`);
	const bytes = (field: 'sign' | 'box' | 'signSecret' | 'boxSecret', length: number): Uint8Array => {
		const value = file[field];
		if (typeof value !== 'string') throw bad(`"${field}" is missing`);
		try {
			return b64Bytes(value, length, field);
		} catch {
			throw bad(`"${field}" must be ${length} bytes in base64url`);
		}
	};
	const signPk = bytes('sign', 32);
	const boxPk = bytes('box', 32);
	const signSk = bytes('signSecret', 64);
	const boxSk = bytes('boxSecret', 32);
	if (!equalBytes(sodium().crypto_sign_ed25519_sk_to_pk(signSk), signPk)) throw bad('"signSecret" does not belong to "sign"');
	if (!equalBytes(sodium().crypto_scalarmult_base(boxSk), boxPk)) throw bad('"boxSecret" does not belong to "box"');
	return { keys: { sign: toB64(signPk), box: toB64(boxPk) }, identity: { signPk, signSk, boxPk, boxSk } };
}
