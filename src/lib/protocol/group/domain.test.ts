import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { labelled } from '../../core/cjson.ts';
import { LABEL } from '../../core/labels.ts';
import { sodium } from '../../crypto/sodium.ts';
import * as b from './build.ts';
import { applyOp, opInviteSigningBytes, opSigningBytes } from './state.ts';
import { loadSodium, memberOf, newGroup, person } from './testkit.ts';
import { expectCode } from '../../../../test/kit/expect-code.ts';

beforeAll(loadSodium);

describe('P7 domain separation', () => {
	test('P7 domain separation: labels are distinct, contain no 0x00, and label ‖ 0x00 is prefix-free, so no two labelled inputs can be equal', () => {
		const labels = Object.values(LABEL);
		expect(new Set(labels).size).toBe(labels.length);
		expect(labels.filter((l) => l.includes('\0'))).toEqual([]);
		// Labels are prefixes of each other as strings ("unseen/v1/msg" and "unseen/v1/msg-sig"); the
		// 0x00 terminator is what separates them. Check that terminated labels are prefix-free.
		const framed = labels.map((l) => labelled(l, {}).subarray(0, new TextEncoder().encode(l).length + 1));
		const clashes: string[] = [];
		framed.forEach((a, i) =>
			framed.forEach((c, j) => {
				if (i !== j && c.length >= a.length && a.every((byte, k) => c[k] === byte)) clashes.push(`${labels[i]} / ${labels[j]}`);
			})
		);
		expect(clashes).toEqual([]);
		// Sanity check that the test can fail: two labels that are string prefixes do exist.
		expect(labels.some((a) => labels.some((c) => a !== c && c.startsWith(a)))).toBe(true);
	});

	test('P7 domain separation: each label has one job (finding 17): the pair-mac KDF and MAC, and the record and keyring AD, use different labels', () => {
		expect(LABEL.pairMacKey).not.toBe(LABEL.pairMac);
		expect(LABEL.keyringAd).not.toBe(LABEL.storageAd);
		// The sources use each label only in its own role.
		const uses = (file: string, re: RegExp) => (readFileSync(new URL(file, import.meta.url), 'utf8').match(re) ?? []).length;
		expect(uses('../../crypto/hello.ts', /kdf\([^)]*LABEL\.pairMac\b/g)).toBe(0);
		expect(uses('../../crypto/hello.ts', /kdf\([^)]*LABEL\.pairMacKey\b/g)).toBe(1);
		expect(uses('../../crypto/vault.ts', /labelled\(LABEL\.storageAd, \{ store: 'keyring' \}\)/g)).toBe(1); // read-only legacy fallback
		expect(uses('../../crypto/vault.ts', /LABEL\.keyringAd/g)).toBe(1);
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
		expectCode(() => applyOp(log.state, forged, log.ctx), 'PROTOCOL_BAD_SIGNATURE');
	});
});
