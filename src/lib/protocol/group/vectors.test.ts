/** Recomputes every value in test/vectors/{identity,group,epoch,invite,safety}.json from its inputs. */
import { beforeAll, describe, expect, test } from 'vitest';
import identityJson from '../../../../test/vectors/identity.json' with { type: 'json' };
import groupJson from '../../../../test/vectors/group.json' with { type: 'json' };
import epochJson from '../../../../test/vectors/epoch.json' with { type: 'json' };
import inviteJson from '../../../../test/vectors/invite.json' with { type: 'json' };
import safetyJson from '../../../../test/vectors/safety.json' with { type: 'json' };
import { fromB64, toB64 } from '../bytes.ts';
import type { Op } from '../schema.ts';
import { deriveEpochKeys, epochCommit, openEpochSecret } from '../../crypto/epoch.ts';
import { deriveIdentity } from '../../crypto/identity.ts';
import { inviteFetchSignature, inviteKeys, inviteLink, openInviteBody, parseInviteLink, sealInviteBody } from '../../crypto/invite.ts';
import { sodiumPrimitives } from '../../crypto/primitives.ts';
import { safetyNumber } from '../../crypto/safety.ts';
import { ready, sodium } from '../../crypto/sodium.ts';
import { encryptOpBody } from './body.ts';
import { metaKeyOf } from './build.ts';
import { applyOp, opHashB64, opSigningBytes } from './state.ts';
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
		expect(inviteLink('https://unseen.example', v.group, fromB64(v.secret))).toBe(v.link);
		expect(toB64(parseInviteLink(v.link).secret)).toBe(v.secret);
		expect(sealInviteBody(keys, v.group, v.content, fromB64(v.bodyNonce))).toBe(v.body);
		expect(openInviteBody(keys, v.group, v.body)).toEqual(v.content);
		expect(inviteFetchSignature(keys, v.challenge, v.group)).toBe(v.fetchSig);
	});

	test.each(safetyJson.cases)('safety number of $a.sign and $b.sign (box keys included)', (c) => {
		const s = safetyNumber(c.group, c.a, c.b);
		expect(s.digits).toBe(c.digits);
		expect(s.emoji).toBe(c.emoji);
	});

	test('group log: hashes, signing bytes, signatures, bodies, commitments and the final state', () => {
		const na = sodium();
		const primitives = sodiumPrimitives();
		const people = [1, 2, 3].map(person);
		const byAuthor = new Map(people.map((p) => [toB64(p.signPk), p]));
		let state: GroupState | null = null;
		for (const entry of groupJson.entries) {
			const op = entry.op as Op;
			expect(opHashB64(op, primitives)).toBe(entry.hash);
			expect(toB64(opSigningBytes(op))).toBe(entry.signingBytes);
			const author = byAuthor.get(op.author)!;
			expect(toB64(na.crypto_sign_detached(opSigningBytes(op), author.signSk))).toBe(op.sig);
			const group = op.kind === 'genesis' ? '' : op.group;
			if ('commit' in op && entry.secret) expect(toB64(epochCommit(op.epoch, group, fromB64(entry.secret)))).toBe(op.commit);
			if ((op.kind === 'genesis' || op.kind === 'join') && entry.secret && entry.bodyNonce) {
				const content = op.kind === 'genesis' ? groupJson.inputs.genesis : groupJson.inputs.join;
				const body = encryptOpBody(metaKeyOf(fromB64(entry.secret), group), content, { group, kind: op.kind, author: op.author, epoch: op.epoch }, fromB64(entry.bodyNonce));
				expect(body).toBe(op.body);
			}
			state = applyOp(state, op, { now: entry.now, primitives });
		}
		expect(state).toEqual(groupJson.state);
	});
});
