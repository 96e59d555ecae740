import { beforeAll, describe, expect, test } from 'vitest';
import { toB64, utf8 } from '../core/bytes.ts';
import { labelled } from '../core/cjson.ts';
import { LABEL } from '../core/labels.ts';
import { inviteFetchSignature, inviteKeys, inviteLink, inviteLinkAt, newInvite, openInviteBody, parseInviteLink, sealInviteBody } from './invite.ts';
import { ready, sodium } from './sodium.ts';
import { expectCode } from '../../../test/kit/expect-code.ts';

const group = toB64(new Uint8Array(32).fill(3));
const head = toB64(new Uint8Array(32).fill(7));
const content = { name: 'Tuesday circle', description: 'A quiet place', inviter: { name: 'Sam' } };

beforeAll(async () => {
	await ready();
});

describe('invite links', () => {
	test('P9 anonymity: the secret travels only in the fragment, and the link parses back to group and secret', () => {
		const { secret } = newInvite(group);
		const link = inviteLink('https://unseen.example/', group, secret, head);
		const url = new URL(link);
		expect(url.pathname).toBe('/join');
		expect(url.search).toBe('');
		expect(url.href.split('#')[0]).not.toContain(toB64(secret));
		const parsed = parseInviteLink(link);
		expect(parsed.group).toBe(group);
		expect(parsed.secret).toEqual(secret);
		expect(parseInviteLink(url.hash).group).toBe(group);
		expect(parsed.head).toBe(head);
		expect(link.length - 'https://unseen.example/join#'.length).toBe(130);
	});

	test('P2 members control membership: a link given out again names the head of that moment, and an old link without a head still parses', () => {
		const { secret } = newInvite(group);
		const later = toB64(new Uint8Array(32).fill(9));
		const again = inviteLinkAt(inviteLink('https://unseen.example', group, secret, head), later);
		expect(again.startsWith('https://unseen.example/join#')).toBe(true);
		expect(parseInviteLink(again)).toMatchObject({ group, head: later });
		const v1 = `https://unseen.example/join#${toB64(new Uint8Array([1, ...new Uint8Array(32).fill(3), ...secret]))}`;
		const old = parseInviteLink(v1);
		expect(old.secret).toEqual(secret);
		expect(old.head).toBeUndefined();
	});

	test.each([
		['a link with no fragment', 'https://unseen.example/join'],
		['a fragment that is not base64url', 'https://unseen.example/join#not*base64'],
		['a fragment cut short', 'https://unseen.example/join#AQID'],
		['a link from another version', `https://unseen.example/join#${toB64(new Uint8Array(97).fill(3))}`],
		['a version-2 link without its head', `https://unseen.example/join#${toB64(new Uint8Array(65).fill(2))}`]
	])('%s is refused with PROTOCOL_INVITE_INVALID', (_, link) => {
		expectCode(() => parseInviteLink(link), 'PROTOCOL_INVITE_INVALID');
	});
});

describe('invite keys and body', () => {
	test('the invite key names the invite, and its body opens only with the secret for the same group and key', () => {
		const { secret, key } = newInvite(group);
		const keys = inviteKeys(secret, group);
		expect(toB64(keys.signPk)).toBe(key);
		const body = sealInviteBody(keys, group, content);
		expect(openInviteBody(inviteKeys(secret, group), group, body)).toEqual(content);
		const otherGroup = toB64(new Uint8Array(32).fill(4));
		expectCode(() => openInviteBody(inviteKeys(secret, otherGroup), otherGroup, body), 'PROTOCOL_DECRYPT_FAILED');
		expectCode(() => openInviteBody(inviteKeys(newInvite(group).secret, group), group, body), 'PROTOCOL_DECRYPT_FAILED');
	});

	test('P1 confidentiality: the invite body carries no group name in the clear', () => {
		const { secret } = newInvite(group);
		const body = sealInviteBody(inviteKeys(secret, group), group, content);
		expect(atob(body.replace(/-/g, '+').replace(/_/g, '/') + '=='.slice(0, (4 - (body.length % 4)) % 4))).not.toContain('Tuesday');
	});

	test('P7 domain separation: the invite signing seed and the body key differ, and differ per group', () => {
		const { secret } = newInvite(group);
		const a = inviteKeys(secret, group);
		const b = inviteKeys(secret, toB64(new Uint8Array(32).fill(4)));
		expect(toB64(a.signSk.subarray(0, 32))).not.toBe(toB64(a.encKey));
		expect(toB64(a.signPk)).not.toBe(toB64(b.signPk));
		expect(toB64(a.encKey)).not.toBe(toB64(b.encKey));
	});

	test('the fetch signature proves possession to the relay for exactly this challenge and group', () => {
		const { secret, key } = newInvite(group);
		const challenge = toB64(new Uint8Array(32).fill(8));
		const sig = sodium().from_base64(inviteFetchSignature(inviteKeys(secret, group), challenge, group), sodium().base64_variants.URLSAFE_NO_PADDING);
		const pk = inviteKeys(secret, group).signPk;
		const ok = (c: string, g: string, label: string = LABEL.inviteFetch) => sodium().crypto_sign_verify_detached(sig, labelled(label, { challenge: c, group: g, key }), pk);
		expect(ok(challenge, group)).toBe(true);
		expect(ok(toB64(new Uint8Array(32)), group)).toBe(false);
		expect(ok(challenge, toB64(new Uint8Array(32).fill(4)))).toBe(false);
		expect(ok(challenge, group, LABEL.relayAuth)).toBe(false);
		expect(utf8(LABEL.inviteFetch).length).toBeGreaterThan(0);
	});
});
