/**
 * Recomputes every value in test/vectors/{identity,group,epoch,invite,safety}.json from its inputs.
 * group.json holds an op of every kind (checked); each is verified, not just replayed.
 */
import { openWarn } from '../../crypto/warn-note.ts';
import { openRequest } from '../../crypto/join-request.ts';
import { beforeAll, describe, expect, test } from 'vitest';
import identityJson from '../../../../test/vectors/identity.json' with { type: 'json' };
import groupJson from '../../../../test/vectors/group.json' with { type: 'json' };
import epochJson from '../../../../test/vectors/epoch.json' with { type: 'json' };
import inviteJson from '../../../../test/vectors/invite.json' with { type: 'json' };
import safetyJson from '../../../../test/vectors/safety.json' with { type: 'json' };
import { fromB64, toB64 } from '../../core/bytes.ts';
import { opSchema, type Op } from '../../core/schema.ts';
import type { CJson } from '../../core/cjson.ts';
import { deriveEpochKeys, epochCommit, openEpochSecret } from '../../crypto/epoch.ts';
import { deriveIdentity } from '../../crypto/identity.ts';
import { inviteFetchSignature, inviteKeys, inviteLink, openInviteBody, parseInviteLink, sealInviteBody, type InviteBody } from '../../crypto/invite.ts';
import { sodiumPrimitives } from '../../crypto/primitives.ts';
import { safetyNumber } from '../../crypto/safety.ts';
import { ready, sodium } from '../../crypto/sodium.ts';
import { encryptOpBody } from './body.ts';
import { metaKeyOf } from './build.ts';
import { applyOp, isEpochOp, opHashB64, opInviteSigningBytes, opSigningBytes } from './state.ts';
import type { GroupState } from './types.ts';

const person = (n: number) => deriveIdentity(new Uint8Array(32).fill(n), new Uint8Array(32).fill(n + 0x80));

beforeAll(async () => {
	await ready();
});

describe('known-answer vectors', () => {
	test.each(identityJson.cases)('identity from root $root', (c) => {
		const id = deriveIdentity(fromB64(c.root), fromB64(c.nonce));
		expect({ signPk: toB64(id.signPk), signSk: toB64(id.signSk), boxPk: toB64(id.boxPk), boxSk: toB64(id.boxSk) }).toEqual({ signPk: c.signPk, signSk: c.signSk, boxPk: c.boxPk, boxSk: c.boxSk });
	});

	test.each(epochJson.cases)('epoch $epoch: commitment, sealed keys, meta key and chain keys', (c) => {
		expect(toB64(epochCommit(c.epoch, c.group, fromB64(c.secret)))).toBe(c.commit);
		const keys = deriveEpochKeys(fromB64(c.secret), c.group === '' ? new Uint8Array(0) : fromB64(c.group), Object.keys(c.chains));
		expect(toB64(keys.metaKey)).toBe(c.metaKey);
		expect(Object.fromEntries([...keys.chains].map(([k, v]) => [k, toB64(v)]))).toEqual(c.chains);
		for (const n of [1, 2]) {
			const id = person(n);
			expect(toB64(openEpochSecret(c, c.group, { sign: toB64(id.signPk), boxPk: id.boxPk, boxSk: id.boxSk }))).toBe(c.secret);
		}
	});

	test('invite: keys, link, body and fetch signature', () => {
		const v = inviteJson;
		const keys = inviteKeys(fromB64(v.secret), v.group);
		expect(toB64(keys.signPk)).toBe(v.invitePk);
		expect(toB64(keys.encKey)).toBe(v.encKey);
		expect(inviteLink('https://unseen.example', v.group, fromB64(v.secret), v.head)).toBe(v.link);
		expect(toB64(parseInviteLink(v.link).secret)).toBe(v.secret);
		expect(parseInviteLink(v.link).head).toBe(v.head);
		expect(sealInviteBody(keys, v.group, v.content, fromB64(v.bodyNonce))).toBe(v.body);
		expect(openInviteBody(keys, v.group, v.body)).toEqual(v.content);
		expect(inviteFetchSignature(keys, v.challenge, v.group)).toBe(v.fetchSig);
	});

	test.each(safetyJson.cases)('safety number of $a.sign and $b.sign (box keys included)', (c) => {
		const s = safetyNumber(c.group, c.a, c.b);
		expect(s.digits).toBe(c.digits);
		expect(s.emoji).toBe(c.emoji);
	});

	/** Every op kind the state machine accepts (opSchema's variants). */
	const ALL_KINDS = opSchema.options.map((o) => o.entries.kind.literal);

	interface VectorEntry {
		now: number;
		op: Op;
		hash: string;
		signingBytes: string;
		secret?: string;
		bodyNonce?: string;
		content?: CJson;
		inviteSecret?: string;
		/** The state after this op (§3.5). */
		state: unknown;
	}
	const logs: [string, VectorEntry[], unknown][] = [
		['group', groupJson.entries as unknown as VectorEntry[], groupJson.state],
		['pair', groupJson.pair.entries as unknown as VectorEntry[], groupJson.pair.state]
	];

	test('group log vectors hold an op of every kind the state machine accepts', () => {
		const covered = new Set(logs.flatMap(([, entries]) => entries.map((e) => e.op.kind)));
		expect(ALL_KINDS.length).toBeGreaterThanOrEqual(13);
		expect([...covered].sort()).toEqual([...ALL_KINDS].sort());
	});

	test.each(logs)('%s log: hashes, signing bytes, signatures, sealed keys, commitments, bodies, the state after each op and the final state', (_name, entries, finalState) => {
		const na = sodium();
		const primitives = sodiumPrimitives();
		const byAuthor = new Map([1, 2, 3, 4, 5, 6].map(person).map((p) => [toB64(p.signPk), p]));
		const inviteSecrets = new Map<string, string>();
		const receiveKeys = new Map((groupJson as unknown as { receiveKeys: { pk: string; sk: string }[] }).receiveKeys.map((k) => [k.pk, k.sk]));
		let state: GroupState | null = null;
		let epochSecret: Uint8Array | null = null;
		for (const entry of entries) {
			const op = entry.op;
			const at = `${op.kind} at ${entry.now}`;
			expect(opHashB64(op, primitives), at).toBe(entry.hash);
			expect(toB64(opSigningBytes(op)), at).toBe(entry.signingBytes);
			const author = byAuthor.get(op.author)!;
			expect(toB64(na.crypto_sign_detached(opSigningBytes(op), author.signSk)), at).toBe(op.sig);
			const group = op.kind === 'genesis' ? '' : op.group;
			if (isEpochOp(op)) {
				// Every epoch op states its secret: the commitment and each member's sealed box match it.
				expect(entry.secret, at).toBeDefined();
				const secret = fromB64(entry.secret!);
				expect(toB64(epochCommit(op.epoch, group, secret)), at).toBe(op.commit);
				for (const k of op.keys) {
					// §4.2: the author's own rk, else the recipient's rk before the op, else its box key.
					const to = byAuthor.get(k.to)!;
					const pending = op.kind === 'approve' && k.to === op.target ? state!.pending![k.to]!.rk : undefined;
					const rk = k.to === op.author && op.rk ? op.rk : (pending ?? (state && Object.hasOwn(state.members, k.to) ? state.members[k.to]!.rk : undefined));
					const boxPk = rk ? fromB64(rk) : to.boxPk;
					const boxSk = rk ? fromB64(receiveKeys.get(rk)!) : to.boxSk;
					expect(toB64(openEpochSecret(op, group, { sign: k.to, boxPk, boxSk })), at).toBe(entry.secret);
				}
			} else {
				expect(entry.secret, at).toBeUndefined();
			}
			if (op.kind === 'invite') {
				expect(entry.inviteSecret, at).toBeDefined();
				inviteSecrets.set(op.invite.key, entry.inviteSecret!);
			}
			if (op.kind === 'join' || op.kind === 'request') {
				const keys = inviteKeys(fromB64(inviteSecrets.get(op.invite)!), op.group);
				expect(toB64(na.crypto_sign_detached(opInviteSigningBytes(op), keys.signSk)), at).toBe(op.inviteSig);
			}
			// Every body is recomputed from its stated plaintext and nonce under the right key.
			if ('body' in op && op.body !== undefined) {
				expect(entry.bodyNonce && entry.content, at).toBeDefined();
				const nonce = fromB64(entry.bodyNonce!);
				const content = entry.content!;
				let body: string;
				if (op.kind === 'warn') {
					// §13.5: the note opens for its target and each moderator and admin, with their box keys.
					const note = content as { target: string };
					const readers = [note.target, ...Object.values(state!.members).filter((m) => m.role === 'admin' || m.role === 'moderator').map((m) => m.sign)];
					for (const reader of readers) expect(openWarn(group, op.author, byAuthor.get(reader)!, op.body), at).toEqual(content);
					body = op.body;
				} else if (op.kind === 'request') {
					// §13.8: the note opens for each moderator and admin, with their box keys, and for nobody else.
					const readers = Object.values(state!.members).filter((m) => m.role === 'admin' || m.role === 'moderator').map((m) => m.sign);
					for (const reader of readers) expect(openRequest(group, op.author, op.invite, byAuthor.get(reader)!, op.body), at).toEqual(content);
					expect(openRequest(group, op.author, op.invite, byAuthor.get(op.author)!, op.body), at).toBeNull();
					body = op.body;
				} else if (op.kind === 'invite') {
					const keys = inviteKeys(fromB64(entry.inviteSecret!), op.group);
					expect(toB64(keys.signPk), at).toBe(op.invite.key);
					body = sealInviteBody(keys, op.group, content as InviteBody, nonce);
				} else {
					// Genesis and join: the meta key of the epoch they start; settings and hide: the current one.
					const starts = op.kind === 'genesis' || op.kind === 'join';
					const secret = starts ? fromB64(entry.secret!) : epochSecret!;
					const epoch = starts ? op.epoch : state!.epoch;
					body = encryptOpBody(metaKeyOf(secret, group), content, { group, kind: op.kind, author: op.author, epoch }, nonce);
				}
				expect(body, at).toBe(op.body);
			} else {
				expect(entry.bodyNonce ?? entry.content, at).toBeUndefined();
			}
			state = applyOp(state, op, { now: entry.now, primitives });
			// Strict: an optional member (asks) must be absent, not undefined, as in the stored JSON.
			expect(state, `state after ${at}`).toStrictEqual(entry.state);
			if (entry.secret) epochSecret = fromB64(entry.secret);
		}
		expect(state).toEqual(finalState);
	});
});
