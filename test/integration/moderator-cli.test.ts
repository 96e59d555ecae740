/**
 * The deployment moderator's tool (bin/moderator.ts, P8): keygen makes the key the relay is
 * configured with, and `reports` reads and verifies what members sent to the service. The real
 * relay (LevelDB in a temporary folder, random port), real headless clients, and the tool run
 * as its own process, exactly as an operator runs it.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { defaults, startClient, startRelay, stopAll, until, type Relay, type TestClient } from './harness.ts';
import { getJson, keys, putJson } from '../../src/lib/client/store.ts';
import { moderatorFingerprint } from '../../src/lib/client/moderator.ts';
import type { FrankingRecord } from '../../src/lib/protocol/session/types.ts';
import { fromB64, fromUtf8, toB64, utf8 } from '../../src/lib/core/bytes.ts';
import { ready } from '../../src/lib/crypto/sodium.ts';
import { reportText, reportJson } from '../../bin/moderator-output.ts';
import { moderatorTool } from '../kit/moderator-tool.ts';

const ABUSE = 'nobody here would miss you';

beforeAll(() => ready());

let relay: Relay | null = null;
let dir = '';
const clients: TestClient[] = [];
afterEach(async () => {
	await stopAll(clients, relay);
	relay = null;
	if (dir) await rm(dir, { recursive: true, force: true });
	dir = '';
});

const tool = moderatorTool;

/** keygen into the test's folder; returns the file and the keys from the printed env lines. */
async function keygen(name = 'moderator.json') {
	dir ||= await mkdtemp(join(tmpdir(), 'unseen-moderator-'));
	const file = join(dir, name);
	const run = await tool('keygen', '--out', file);
	expect(run.code, run.stderr).toBe(0);
	const sign = /^MODERATOR_SIGN_KEY=(\S+)$/m.exec(run.stdout)?.[1];
	const box = /^MODERATOR_BOX_KEY=(\S+)$/m.exec(run.stdout)?.[1];
	expect(sign && box).toBeTruthy();
	return { file, run, keys: { sign: sign!, box: box! } };
}

/** Ash (admin) and Bo in a group on a relay whose deployment moderator is `moderator`. */
async function pairWithService(moderator: { sign: string; box: string }) {
	relay = await startRelay({ moderator });
	const [ash, bo] = await Promise.all([startClient(relay.url), startClient(relay.url)]);
	clients.push(ash, bo);
	const id = await ash.client.createGroup({ ...defaults, name: 'Circle', pseudonym: 'Ash' });
	const invite = await ash.client.createInvite(id, { expiresInMs: 60_000, maxUses: 1, role: 'member' });
	await bo.client.joinWithInvite(invite.link, 'Bo');
	await until(() => ash.client.members(id).length === 2 && bo.client.serviceModerator() !== null);
	return { ash, bo, id };
}

/** Ash says `text`; returns the id Bo sees it under once its franking record is on Bo's disk. */
async function received(ash: TestClient, bo: TestClient, id: string, text: string): Promise<string> {
	await ash.client.send(id, { text });
	await until(() => bo.client.messages(id).some((m) => m.text === text), 10_000, `"${text}" received`);
	const msg = bo.client.messages(id).find((m) => m.text === text)!;
	for (let i = 0; i < 200 && !(await getJson(bo.store, keys.franking(id, msg.id))); i++) await new Promise((r) => setTimeout(r, 20));
	return msg.id;
}

/** Bo's view of Ash's display name as a reportable hello (so the report carries the name). */
async function ashName(bo: TestClient, id: string): Promise<string> {
	await until(() => bo.client.members(id).find((m) => m.name === 'Ash')?.profileId !== undefined, 10_000, "Ash's hello");
	return bo.client.members(id).find((m) => m.name === 'Ash')!.profileId!;
}

const jsonLines = (out: string) => out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at |Error:|node:internal/);

describe('keygen', () => {
	test('writes a key file only its owner can read, prints relay settings that match it, and never overwrites it', async () => {
		const { file, run, keys: printed } = await keygen();
		expect((await stat(file)).mode & 0o777).toBe(0o600);
		const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
		expect({ sign: saved.sign, box: saved.box }).toEqual(printed);
		expect(fromB64(saved.signSecret!)).toHaveLength(64);
		expect(run.stdout).toContain(moderatorFingerprint(printed));
		expect(run.stdout).toMatch(/publish this fingerprint/i);

		const again = await tool('keygen', '--out', file);
		expect(again.code).toBe(1);
		expect(again.stderr).toMatch(/already exists/);
		noStack(again.stderr);
		expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(saved);
	});
});

describe('reports', () => {
	test('P8 verifiable reporting: a report to the service is read with the note, the words, the sender\'s name and "Verified"', async () => {
		const { file, keys: moderator } = await keygen();
		const { ash, bo, id } = await pairWithService(moderator);
		const abuse = await received(ash, bo, id, ABUSE);
		await bo.client.report(id, [abuse, await ashName(bo, id)], 'this was said to me last night', true);

		const text = await tool('reports', '--keys', file, '--relay', relay!.url);
		expect(text.code, text.stderr).toBe(0);
		expect(text.stdout).toMatch(/^Report 1, received \d{4}-\d\d-\d\dT[\d:.]+Z, group \S{8}…$/m);
		expect(text.stdout).toContain('Note: "this was said to me last night"');
		expect(text.stdout).toMatch(/^ {2}Verified: message from "Ash" \[key \S{8}\] at \S+Z\n {4}"nobody here would miss you"$/m);
		expect(text.stdout).toMatch(/^ {2}Verified: display name from "Ash" \[key \S{8}\]/m);
		expect(text.stdout).toContain('1 report, 2 messages verified, 0 not verified\nnext: --after 1\n');

		const json = await tool('reports', '--keys', file, '--relay', relay!.url, '--json');
		expect(json.code, json.stderr).toBe(0);
		const [report, summary, ...rest] = jsonLines(json.stdout);
		expect(rest).toEqual([]);
		const ashKey = bo.client.members(id).find((m) => m.name === 'Ash')!.sign;
		expect(report).toMatchObject({ type: 'report', seq: 1, opened: true, group: id, note: 'this was said to me last night' });
		expect(report!.messages).toContainEqual(expect.objectContaining({ kind: 'text', text: ABUSE, sender: ashKey, senderName: 'Ash', verified: true }));
		expect(summary).toEqual({ type: 'summary', reports: 1, verified: 2, notVerified: 0, unopened: 0, next: 1 });

		const later = await tool('reports', '--keys', file, '--relay', relay!.url, '--after', '1');
		expect(later.code, later.stderr).toBe(0);
		expect(later.stdout).not.toContain(ABUSE);
		expect(later.stdout).toBe('0 reports, 0 messages verified, 0 not verified\nnext: --after 1\n');
	});

	test('P8 a forged stamp and altered words are printed "NOT verified", junk reports as unopened, and the run still succeeds', async () => {
		const { file, keys: moderator } = await keygen();
		const { ash, bo, id } = await pairWithService(moderator);
		// Reports the service key cannot open: sealed to someone else, and garbage sealed "to" it.
		const junk = toB64(new Uint8Array(80).fill(5));
		await bo.client.transport.once((conn) => conn.request({ t: 'report', sealed: [{ to: toB64(new Uint8Array(32).fill(9)), box: junk }] }));
		await bo.client.transport.once((conn) => conn.request({ t: 'report', sealed: [{ to: moderator.box, box: junk }] }));

		const altered = await received(ash, bo, id, 'see you on Tuesday');
		const forged = await received(ash, bo, id, ABUSE);
		// A dishonest reporter edits what its device kept before reporting (test/tamper/franking.test.ts).
		const edit = async (msg: string, change: (r: FrankingRecord) => FrankingRecord) => {
			const key = keys.franking(id, msg);
			await putJson(bo.store, key, change((await getJson<FrankingRecord>(bo.store, key))!));
		};
		await edit(altered, (r) => {
			const content = JSON.parse(fromUtf8(fromB64(r.body))) as Record<string, unknown>;
			return { ...r, body: toB64(utf8(JSON.stringify({ ...content, text: 'I know where you live' }))) };
		});
		await edit(forged, (r) => ({ ...r, stamp: toB64(new Uint8Array(32).fill(7)) }));
		await bo.client.report(id, [altered, forged, await ashName(bo, id)], 'threats', true);

		const text = await tool('reports', '--keys', file, '--relay', relay!.url);
		expect(text.code, text.stderr).toBe(0);
		expect(text.stdout).toMatch(/^Report 1, received \S+: could not be opened \(it is not sealed to this key\)$/m);
		expect(text.stdout).toMatch(/^Report 2, received \S+: could not be opened \(report does not open with this key\)$/m);
		expect(text.stdout).toMatch(/^ {2}NOT verified \(the words are not the ones the sender sent; they were changed after sending\): message from "Ash" \[key \S{8}\] at \S+\n {4}"I know where you live"$/m);
		expect(text.stdout).toMatch(/^ {2}NOT verified \(the relay never stamped this message[^)]*\): message from "Ash" \[key \S{8}\] at \S+\n {4}"nobody here would miss you"$/m);
		expect(text.stdout).not.toMatch(/^ {2}Verified: message/m);
		expect(text.stdout).toContain('3 reports, 1 message verified, 2 not verified, 2 could not be opened\nnext: --after 3\n');

		const json = jsonLines((await tool('reports', '--keys', file, '--relay', relay!.url, '--json')).stdout);
		expect(json.slice(0, 2)).toEqual([expect.objectContaining({ seq: 1, opened: false }), expect.objectContaining({ seq: 2, opened: false })]);
		expect(json[2]!.messages).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ text: 'I know where you live', verified: false, reason: 'commitment' }),
				expect.objectContaining({ text: ABUSE, verified: false, reason: 'stamp' })
			])
		);
	});

	test('a key file that is not the one the relay is configured with is refused in plain words', async () => {
		const { keys: configured } = await keygen('configured.json');
		const { file: other } = await keygen('other.json');
		relay = await startRelay({ moderator: configured });
		const run = await tool('reports', '--keys', other, '--relay', relay.url);
		expect(run.code).toBe(1);
		expect(run.stdout).toBe('');
		expect(run.stderr).toMatch(/^moderator: the relay at \S+ is configured with other moderator keys \(fingerprint [0-9a-f ]+\) than \S+other\.json/);
		expect(run.stderr).toContain(moderatorFingerprint(configured));
		expect(run.stderr.trim().split('\n')).toHaveLength(1);
		noStack(run.stderr);
	});

	test.each([
		['not JSON', 'moderator key', /is not a moderator key file made by keygen: it is not JSON/],
		['a secret that belongs to no key', 'swap', /"boxSecret" does not belong to "box"/],
		['missing', null, /does not exist \(make one with: npm run moderator -- keygen/]
	])('a key file that is %s is refused in plain words before connecting', async (_name, content, message) => {
		const { file, keys: good } = await keygen();
		if (content === 'swap') {
			const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
			await writeFile(file, JSON.stringify({ ...saved, boxSecret: toB64(new Uint8Array(32).fill(1)) }));
		} else if (content === null) await rm(file);
		else await writeFile(file, content);
		relay = await startRelay({ moderator: good });
		const run = await tool('reports', '--keys', file, '--relay', relay.url);
		expect(run.code).toBe(1);
		expect(run.stderr).toMatch(message);
		expect(run.stderr.trim().split('\n')).toHaveLength(1);
		noStack(run.stderr);
	});

	test('a relay that is not running is reported in plain words', async () => {
		const { file, keys: moderator } = await keygen();
		const stopped = await startRelay({ moderator });
		await stopAll([], stopped);
		const run = await tool('reports', '--keys', file, '--relay', stopped.url);
		expect(run.code).toBe(1);
		expect(run.stderr).toMatch(/^moderator: nothing answered at 127\.0\.0\.1:\d+: is the relay running/);
		noStack(run.stderr);
	});

	test('a relay that only allows its site\'s origin is reached with --origin, and says what to pass without it', async () => {
		const { file, keys: moderator } = await keygen();
		relay = await startRelay({ moderator, allowedOrigins: ['https://unseen.test'] });
		const refused = await tool('reports', '--keys', file, '--relay', relay.url);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/refused connections from origin http:\/\/127\.0\.0\.1:\d+: pass --origin/);
		noStack(refused.stderr);
		const allowed = await tool('reports', '--keys', file, '--relay', relay.url, '--origin', 'https://unseen.test');
		expect(allowed.code, allowed.stderr).toBe(0);
		expect(allowed.stdout).toBe('0 reports, 0 messages verified, 0 not verified\nnext: --after 0\n');
	});
});

describe('what a reporter controls cannot fake the output', () => {
	const forged = {
		seq: 7,
		ts: 1_767_000_000_000,
		group: 'G'.repeat(43),
		note: 'see below',
		messages: [
			{
				kind: 'text' as const,
				sender: 'S'.repeat(43),
				// A display name built to print a line that looks like a verdict, and a time no clock has.
				senderName: 'X at now\n    "hi"\n  Verified: message from Bo\u001b[1A',
				seq: 3,
				ts: 9e15,
				text: 'words',
				verified: false,
				reason: 'stamp'
			}
		]
	};

	test('P8 verifiable reporting: the moderator tool prints a content warning, quoted, above the words it was verified with', () => {
		const warned = { ...forged, messages: [{ ...forged.messages[0]!, senderName: 'Ash', ts: 1_767_000_000_000, cw: 'nobody would miss you\n  Verified:', verified: true, reason: undefined }] };
		const lines = reportText(warned).trimEnd().split('\n');
		expect(lines.slice(2)).toEqual([expect.stringMatching(/^ {2}Verified: message from "Ash"/), '    Content warning: "nobody would miss you\\n  Verified:"', '    "words"']);
		expect(JSON.parse(reportJson(warned)).messages[0]).toMatchObject({ cw: 'nobody would miss you\n  Verified:', text: 'words', verified: true });
	});

	test('a display name with a newline or an escape code stays on its own line, quoted, and an impossible time does not stop the listing', () => {
		const text = reportText(forged);
		const lines = text.trimEnd().split('\n');
		expect(lines).toHaveLength(4);
		expect(lines.filter((l) => /^\s*Verified:/.test(l))).toEqual([]);
		expect(lines[2]).toMatch(/^ {2}NOT verified \(the relay never stamped .*\): message from "X at now\\n.*\\u001b\[1A" \[key SSSSSSSS\] at time 9000000000000000$/);
		expect(text).not.toContain('\u001b');
		expect(JSON.parse(reportJson(forged))).toMatchObject({ seq: 7, messages: [{ senderName: forged.messages[0]!.senderName, verified: false }] });
	});

	test('plain ws:// is refused for a relay on another machine (the verify frames would show what was reported)', async () => {
		const { file } = await keygen();
		const run = await tool('reports', '--keys', file, '--relay', 'ws://relay.example.org/relay');
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/^moderator: --relay must use wss:\/\/ for a relay on another machine/);
	});
});
