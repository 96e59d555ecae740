/**
 * Relay benchmarks (issue 2 item 8), on loopback, servers in a child process:
 *  - fan-out: (a) plain `ws` broadcast, no auth, no storage, vs (b) Unseen's relay with
 *    durable (fsync'd) storage; one sender, groups of 50 receivers; deliveries/s and b/a;
 *  - latency: send-to-receive p50/p99 through the relay paced at 20,000 deliveries/s;
 *  - idle: resident memory per idle authenticated connection at 5,000 connections.
 * Run alone with `node bench/run.ts relay`.
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { LABEL } from '../src/lib/core/labels.ts';
import { genesis, message, mid } from '../test/relay/fixtures/ops.ts';
import { spawnChild, spawnRelay } from '../test/kit/child.ts';
import { identity, signWith, type TestIdentity } from '../test/kit/identities.ts';
import { tempDir } from '../test/kit/relay.ts';

const GROUP = 50;
const FANOUT_MESSAGES = 3000;
const WINDOW = 200;
const ROUNDS = 5;
const LATENCY_RATE = 20_000; // deliveries per second
const LATENCY_SECONDS = 4;
const IDLE_CONNECTIONS = 5000;

const GC = ['--expose-gc'];
const spawnRaw = () => spawnChild(join(import.meta.dirname, 'raw-child.ts'), [], GC);

function open(url: string): Promise<{ ws: WebSocket; hello: Record<string, string> }> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, { perMessageDeflate: false });
		ws.once('error', reject);
		ws.once('message', (data) => resolve({ ws, hello: JSON.parse(data.toString()) }));
	});
}

export function request(ws: WebSocket, frame: Record<string, unknown>): Promise<Record<string, unknown>> {
	const id = mid();
	return new Promise((resolve) => {
		const onMessage = (data: WebSocket.RawData) => {
			const f = JSON.parse(data.toString());
			if (f.re === id) {
				ws.off('message', onMessage);
				resolve(f);
			}
		};
		ws.on('message', onMessage);
		ws.send(JSON.stringify({ ...frame, id }));
	});
}

export async function login(url: string, who: TestIdentity): Promise<WebSocket> {
	const { ws, hello } = await open(url);
	const sig = signWith(who, LABEL.relayAuth, { challenge: hello.challenge!, key: who.sign });
	const reply = await request(ws, { t: 'auth', key: who.sign, sig });
	if (reply.t !== 'ok') throw new Error(`auth failed: ${JSON.stringify(reply)}`);
	return ws;
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export interface Setup {
	sender: WebSocket;
	receivers: WebSocket[];
	frames: (ctr: number) => string;
	close(): void;
}

/**
 * The relay: a 50-member group, each member subscribed on its own connection. `url` may pick a
 * relay per member (0 is the sender), for the cluster benchmark (cluster.bench.ts).
 */
export async function relaySetup(relayUrl: string | ((member: number) => string)): Promise<Setup> {
	const at = typeof relayUrl === 'string' ? () => relayUrl : relayUrl;
	const url = at(0);
	const members = Array.from({ length: GROUP }, identity);
	const [admin, ...rest] = members;
	const { op, group } = genesis(admin!, {}, rest.map((who) => ({ who, role: 'member' as const })));
	const sender = await login(url, admin!);
	const created = await request(sender, { t: 'append', group, mid: mid(), entry: { op } });
	if (created.t !== 'ok') throw new Error(`genesis refused: ${JSON.stringify(created)}`);
	const receivers = await Promise.all(
		members.map(async (who, i) => {
			const ws = await login(at(i), who);
			const live = new Promise<void>((resolve) => ws.on('message', (d) => d.toString().startsWith('{"t":"live"') && resolve()));
			await request(ws, { t: 'sub', group, as: who.sign, after: 1 });
			await live;
			ws.removeAllListeners('message');
			return ws;
		})
	);
	const frames = (ctr: number) => JSON.stringify({ t: 'append', id: `m${ctr}`, group, mid: mid(), entry: { msg: message(group, admin!.sign, 0, ctr) } });
	return { sender, receivers, frames, close: () => [sender, ...receivers].forEach((ws) => ws.terminate()) };
}

/** Plain ws: 50 receivers get every frame the sender sends (same frame text as the relay's). */
async function rawSetup(url: string): Promise<Setup> {
	const receivers = await Promise.all(Array.from({ length: GROUP }, async () => (await openRaw(url))));
	const sender = await openRaw(url);
	const group = identity().sign;
	const who = identity().sign;
	const frames = (ctr: number) => JSON.stringify({ t: 'append', id: `m${ctr}`, group, mid: mid(), entry: { msg: message(group, who, 0, ctr) } });
	return { sender, receivers, frames, close: () => [sender, ...receivers].forEach((ws) => ws.terminate()) };
}

function openRaw(url: string): Promise<WebSocket> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, { perMessageDeflate: false });
		ws.once('open', () => resolve(ws));
		ws.once('error', reject);
	});
}

/** Sends `count` frames keeping at most WINDOW ahead of receiver 0; resolves with deliveries/s. */
export async function measureFanout(setup: Setup, count: number): Promise<number> {
	const frames = Array.from({ length: count }, (_, i) => setup.frames(i));
	let delivered = 0;
	const progress: number[] = setup.receivers.map(() => 0);
	let sent = 0;
	let pump = () => {};
	const done = new Promise<void>((resolve) => {
		setup.receivers.forEach((ws, i) =>
			ws.on('message', () => {
				progress[i]!++;
				delivered++;
				if (i === 0) pump();
				if (delivered === count * GROUP) resolve();
			})
		);
	});
	const started = performance.now();
	pump = () => {
		while (sent < count && sent - progress[0]! < WINDOW) setup.sender.send(frames[sent++]!);
	};
	pump();
	await done;
	const seconds = (performance.now() - started) / 1000;
	for (const ws of setup.receivers) ws.removeAllListeners('message');
	return delivered / seconds;
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Both servers up at once, measured in alternation, median of the rounds: noise hits both alike. */
async function fanout(): Promise<{ raw: number; relay: number; rawRounds: number[]; relayRounds: number[] }> {
	const raw = await spawnRaw();
	const dataDir = tempDir();
	const relay = await spawnRelay(dataDir, GC);
	const rawSet = await rawSetup(`ws://127.0.0.1:${raw.port}`);
	const relaySet = await relaySetup(relay.wsUrl);
	await measureFanout(rawSet, 300); // warm-up
	await measureFanout(relaySet, 300);
	const rawRounds: number[] = [];
	const relayRounds: number[] = [];
	for (let round = 0; round < ROUNDS; round++) {
		rawRounds.push(await measureFanout(rawSet, FANOUT_MESSAGES));
		relayRounds.push(await measureFanout(relaySet, FANOUT_MESSAGES));
	}
	rawSet.close();
	relaySet.close();
	await raw.stop();
	await relay.stop();
	rmSync(dataDir, { recursive: true, force: true });
	return { raw: median(rawRounds), relay: median(relayRounds), rawRounds, relayRounds };
}

async function latency(): Promise<{ p50: number; p99: number; deliveries: number; maxMs: number }> {
	const dataDir = tempDir();
	const relay = await spawnRelay(dataDir, GC);
	const result = await pacedLatency(await relaySetup(relay.wsUrl));
	await relay.stop();
	rmSync(dataDir, { recursive: true, force: true });
	return result;
}

/** Send-to-receive times at `rate` deliveries/s for LATENCY_SECONDS; closes the setup. */
export async function pacedLatency(setup: Setup, rate = LATENCY_RATE): Promise<{ p50: number; p99: number; deliveries: number; maxMs: number }> {
	const perSecond = rate / GROUP;
	const total = perSecond * LATENCY_SECONDS;
	const frames = Array.from({ length: total }, (_, i) => setup.frames(i));
	const sentAt = new Float64Array(total);
	const samples: number[] = [];
	const done = new Promise<void>((resolve) => {
		for (const ws of setup.receivers) {
			ws.on('message', (data) => {
				const match = /"ctr":(\d+)/.exec(data.toString());
				if (!match) return;
				samples.push(performance.now() - sentAt[Number(match[1])]!);
				if (samples.length === total * GROUP) resolve();
			});
		}
	});
	// Paced: every 5 ms, the frames whose time has come (keeps the rate exact despite timer drift).
	const started = performance.now();
	let sent = 0;
	const timer = setInterval(() => {
		const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * perSecond));
		for (; sent < due; sent++) {
			sentAt[sent] = performance.now();
			setup.sender.send(frames[sent]!);
		}
		if (sent >= total) clearInterval(timer);
	}, 5);
	await done;
	setup.close();
	samples.sort((a, b) => a - b);
	return { p50: percentile(samples, 50), p99: percentile(samples, 99), deliveries: samples.length, maxMs: samples.at(-1)! };
}

async function idle(): Promise<{ bytes: number; connections: number }> {
	const dataDir = tempDir();
	const relay = await spawnRelay(dataDir, GC);
	const url = relay.wsUrl;
	// Fewer connections only when the open-file limit cannot be raised far enough (reported).
	const limit = Number(process.env.UNSEEN_BENCH_FILE_LIMIT ?? Infinity);
	const count = Math.min(IDLE_CONNECTIONS, Number.isFinite(limit) ? limit - 500 : IDLE_CONNECTIONS);
	const people = Array.from({ length: count }, identity);
	// Warm the server's code paths so that the baseline includes them (the raw server's is not
	// needed: the figure is the relay's own cost per connection).
	const warm = await Promise.all(people.slice(0, 50).map((who) => login(url, who)));
	warm.forEach((ws) => ws.close());
	await new Promise((resolve) => setTimeout(resolve, 500));
	const before = await relay.rss();
	const sockets: WebSocket[] = [];
	for (let i = 0; i < count; i += 250) {
		sockets.push(...(await Promise.all(people.slice(i, i + 250).map((who) => login(url, who)))));
	}
	await new Promise((resolve) => setTimeout(resolve, 1000));
	const after = await relay.rss();
	sockets.forEach((ws) => ws.terminate());
	await relay.stop();
	rmSync(dataDir, { recursive: true, force: true });
	return { bytes: (after - before) / sockets.length, connections: sockets.length };
}

/** The machine's 1-minute load average (2 cores shared with other work: it explains the spread). */
const load1 = () => Math.round(loadavg()[0]! * 100) / 100;

export async function run(): Promise<Record<string, unknown>> {
	const loadBefore = load1();
	const rates = await fanout();
	const loadFanout = load1();
	const lat = await latency();
	const loadLatency = load1();
	const mem = await idle();
	return {
		load: { before: loadBefore, after_fanout: loadFanout, after_latency: loadLatency, after_idle: load1() },
		fanout: {
			relay_deliveries_per_s: Math.round(rates.relay),
			raw_ws_deliveries_per_s: Math.round(rates.raw),
			ratio: Math.round((rates.relay / rates.raw) * 1000) / 1000,
			group_size: GROUP,
			messages_per_round: FANOUT_MESSAGES,
			rounds: ROUNDS,
			relay_rounds: rates.relayRounds.map(Math.round),
			raw_ws_rounds: rates.rawRounds.map(Math.round)
		},
		latency: {
			p50_ms: Math.round(lat.p50 * 100) / 100,
			p99_ms: Math.round(lat.p99 * 100) / 100,
			max_ms: Math.round(lat.maxMs * 100) / 100,
			paced_deliveries_per_s: LATENCY_RATE,
			deliveries: lat.deliveries
		},
		idle: { bytes_per_connection: Math.round(mem.bytes), connections: mem.connections }
	};
}

if (import.meta.main) console.log(JSON.stringify(await run(), null, 2));
