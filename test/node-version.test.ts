// Issue 16 item 12: an operator on an old Node is stopped by `npm ci` and `npm start` with one line
// naming the version found, the version needed and how to get it (not ERR_UNKNOWN_FILE_EXTENSION).
// /usr/bin/node on the test machines is Node 20; skipped where it is missing or new enough.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const OLD_NODE = '/usr/bin/node';
const oldVersion = existsSync(OLD_NODE) ? execFileSync(OLD_NODE, ['--version'], { encoding: 'utf8' }).trim() : '';
const hasOldNode = /^v(1\d|2[01])\./.test(oldVersion);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string }; scripts: Record<string, string> };
const needed = pkg.engines.node.replace(/^>=/, ''); // "22.18"
// npm from the same PATH as the old node, so `node` in a script is the old one too.
const oldPath = `/usr/bin:/bin`;
const npmCli = existsSync('/usr/bin/npm') ? '/usr/bin/npm' : '';

function expectOneLine(stderr: string) {
	const ours = stderr.split('\n').filter((line) => line.includes('Unseen needs Node.js'));
	expect(ours).toHaveLength(1);
	const line = ours[0]!;
	expect(line).toContain(`Node.js ${needed} or later`); // needed
	expect(line).toContain(`this is Node.js ${oldVersion.slice(1)}`); // found
	expect(line).toMatch(/install Node\.js .*nodejs\.org/); // how to get it
	expect(stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
}

describe.skipIf(!hasOldNode)('an old Node stops with one line', () => {
	const dirs: string[] = [];
	afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

	it('the check script, run by the old Node, exits 1 with one line: found, needed, how to get it', () => {
		const run = spawnSync(OLD_NODE, [join(root, 'scripts/check-node.cjs')], { encoding: 'utf8' });
		expect(run.status).toBe(1);
		expect(run.stderr.trim().split('\n')).toHaveLength(1);
		expectOneLine(run.stderr);
	});

	it('the check script passes quietly on the Node running the tests', () => {
		const run = spawnSync(process.execPath, [join(root, 'scripts/check-node.cjs')], { encoding: 'utf8' });
		expect(run.status).toBe(0);
		expect(run.stderr).toBe('');
	});

	it.skipIf(!npmCli)('npm start on the old Node stops with the line instead of starting the server', () => {
		const run = spawnSync(npmCli, ['start'], { cwd: root, encoding: 'utf8', env: { ...process.env, PATH: oldPath, PORT: '0' }, timeout: 60_000 });
		expect(run.status).not.toBe(0);
		expectOneLine(run.stderr);
	});

	it.skipIf(!npmCli)('npm ci on the old Node runs the project preinstall check and stops with the line', () => {
		// A copy of the project's own scripts and engines without dependencies, so nothing is installed.
		const dir = mkdtempSync(join(tmpdir(), 'unseen-old-node-'));
		dirs.push(dir);
		mkdirSync(join(dir, 'scripts'));
		copyFileSync(join(root, 'scripts/check-node.cjs'), join(dir, 'scripts/check-node.cjs'));
		const manifest = { name: 'unseen', version: '0.0.0', private: true, engines: pkg.engines, scripts: { preinstall: pkg.scripts.preinstall } };
		writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
		writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'unseen', version: '0.0.0', lockfileVersion: 3, requires: true, packages: { '': manifest } }));
		const run = spawnSync(npmCli, ['ci', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: oldPath }, timeout: 60_000 });
		expect(run.status).not.toBe(0);
		expectOneLine(run.stderr);
		expect(existsSync(join(dir, 'node_modules'))).toBe(false);
	});
});
