/**
 * `npm run moderator` (bin/moderator.ts) as its own process, for the tests that drive the
 * operator's tool against a relay: asynchronous, so a relay in the calling process can answer.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const MODERATOR_TOOL = join(import.meta.dirname, '..', '..', 'bin', 'moderator.ts');

export interface ToolRun {
	code: number | null;
	stdout: string;
	stderr: string;
}

export function moderatorTool(...args: string[]): Promise<ToolRun> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [MODERATOR_TOOL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		child.on('error', reject);
		child.on('close', (code) => resolve({ code, stdout, stderr }));
	});
}
