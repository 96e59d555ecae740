/**
 * Summarises a V8 CPU profile (.cpuprofile, as written by BENCH_PROFILE or `node --cpu-prof`):
 *   node bench/profile-summary.ts file.cpuprofile [top]
 * Prints the functions with the most self time, and the most total (inclusive) time, in ms.
 */
import { readFileSync } from 'node:fs';

interface Node {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	children?: number[];
}
interface Profile {
	nodes: Node[];
	samples: number[];
	timeDeltas: number[];
	startTime: number;
	endTime: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
	console.error('usage: node bench/profile-summary.ts file.cpuprofile [top]');
	process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
	const id = profile.samples[i]!;
	selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
}
const name = (n: Node) => {
	const f = n.callFrame;
	const where = f.url ? `${f.url.split('/').pop()}:${f.lineNumber + 1}` : '';
	return `${f.functionName || '(anonymous)'} ${where}`.trim();
};
const self = new Map<string, number>();
const total = new Map<string, number>();
for (const [id, us] of selfUs) {
	const n = byId.get(id)!;
	self.set(name(n), (self.get(name(n)) ?? 0) + us);
	const seen = new Set<string>();
	for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
		const k = name(byId.get(cur)!);
		if (seen.has(k)) continue;
		seen.add(k);
		total.set(k, (total.get(k) ?? 0) + us);
	}
}
const ms = (us: number) => (us / 1000).toFixed(1).padStart(9);
console.log(`profile: ${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms, ${profile.samples.length} samples`);
for (const [title, map] of [['self', self], ['total', total]] as const) {
	console.log(`\n-- top ${top} by ${title} time (ms)`);
	for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(us)}  ${k}`);
}

// The timeline: for each bucket of BUCKET ms, how much of it the page was idle, and what ran most.
const BUCKET = Number(process.env.PROFILE_BUCKET_MS ?? 250) * 1000;
console.log(`\n-- timeline, ${BUCKET / 1000} ms buckets: idle %, then the three largest callees under the root (ms)`);
const rootChildOf = (id: number): number => {
	let cur = id;
	for (let p = parent.get(cur); p !== undefined && parent.get(p) !== undefined; p = parent.get(p)) cur = p;
	return cur;
};
/** The deepest app frame under which a sample ran, for naming what a bucket did. */
const label = (id: number): string => {
	for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
		const n = byId.get(cur)!;
		const f = n.callFrame.functionName;
		if (['pump', 'write', 'flush', 'receiveBacklog', 'applyEntries', '#process', 'toNewest', 'onmessage', 'handle'].includes(f)) return name(n);
	}
	return name(byId.get(rootChildOf(id))!);
};
let t = profile.startTime;
const buckets = new Map<number, Map<string, number>>();
for (let i = 0; i < profile.samples.length; i++) {
	t += profile.timeDeltas[i] ?? 0;
	const b = Math.floor((t - profile.startTime) / BUCKET);
	const id = profile.samples[i]!;
	const k = label(id);
	const m = buckets.get(b) ?? new Map<string, number>();
	m.set(k, (m.get(k) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
	buckets.set(b, m);
}
for (const [b, m] of [...buckets].sort((x, y) => x[0] - y[0])) {
	const sum = [...m.values()].reduce((a, x) => a + x, 0) || 1;
	const idle = ((m.get('(idle)') ?? 0) / sum) * 100;
	const topThree = [...m].filter(([k]) => k !== '(idle)').sort((x, y) => y[1] - x[1]).slice(0, 3).map(([k, us]) => `${k} ${(us / 1000).toFixed(0)}`);
	console.log(`${String((b * BUCKET) / 1000).padStart(6)} ms  idle ${idle.toFixed(0).padStart(3)}%  ${topThree.join(', ')}`);
}
