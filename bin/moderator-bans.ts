/**
 * Service bans (docs/PROTOCOL.md §9.8b): the deployment moderator removes a per-group identity
 * key from the relay (`ban`), lets it back (`unban`) and lists the keys banned now (`bans`).
 * A ban or unban is signed with the key file's Ed25519 secret over the relay's own time (its
 * `hello`), so a replayed or forged request is refused by the relay; `bans` logs in like
 * `reports` does.
 */
import { Connection, RelayError } from '../src/lib/client/connection.ts';
import { labelled } from '../src/lib/core/cjson.ts';
import { toB64 } from '../src/lib/core/bytes.ts';
import { LABEL } from '../src/lib/core/labels.ts';
import { sodium } from '../src/lib/crypto/sodium.ts';
import { CliError } from './moderator-errors.ts';
import { connect, requireSameKeys, type InboxOptions } from './moderator-inbox.ts';
import type { ModeratorSecret } from './moderator-keys.ts';

export type BanOptions = Omit<InboxOptions, 'after'>;

async function withRelay<T>(secret: ModeratorSecret, options: BanOptions, job: (conn: Connection) => Promise<T>): Promise<T> {
	const conn = await connect({ ...options, after: 0 });
	try {
		requireSameKeys(conn, secret.keys, { ...options, after: 0 });
		return await job(conn);
	} finally {
		conn.stop();
	}
}

/** Bans (`banned` true) or unbans `key`; resolves once the relay has stored it. */
export async function setBan(secret: ModeratorSecret, options: BanOptions, key: string, banned: boolean): Promise<void> {
	await withRelay(secret, options, async (conn) => {
		// The relay's clock (hello.time), moved on by the time since: the operator's clock may be off.
		const ts = Math.max(conn.hello!.time, Date.now() + conn.clockOffset);
		const sig = toB64(sodium().crypto_sign_detached(labelled(LABEL.serviceBan, { banned, key, ts }), secret.identity.signSk));
		try {
			await conn.request({ t: 'ban', key, banned, ts, sig });
		} catch (error) {
			const why = error instanceof RelayError ? error.message : String(error);
			throw new CliError(`the relay refused to ${banned ? 'ban' : 'unban'} ${key} (${why})`);
		}
	});
}

/** The keys banned now, oldest first. */
export async function listBans(secret: ModeratorSecret, options: BanOptions): Promise<{ key: string; ts: number }[]> {
	return withRelay(secret, options, async (conn) => {
		try {
			await conn.addKey(secret.keys.sign, (message) => sodium().crypto_sign_detached(message, secret.identity.signSk));
			return (await conn.request({ t: 'bans', as: secret.keys.sign })).bans ?? [];
		} catch (error) {
			const why = error instanceof RelayError ? error.message : String(error);
			throw new CliError(`could not list bans (${why})`);
		}
	});
}
