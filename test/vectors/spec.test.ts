/**
 * The spec is the truth (docs/PROTOCOL.md): its tables are read from the text and compared with
 * the code, and vectors that rest on a table, a state or a secret are recomputed from the spec
 * alone with node:crypto (not libsodium, not the code under test), as a second implementation
 * would. A spec edit that the code does not follow, or the reverse, fails here.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { canonicalJson } from '../../src/lib/core/cjson.ts';
import { opSchema } from '../../src/lib/core/schema.ts';
import { SAFETY_EMOJI } from '../../src/lib/crypto/safety.ts';
import group from './group.json' with { type: 'json' };
import report from './report.json' with { type: 'json' };
import safety from './safety.json' with { type: 'json' };

const spec = readFileSync(join(import.meta.dirname, '../../docs/PROTOCOL.md'), 'utf8');
const lines = spec.split('\n');

/** The rows of the markdown table whose header line is exactly `header`, as trimmed cells. */
function table(header: string): string[][] {
	const start = lines.indexOf(header);
	expect(start, `table "${header}" in PROTOCOL.md`).toBeGreaterThan(-1);
	const rows: string[][] = [];
	for (let i = start + 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
		rows.push(lines[i]!.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim()));
	}
	return rows;
}

/** Names in backquotes: "`nonce`, `settings`" → ["nonce", "settings"]. */
const names = (cell: string) => [...cell.matchAll(/`(\w+)`/g)].map((m) => m[1]!);

const labelled = (label: string, value: unknown) => Buffer.concat([Buffer.from(label), Buffer.from([0]), Buffer.from(canonicalJson(value as never))]);
const b64 = (bytes: Buffer) => bytes.toString('base64url');
const unb64 = (text: string) => Buffer.from(text, 'base64url');

describe('§2.3 SAFETY_EMOJI', () => {
	test('the 16 × 16 table in the spec is the code\'s table, entry for entry', () => {
		const rows = lines.filter((line) => /^\| \*\*[0-9A-F]x\*\* \|/.test(line));
		const fromSpec = rows.flatMap((line) => line.split('|').slice(2, -1).map((cell) => cell.trim()));
		expect(fromSpec).toHaveLength(256);
		expect(fromSpec).toEqual([...SAFETY_EMOJI]);
	});

	test('the code point ranges in the spec give the same table', () => {
		const start = spec.indexOf('The same table as code points');
		const text = spec.slice(start, spec.indexOf('\n\n', start));
		const fromRanges: string[] = [];
		for (const m of text.matchAll(/(\d+)(?:–(\d+))? U\+([0-9A-F]+)(?:–U\+([0-9A-F]+))?/g)) {
			const [first, last, from] = [Number(m[1]), Number(m[2] ?? m[1]), parseInt(m[3]!, 16)];
			expect(fromRanges.length).toBe(first);
			expect(parseInt(m[4] ?? m[3]!, 16) - from).toBe(last - first);
			for (let i = first; i <= last; i++) fromRanges.push(String.fromCodePoint(from + i - first));
		}
		expect(fromRanges).toEqual([...SAFETY_EMOJI]);
	});

	test.each(safety.cases)('safety.json is recomputed from §2.3 with node:crypto and the spec\'s table ($digits)', (c) => {
		const sorted = [c.a, c.b].sort((x, y) => Buffer.compare(unb64(x.sign), unb64(y.sign)));
		const d = createHash('sha256').update(labelled('unseen/v1/safety-number', { group: c.group, keys: sorted.map((m) => [m.sign, m.box]) })).digest();
		const d2 = createHash('sha256').update(d).digest();
		const block = (bytes: Buffer, offset: number) => String(bytes.readUInt32BE(offset) % 100000).padStart(5, '0');
		const blocks = [...Array(10).keys()].map((i) => block(d, 2 * i)).concat([block(d2, 0), block(d2, 2)]);
		const emojiTable = lines.filter((line) => /^\| \*\*[0-9A-F]x\*\* \|/.test(line)).flatMap((line) => line.split('|').slice(2, -1).map((cell) => cell.trim()));
		expect(blocks.join(' ')).toBe(c.digits);
		expect([...d.subarray(0, 8)].map((byte) => emojiTable[byte]).join(' ')).toBe(c.emoji);
	});
});

describe('§3.1 op schema per kind', () => {
	const rows = table('| kind | further members (all required but `rk`) | their types | `body` |');
	const variants = new Map(opSchema.options.map((o) => [o.entries.kind.literal as string, o.entries as Record<string, { type: string }>]));

	test('the spec lists every kind of the code, once', () => {
		expect(rows.map((r) => names(r[0]!)[0]).sort()).toEqual([...variants.keys()].sort());
	});

	test.each(rows.map((r) => [names(r[0]!)[0]!, r] as const))('%s: the members and the body rule of the spec are the schema\'s', (kind, row) => {
		const entries = variants.get(kind)!;
		const body = row[3]!.split(' ')[0];
		const expected = ['v', 'kind', 'author', 'at', 'sig', ...(kind === 'genesis' ? [] : ['group', 'parent']), ...names(row[1]!), ...(body === 'none' ? [] : ['body'])];
		expect(Object.keys(entries).sort()).toEqual(expected.sort());
		if (body !== 'none') expect(entries.body!.type === 'optional', `${kind}.body optional`).toBe(body === 'optional');
		// `rk` (§4.4) is optional on the epoch kinds and required on `key` and `request`.
		if (entries.rk) expect(entries.rk.type === 'optional', `${kind}.rk optional`).toBe(kind !== 'key' && kind !== 'request');
	});
});

describe('§3.5 state shape, against every state in group.json', () => {
	const rows = table('| member | type | value |');
	const members = rows.map((r) => names(r[0]!)[0]!);
	const states = [...group.entries, ...group.pair.entries].map((e) => e.state as Record<string, unknown>);

	test('the spec\'s members are the state\'s; every one is present but asks, muted and pending, which are present only when non-empty', () => {
		const optional = ['asks', 'muted', 'pending'];
		expect(members).toEqual(expect.arrayContaining(optional));
		expect(states.some((s) => 'asks' in s)).toBe(true);
		expect(states.some((s) => 'pending' in s)).toBe(true);
		for (const state of states) {
			const required = members.filter((m) => !optional.includes(m));
			expect(Object.keys(state).filter((k) => !optional.includes(k)).sort()).toEqual(required.sort());
			if ('asks' in state) expect((state.asks as unknown[]).length).toBeGreaterThan(0);
			if ('muted' in state) expect(Object.keys(state.muted as object).length).toBeGreaterThan(0);
			if ('pending' in state) expect(Object.keys(state.pending as object).length).toBeGreaterThan(0);
			expect(typeof state.commit).toBe('string');
		}
	});

	test('lastOpAt is the relay time of the last op; since is 0 at genesis and the new epoch for join and add', () => {
		const entries = group.entries;
		entries.forEach((e) => expect(e.state.lastOpAt).toBe(e.now));
		const joined = entries.filter((e) => e.op.kind === 'join' || e.op.kind === 'add');
		expect(joined.length).toBe(2);
		for (const e of joined) {
			const op = e.op as { member: { sign: string }; epoch: number };
			expect((e.state.members as unknown as Record<string, { since: number }>)[op.member.sign]!.since).toBe(op.epoch);
		}
		for (const m of Object.values(entries[0]!.state.members)) expect(m.since).toBe(0);
	});
});

describe('vectors checkable from the spec alone', () => {
	test.each([...group.entries, ...group.pair.entries].map((e) => [e.op.kind, e] as const))('group.json %s: op hash and signing bytes from §3.1 with node:crypto', (_kind, entry) => {
		const { sig: _sig, inviteSig: _inviteSig, ...unsigned } = entry.op as Record<string, unknown>;
		expect(b64(labelled('unseen/v1/op', unsigned))).toBe(entry.signingBytes);
		expect(b64(createHash('sha256').update(labelled('unseen/v1/op-hash', entry.op)).digest())).toBe(entry.hash);
	});

	test('report.json: the disclosed message\'s stamp is HMAC-SHA-256 under the stated relay secret (§6.2)', () => {
		for (const m of report.report.messages) {
			const fields = { c: m.header.c, sender: m.header.sender, group: m.header.group, seq: m.seq, ts: m.ts };
			expect(b64(createHmac('sha256', unb64(report.relaySecret)).update(labelled('unseen/v1/stamp', fields)).digest())).toBe(m.stamp);
		}
	});
});
