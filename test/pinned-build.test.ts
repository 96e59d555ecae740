/**
 * Issue 14 / docs/PROTOCOL.md §15: the build is reproducible. Two builds of the same sources in
 * turn give the same pinned.json, so the same fingerprint.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** Builds this checkout (build/ is replaced by the same bytes when the build is reproducible). */
function build(): { fingerprint: string; pinned: string } {
	const out = execFileSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, UNSEEN_VERSION: 'repro-test' }, stdio: ['ignore', 'pipe', 'pipe'] });
	const printed = /Unseen build fingerprint[^\n]*\n\s+([0-9a-f ]+)/.exec(out)?.[1]?.replace(/ /g, '') ?? '';
	return { fingerprint: printed, pinned: readFileSync(join(ROOT, 'build', 'client', 'pinned.json'), 'utf8') };
}

describe('the pinned build (§15)', () => {
	it('two builds of one source give one fingerprint, and npm run build prints it', { timeout: 240_000 }, () => {
		const a = build();
		rmSync(join(ROOT, 'build'), { recursive: true, force: true });
		const b = build();
		expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
		expect(b.fingerprint).toBe(a.fingerprint);
		expect(b.pinned).toBe(a.pinned);
		expect(createHash('sha256').update(b.pinned).digest('hex')).toBe(b.fingerprint);
		expect(readFileSync(join(ROOT, 'build', 'fingerprint.txt'), 'utf8').trim()).toBe(b.fingerprint);
	});
});
