import { beforeAll, describe, expect, test } from 'vitest';
import { labelled } from '../cjson.ts';
import { LABEL } from '../labels.ts';
import { sodium } from '../../crypto/sodium.ts';
import * as b from './build.ts';
import { applyOp, opInviteSigningBytes, opSigningBytes } from './state.ts';
import { loadSodium, memberOf, newGroup, person } from './testkit.ts';
import { isProtocolError } from '../errors.ts';

beforeAll(loadSodium);

describe('P7 domain separation', () => {
	test('P7 domain separation: every label in labels.ts is distinct and none is a prefix of another', () => {
		const labels = Object.values(LABEL);
		expect(new Set(labels).size).toBe(labels.length);
		// labelled() puts a 0x00 after the label, so a prefix would still not collide; check anyway.
		for (const a of labels) for (const c of labels) if (a !== c) expect(labelled(a, {})).not.toEqual(labelled(c, {}));
	});

	test('P7 domain separation: an author\'s op signature does not pass as the invite key\'s consent to a join', () => {
		const alice = person('alice');
		const log = newGroup(alice, [memberOf(person('bob'), 'member')]);
		const op = b.buildRole(log.state, alice, person('bob').b64, 'moderator');
		expect(opSigningBytes(op)).not.toEqual(opInviteSigningBytes(op));
		const sig = sodium().from_base64(op.sig, sodium().base64_variants.URLSAFE_NO_PADDING);
		expect(sodium().crypto_sign_verify_detached(sig, opSigningBytes(op), alice.signPk)).toBe(true);
		expect(sodium().crypto_sign_verify_detached(sig, opInviteSigningBytes(op), alice.signPk)).toBe(false);
		expect(sodium().crypto_sign_verify_detached(sig, labelled(LABEL.relayAuth, { challenge: op.parent, key: op.author }), alice.signPk)).toBe(false);
	});

	test('P7 domain separation: a join whose invite signature is the author\'s own signature over the same op is rejected', () => {
		const alice = person('alice');
		const log = newGroup(alice);
		const { secret } = { secret: new Uint8Array(32).fill(4) };
		log.append(b.buildInvite(log.state, alice, { secret, expires: log.now + 10_000, maxUses: 1, role: 'member', content: { name: '', description: '', inviter: { name: '' } } }));
		const eve = person('eve');
		const { op } = b.buildJoin(log.state, eve, secret, { profile: { name: 'Eve' } });
		// Reuse the joiner's own op signature as the invite key's consent.
		const forged = { ...op, inviteSig: op.sig };
		let code = '';
		try {
			applyOp(log.state, forged, log.ctx);
		} catch (error) {
			if (isProtocolError(error)) code = error.code;
		}
		expect(code).toBe('PROTOCOL_BAD_SIGNATURE');
	});
});
