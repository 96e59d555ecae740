/**
 * §13.7 safety settings in the rules every client and the relay run: slow mode (`slowWait`,
 * `slowUntil`, `notePost`), the link limit (`link`, `containsLink`), and the settings op that
 * carries them (admins only, off written as absent).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import * as may from './may.ts';
import * as b from './build.ts';
import { containsLink } from '../../core/links.ts';
import { alice, bob, carol, dave, fullGroup, loadCast } from './state.fixture.ts';
import { expectCode } from '../../../../test/kit/expect-code.ts';

beforeAll(loadCast);

const S = 1000;
const T = 1_800_000_000_000;
const posts = (...ts: number[]) => ts.map((t, i) => [i + 1, t] as const);

describe('§13.7 slow mode rule', () => {
	test('one post per window: the next waits until the window after the last has passed', () => {
		const { state } = fullGroup({ slow: 60 });
		expect(may.slowWait(state, carol.b64, T, [])).toBe(0);
		expect(may.slowWait(state, carol.b64, T + 10 * S, posts(T))).toBe(50 * S);
		expect(may.slowWait(state, carol.b64, T + 60 * S - 1, posts(T))).toBe(1);
		expect(may.slowWait(state, carol.b64, T + 60 * S, posts(T))).toBe(0);
	});

	test('the 5 s grace lets a hello and its message or a quick reaction go, up to three envelopes', () => {
		const { state } = fullGroup({ slow: 30 });
		expect(may.slowWait(state, carol.b64, T + 4_999, posts(T))).toBe(0);
		expect(may.slowWait(state, carol.b64, T + 5_000, posts(T))).toBeGreaterThan(0);
		expect(may.slowWait(state, carol.b64, T + 2 * S, posts(T, T + S))).toBe(0);
		expect(may.slowWait(state, carol.b64, T + 3 * S, posts(T, T + S, T + 2 * S))).toBe(29 * S);
	});

	test('off, moderators, admins and non-members are never slowed; listeners would be', () => {
		expect(may.slowWait(fullGroup().state, carol.b64, T + S, posts(T))).toBe(0);
		const { state } = fullGroup({ slow: 900 });
		for (const who of [alice, bob]) expect(may.slowWait(state, who.b64, T + 6 * S, posts(T))).toBe(0);
		expect(may.slowWait(state, dave.b64, T + 6 * S, posts(T))).toBeGreaterThan(0);
		expect(may.slowUntil(state, bob.b64, posts(T))).toBeNull();
		expect(may.slowUntil(state, carol.b64, posts(T, T + 2 * S))).toBe(T + 2 * S + 900 * S);
		expect(may.slowUntil(state, carol.b64, [])).toBeNull();
	});

	test('a client that saw only some of the posts is never stricter than one that saw them all', () => {
		const { state } = fullGroup({ slow: 30 });
		const all = [T, T + 2 * S, T + 31 * S, T + 33 * S, T + 70 * S];
		for (let mask = 0; mask < 1 << all.length; mask++) {
			const some = all.filter((_, i) => mask & (1 << i));
			for (let at = T; at <= T + 120 * S; at += 500) {
				const full = may.slowWait(state, carol.b64, at, posts(...all.filter((p) => p <= at)));
				const part = may.slowWait(state, carol.b64, at, posts(...some.filter((p) => p <= at)));
				if (full === 0) expect(part).toBe(0);
			}
		}
	});

	test('notePost keeps the last three in relay order, once per seq', () => {
		let list = may.notePost(undefined, 5, T + 5);
		list = may.notePost(list, 5, T + 5);
		expect(list).toEqual([[5, T + 5]]);
		for (const seq of [7, 6, 9]) list = may.notePost(list, seq, T + seq);
		expect(list).toEqual([
			[6, T + 6],
			[7, T + 7],
			[9, T + 9]
		]);
	});
});

describe('§13.7 link limit', () => {
	test('containsLink finds schemes, www. and known domains, not e-mail addresses or ordinary words', () => {
		for (const text of ['see https://example.org/a', 'HTTP://X.Y', 'go to www.somewhere', 'visit example.com today', 'bad.site/path', 'a.b.co:8080', 'ftp://files', 'meet at chat.example.io?']) expect(containsLink(text), text).toBe(true);
		for (const text of ['day 3. going ok', 'write me at ann@example.com', 'end of sentence.Then', 'version 1.2.3', 'Mr.Smith', 'hello www', 'www']) expect(containsLink(text), text).toBe(false);
	});

	test('links = none: members and listeners may not post links; moderators and admins may', () => {
		const { state } = fullGroup({ links: 'none' });
		expectCode(() => may.enforce(may.link(state, carol.b64)), 'PROTOCOL_NOT_ALLOWED');
		expect(may.link(state, dave.b64).ok).toBe(false);
		expect(may.link(state, bob.b64).ok).toBe(true);
		expect(may.link(state, alice.b64).ok).toBe(true);
		expect(may.link(fullGroup().state, carol.b64).ok).toBe(true);
	});
});

describe('§13.7 the settings op', () => {
	test('an admin turns slow mode and the link limit on; a moderator may not; the state carries them', () => {
		const log = fullGroup();
		const meta = new Uint8Array(32);
		const on = { ...log.state.settings, slow: 30, links: 'none' as const };
		expectCode(() => log.append(b.buildSettings(log.state, bob, on, { name: 'g', description: '' }, meta)), 'PROTOCOL_NOT_ALLOWED');
		log.append(b.buildSettings(log.state, alice, on, { name: 'g', description: '' }, meta));
		expect(log.state.settings.slow).toBe(30);
		expect(log.state.settings.links).toBe('none');
		const { slow: _s, links: _l, ...off } = log.state.settings;
		log.append(b.buildSettings(log.state, alice, off, { name: 'g', description: '' }, meta));
		expect(may.slowWait(log.state, carol.b64, T + 6 * S, posts(T))).toBe(0);
		expect(may.link(log.state, carol.b64).ok).toBe(true);
	});
});
