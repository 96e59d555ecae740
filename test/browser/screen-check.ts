/**
 * What the browser specs check on every new screen: an axe-core scan (no serious or critical
 * problem) and a screenshot, at phone and desktop size, since a phone layout can hide or squeeze
 * what a desktop one shows. Also `filesUnder`, for the specs that read the relay's data folder.
 */
import AxeBuilder from '@axe-core/playwright';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';

export const SIZES = [
	{ name: 'phone', width: 390, height: 844 },
	{ name: 'desktop', width: 1280, height: 800 }
] as const;

/** Fails naming every serious or critical axe-core violation on the page as it is now. */
export async function noSeriousAxe(page: Page, what: string): Promise<void> {
	const results = await new AxeBuilder({ page }).analyze();
	const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), `${what} has no serious or critical accessibility problem`).toEqual([]);
}

/** The axe scan and a screenshot (`test-results/screenshots/<name>-<size>.png`) at each size; back to desktop after. */
export async function checkScreen(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
	for (const size of SIZES) {
		await page.setViewportSize({ width: size.width, height: size.height });
		await settled(page);
		await noSeriousAxe(page, `${name} at ${size.name} size`);
		await page.screenshot({ path: `test-results/screenshots/${name}-${size.name}.png`, fullPage: options.fullPage ?? true });
	}
	await page.setViewportSize({ width: 1280, height: 800 });
}

/**
 * Waits until the page has drawn its new layout and every transition is over (the buttons fade
 * their colours, also when the colour scheme changes), instead of a fixed pause.
 */
export async function settled(page: Page): Promise<void> {
	await page.evaluate(async () => {
		await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
		await Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined)));
	});
}

/** Every file below `dir`, recursively (one that disappears while listed is left out). */
export async function filesUnder(dir: string): Promise<string[]> {
	const out: string[] = [];
	for (const entry of await readdir(dir, { withFileTypes: true }).catch(gone)) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) out.push(...(await filesUnder(path)));
		else out.push(path);
	}
	return out;
}

/**
 * The bytes of a file `filesUnder` listed, or an empty buffer when it is gone: the relay keeps
 * running for other tests while one scans its folder, and LevelDB deletes files it compacted.
 */
export async function scannedBytes(file: string): Promise<Buffer> {
	return readFile(file).catch((error: NodeJS.ErrnoException) => {
		if (error.code === 'ENOENT') return Buffer.alloc(0);
		throw error;
	});
}

function gone(error: NodeJS.ErrnoException): never[] {
	if (error.code === 'ENOENT') return [];
	throw error;
}
