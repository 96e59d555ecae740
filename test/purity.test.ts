/**
 * The house's floors (README "Layout"; STYLE rule 1). The ground floor `core` imports nothing of
 * ours; `crypto` stands on core; `protocol` on core and crypto; the relay on core and the group
 * rules, never libsodium. The pure floors run unchanged in the browser, in Node tests and in
 * benchmarks, so they import nothing environment-specific either. A wrong-way import fails here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..');

/** Each floor and the floors it may import (besides itself). Anything of ours not listed is refused. */
const MAY_IMPORT: Record<string, readonly string[]> = {
	'src/lib/core': [],
	'src/lib/crypto': ['src/lib/core'],
	'src/lib/protocol': ['src/lib/core', 'src/lib/crypto'],
	'src/lib/storage': ['src/lib/core', 'src/lib/crypto'],
	'src/lib/client': ['src/lib/core', 'src/lib/crypto', 'src/lib/protocol', 'src/lib/storage', 'src/lib/words'],
	'src/lib/words': ['src/lib/core'],
	'src/lib/config': ['src/lib/core'],
	'src/lib/state': ['src/lib/core', 'src/lib/client', 'src/lib/storage', 'src/lib/words', 'src/lib/config'],
	'src/lib/ui': ['src/lib/core', 'src/lib/client', 'src/lib/state', 'src/lib/words', 'src/lib/config'],
	'src/routes': ['src/lib/core', 'src/lib/client', 'src/lib/state', 'src/lib/ui', 'src/lib/words', 'src/lib/config', 'src/lib/storage', 'src/app.css'],
	server: ['src/lib/core', 'src/lib/protocol/group', 'src/lib/protocol/wire.ts'],
	bin: ['src/lib/core', 'src/lib/crypto', 'src/lib/protocol', 'src/lib/client', 'src/lib/words', 'server']
};

/** Floors that must run anywhere: no Node, no browser, no framework. */
const PURE_FLOORS = ['src/lib/core', 'src/lib/crypto', 'src/lib/protocol', 'src/lib/words'];
const FORBIDDEN_IMPORTS = [/^node:/, /^ws$/, /^level/, /^classic-level/, /^svelte/, /^\$app\//, /^@sveltejs\//, /^idb/];
const FORBIDDEN_GLOBALS = [/\bwindow\./, /\bdocument\./, /\blocalStorage\b/, /\bindexedDB\b/, /\bprocess\./, /\bBuffer\./];
/** Packages the ground floor may use: the schema library and nothing else. */
const CORE_PACKAGES = ['valibot'];

function sourceFiles(dir: string): string[] {
	const full = join(root, dir);
	return readdirSync(full).flatMap((name) => {
		const path = join(full, name);
		if (statSync(path).isDirectory()) return sourceFiles(relative(root, path));
		return /\.(ts|svelte)$/.test(name) && !/\.(test|spec|fixture)\.ts$/.test(name) && !/testkit\.ts$/.test(name) ? [relative(root, path)] : [];
	});
}

function importsOf(source: string): string[] {
	const specifiers: string[] = [];
	for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"\n;]*?from\s*['"]([^'"]+)['"]/g)) specifiers.push(match[1]!);
	for (const match of source.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) specifiers.push(match[1]!);
	for (const match of source.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(match[1]!);
	return specifiers;
}

/** The repository path an import of ours points at, or null for a package. */
function target(file: string, spec: string): string | null {
	// `#lib/*` is the package's subpath import of src/lib (package.json "imports"; SvelteKit 3 dropped `$lib`).
	if (spec.startsWith('#lib/')) return join('src/lib', spec.slice(5));
	if (spec.startsWith('.')) return relative(root, resolve(root, dirname(file), spec));
	return null;
}

const floorOf = (path: string): string | undefined =>
	Object.keys(MAY_IMPORT)
		.filter((floor) => path === floor || path.startsWith(floor + '/'))
		.sort((a, b) => b.length - a.length)[0];

const checked = Object.keys(MAY_IMPORT).flatMap((floor) => sourceFiles(floor).map((file) => [file, floor] as const));

describe('the floors of the house', () => {
	test('every floor has source files to check', () => {
		for (const floor of Object.keys(MAY_IMPORT)) expect(sourceFiles(floor).length, floor).toBeGreaterThan(0);
	});

	test.each(checked)('%s imports only the floors below it', (file, floor) => {
		const allowed = MAY_IMPORT[floor]!;
		const wrong = importsOf(readFileSync(join(root, file), 'utf8')).filter((spec) => {
			const path = target(file, spec);
			if (path === null) return false;
			if (path === floor || path.startsWith(floor + '/')) return false;
			return !allowed.some((ok) => path === ok || path.startsWith(ok + '/'));
		});
		expect(wrong, `${file} (${floor}) imports ${wrong.join(', ')}`).toEqual([]);
	});

	test('the direction table refuses a wrong-way import', () => {
		// The check itself: crypto reaching up into protocol is exactly what the table forbids.
		expect(floorOf('src/lib/crypto/invite.ts')).toBe('src/lib/crypto');
		expect(MAY_IMPORT['src/lib/crypto']).not.toContain(floorOf(target('src/lib/crypto/invite.ts', '../protocol/group/body.ts')!));
		expect(floorOf(target('server/relay.ts', '../src/lib/crypto/sodium.ts')!)).toBe('src/lib/crypto');
		expect(MAY_IMPORT.server).not.toContain('src/lib/crypto');
	});

	test.each(sourceFiles('src/lib/core').map((f) => [f]))('%s (ground floor) uses no package but the schema library', (file) => {
		const packages = importsOf(readFileSync(join(root, file), 'utf8')).filter((spec) => target(file, spec) === null);
		expect(packages.filter((p) => !CORE_PACKAGES.includes(p))).toEqual([]);
	});
});

describe('pure floors', () => {
	const files = PURE_FLOORS.flatMap((floor) => sourceFiles(floor));

	test.each(files.map((f) => [f]))('%s imports nothing environment-specific', (file) => {
		const bad = importsOf(readFileSync(join(root, file), 'utf8')).filter((spec) => FORBIDDEN_IMPORTS.some((re) => re.test(spec)));
		expect(bad, `${file} imports ${bad.join(', ')}`).toEqual([]);
	});

	test.each(files.map((f) => [f]))('%s touches no browser or Node global', (file) => {
		const code = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
		const bad = FORBIDDEN_GLOBALS.filter((re) => re.test(code)).map(String);
		expect(bad, `${file} uses ${bad.join(', ')}`).toEqual([]);
	});

	test('the relay never imports libsodium, not even through the group rules it shares', () => {
		// Follow every import of ours from server/ to the end: no path may reach src/lib/crypto or libsodium.
		const seen = new Set<string>();
		const reached: string[] = [];
		const visit = (file: string, via: string[]): void => {
			if (seen.has(file)) return;
			seen.add(file);
			for (const spec of importsOf(readFileSync(join(root, file), 'utf8'))) {
				if (spec.includes('libsodium')) reached.push([...via, file, spec].join(' -> '));
				const path = target(file, spec);
				if (path === null || !/\.ts$/.test(path)) continue;
				if (path.startsWith('src/lib/crypto/')) reached.push([...via, file, path].join(' -> '));
				else visit(path, [...via, file]);
			}
		};
		for (const file of sourceFiles('server')) visit(file, []);
		expect(seen.size).toBeGreaterThan(sourceFiles('server').length);
		expect(reached).toEqual([]);
	});
});
