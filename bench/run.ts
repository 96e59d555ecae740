/**
 * `npm run bench`: runs every bench/*.bench.ts module (each exports `run()` returning a result
 * object), merges the results into bench/results.json and prints them as a table.
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

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
