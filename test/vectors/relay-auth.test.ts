/**
 * Known-answer vector for relay login (docs/PROTOCOL.md §9.2-§9.3, test/vectors/relay-auth.json,
 * written by grouplog-vectors.ts): a fixed identity and a fixed hello challenge give exactly one
 * signed message and one signature. Checked three ways, so that a change of label, field names or
 * encoding on either side fails here rather than in the field:
 *   - the transcript: labelled("unseen/v1/relay-auth", {challenge, key}) is the stored bytes;
 *   - the client: the real ClientCore.addKey signer and Connection login, fed a hello with the
 *     stored challenge, send exactly the stored auth frame;
 *   - the relay: its real handleAuth accepts that frame on a connection with that challenge (and
 *     only there), and its Ed25519 check verifies the stored signature over the stored bytes.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import vector from './relay-auth.json' with { type: 'json' };
import { handleAuth, type RequestContext } from '../../server/requests.ts';
import type { Connection as RelayConnection } from '../../server/connection.ts';
import { RelayError as ServerRelayError } from '../../server/errors.ts';
import { verifyEd25519 } from '../../server/primitives.ts';
import type { Kv } from '../../src/lib/storage/kv.ts';
import { ConnectionPool } from '../../src/lib/client/pool.ts';
import { ClientCore } from '../../src/lib/client/core.ts';
import type { GroupHandle } from '../../src/lib/client/group.ts';
import { deriveIdentity } from '../../src/lib/crypto/identity.ts';
import { ready } from '../../src/lib/crypto/sodium.ts';
import { fromB64, toB64, utf8 } from '../../src/lib/core/bytes.ts';
import { labelled } from '../../src/lib/core/cjson.ts';
import { LABEL } from '../../src/lib/core/labels.ts';
import type { ClientFrame } from '../../src/lib/protocol/wire.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const unhex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
type AuthFrame = Extract<ClientFrame, { t: 'auth' }>;

/** The smallest WebSocket the client's Connection can drive: records what it sends. */
class FakeSocket {
	static opened: FakeSocket[] = [];
	readyState = 1;
	readonly sent: string[] = [];
	private readonly listeners = new Map<string, ((event: { data?: string }) => void)[]>();
	readonly url: string;
	constructor(url: string) {
		this.url = url;
		FakeSocket.opened.push(this);
	}
	addEventListener(type: string, listener: (event: { data?: string }) => void): void {
		this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
	}
	send(data: string): void {
		this.sent.push(data);
	}
	close(): void {
		this.readyState = 3;
	}
	/** Delivers a frame from the "relay". */
	receive(frame: unknown): void {
		for (const listener of this.listeners.get('message') ?? []) listener({ data: JSON.stringify(frame) });
	}
}

const until = async (check: () => boolean, what: string) => {
	const end = Date.now() + 5_000;
	while (!check()) {
		if (Date.now() > end) throw new Error(`${what}: not in time`);
		await new Promise((r) => setTimeout(r, 5));
	}
};

/** A relay-side connection whose hello carried `challenge`. */
function relayConnection(challenge: string) {
	const sent: string[] = [];
	const keys = new Set<string>();
	const conn = { challenge, keys, prove: (key: string) => void keys.add(key), send: (text: string) => void sent.push(text) } as unknown as RelayConnection;
	return { conn, sent };
}
const relayCtx = { config: { maxKeys: 64 }, banned: new Set<string>() } as unknown as RequestContext;
const authFrame = (id: string): AuthFrame => ({ t: 'auth', id, key: vector.auth.key, sig: vector.auth.sig });

beforeAll(async () => {
	await ready();
});

describe('relay-auth known-answer vector (PROTOCOL §9.3)', () => {
	test('fixed seed → key; fixed challenge → the exact signed bytes', () => {
		const id = deriveIdentity(fromB64(vector.root), fromB64(vector.nonce));
		expect(hex(id.signPk)).toBe(vector.keyHex);
		expect(toB64(id.signPk)).toBe(vector.key);
		expect(hex(fromB64(vector.challenge))).toBe(vector.challengeHex);
		const message = labelled(LABEL.relayAuth, { challenge: vector.challenge, key: vector.key });
		expect(hex(message)).toBe(vector.messageHex);
		expect(hex(utf8(vector.messageText))).toBe(vector.messageHex);
		expect(vector.messageText.startsWith('unseen/v1/relay-auth\u0000{"challenge":')).toBe(true);
		expect(hex(fromB64(vector.auth.sig))).toBe(vector.sigHex);
		expect(vector.auth.key).toBe(vector.key);
	});

	test('the client (ClientCore signer + Connection login) answers the stored challenge with exactly the stored auth frame', async () => {
		FakeSocket.opened = [];
		const conn = new ConnectionPool({ url: 'ws://relay.invalid/relay', WebSocket: FakeSocket as unknown as typeof WebSocket });
		const core = new ClientCore(conn, {} as Kv, 'https://unseen.example', Date.now);
		const id = deriveIdentity(fromB64(vector.root), fromB64(vector.nonce));
		try {
			core.addKey({ session: { id, me: toB64(id.signPk) } } as unknown as GroupHandle);
			conn.start();
			const socket = FakeSocket.opened[0]!;
			socket.receive({ t: 'hello', v: 1, challenge: vector.challenge, time: Date.now(), limits: { maxPayload: 65536, maxKeys: 64 } });
			await until(() => socket.sent.length > 0, 'auth frame');
			const frame = JSON.parse(socket.sent[0]!) as AuthFrame;
			expect(frame).toEqual({ ...vector.auth, id: frame.id });
			expect(hex(fromB64(frame.sig))).toBe(vector.sigHex);
			socket.receive({ t: 'ok', re: frame.id });
			await until(() => conn.state === 'online', 'online');
		} finally {
			conn.stop();
		}
	});

	test('the relay (handleAuth, verifyEd25519) accepts the stored frame for the stored challenge', () => {
		expect(verifyEd25519(unhex(vector.sigHex), unhex(vector.messageHex), unhex(vector.keyHex))).toBe(true);
		const { conn, sent } = relayConnection(vector.challenge);
		handleAuth(relayCtx, conn, authFrame('1'));
		expect(sent.map((s) => JSON.parse(s))).toEqual([{ t: 'ok', re: '1' }]);
		expect([...conn.keys]).toEqual([vector.key]);
	});

	test('the relay refuses the stored signature for any other challenge, or with one bit of it changed', () => {
		const refused = (challenge: string, frame: AuthFrame) => {
			const { conn, sent } = relayConnection(challenge);
			try {
				handleAuth(relayCtx, conn, frame);
			} catch (error) {
				expect(sent).toEqual([]);
				expect(conn.keys.size).toBe(0);
				return error instanceof ServerRelayError ? error.code : error;
			}
			return 'accepted';
		};
		const otherChallenge = fromB64(vector.challenge);
		otherChallenge[31]! ^= 1;
		expect(refused(toB64(otherChallenge), authFrame('2'))).toBe('RELAY_AUTH_FAILED');
		const sig = fromB64(vector.auth.sig);
		sig[0]! ^= 1;
		expect(refused(vector.challenge, { ...authFrame('3'), sig: toB64(sig) })).toBe('RELAY_AUTH_FAILED');
	});
});
