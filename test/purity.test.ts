/**
 * STYLE rule 1: the crypto core and the protocol core are pure. They run unchanged in the
 * browser, in Node tests and in benchmarks, so they import nothing environment-specific.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..');
const PURE_DIRS = ['src/lib/crypto', 'src/lib/protocol'];
const FORBIDDEN_IMPORTS = [/^node:/, /^ws$/, /^level/, /^classic-level/, /^svelte/, /^\$app\//, /^@sveltejs\//, /^idb/];
const FORBIDDEN_GLOBALS = [/\bwindow\./, /\bdocument\./, /\blocalStorage\b/, /\bindexedDB\b/, /\bprocess\./, /\bBuffer\./];

function sourceFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return sourceFiles(path);
		return /\.ts$/.test(name) && !/\.(test|spec)\.ts$/.test(name) ? [path] : [];
	});
}

function importsOf(source: string): string[] {
	const specifiers: string[] = [];
	for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"\n]*?from\s*['"]([^'"]+)['"]/g)) specifiers.push(match[1]!);
	for (const match of source.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(match[1]!);
	return specifiers;
}

const files = PURE_DIRS.flatMap((dir) => sourceFiles(join(root, dir)));

describe('pure core', () => {
	test('has source files to check', () => {
		expect(files.length).toBeGreaterThan(5);
	});

	test.each(files.map((f) => [relative(root, f)]))('%s imports nothing environment-specific', (file) => {
		const source = readFileSync(join(root, file), 'utf8');
		const bad = importsOf(source).filter((spec) => FORBIDDEN_IMPORTS.some((re) => re.test(spec)));
		expect(bad, `${file} imports ${bad.join(', ')}`).toEqual([]);
	});

	test.each(files.map((f) => [relative(root, f)]))('%s touches no browser or Node global', (file) => {
		const code = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
		const bad = FORBIDDEN_GLOBALS.filter((re) => re.test(code)).map(String);
		expect(bad, `${file} uses ${bad.join(', ')}`).toEqual([]);
	});

	test('the relay never imports libsodium', () => {
		const serverFiles = sourceFiles(join(root, 'server'));
		const offenders = serverFiles.filter((f) => importsOf(readFileSync(f, 'utf8')).some((s) => s.includes('libsodium') || s.includes('/crypto/')));
		expect(offenders.map((f) => relative(root, f))).toEqual([]);
	});
});
