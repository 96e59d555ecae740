/**
 * `npm run bench`: runs every bench/*.bench.ts module (each exports `run()` returning a result
 * object), merges the results into bench/results.json and prints them as a table.
 */
import { execSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const NEEDED_FILES = 12_000;

/** The open-file limit of this shell; Infinity for "unlimited". */
function fileLimit(): number {
	const text = execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim();
	return text === 'unlimited' ? Infinity : Number(text);
}

// The relay benchmark holds 5,000 sockets on each side. Raise the soft open-file limit to the
// hard one (allowed without privileges) by re-running this script under a shell that does so.
if (!process.env.UNSEEN_BENCH_RELAUNCHED && fileLimit() < NEEDED_FILES) {
	const relaunch = spawnSync('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, ...process.argv.slice(1)], {
		stdio: 'inherit',
		env: { ...process.env, UNSEEN_BENCH_RELAUNCHED: '1' }
	});
	process.exit(relaunch.status ?? 1);
}
process.env.UNSEEN_BENCH_FILE_LIMIT = String(fileLimit());

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const modules = readdirSync(dir)
	.filter((name) => name.endsWith('.bench.ts'))
	.filter((name) => only.length === 0 || only.some((o) => name.startsWith(o)))
	.sort();

const resultsPath = join(dir, 'results.json');
const results: Record<string, unknown> = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) : {};

function rows(prefix: string, value: unknown, out: [string, string][]): [string, string][] {
	if (value && typeof value === 'object' && !Array.isArray(value)) {
		for (const [k, v] of Object.entries(value)) rows(prefix ? `${prefix}.${k}` : k, v, out);
	} else {
		out.push([prefix, typeof value === 'number' ? String(Math.round(value * 100) / 100) : JSON.stringify(value)]);
	}
	return out;
}

for (const name of modules) {
	console.log(`bench: ${name} …`);
	const started = performance.now();
	const module = (await import(pathToFileURL(join(dir, name)).href)) as { run(): Promise<Record<string, unknown>> };
	const result = await module.run();
	Object.assign(results, result);
	console.log(`bench: ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
	const table = rows('', result, []);
	const width = Math.max(...table.map(([k]) => k.length));
	for (const [k, v] of table) console.log(`  ${k.padEnd(width)}  ${v}`);
}

results.measured_at = new Date().toISOString();
results.machine = { node: process.version, platform: `${process.platform}-${process.arch}` };
writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n');
console.log(`bench: results written to ${resultsPath}`);
