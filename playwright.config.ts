import { defineConfig, devices } from '@playwright/test';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_MODERATOR } from './test/browser/moderator-keys.ts';

// Debian's Chromium where it is installed (Playwright cannot download its own browsers here);
// Playwright's own build elsewhere.
const debianChromium = '/usr/bin/chromium';
const port = Number(process.env.E2E_PORT ?? 4321);
const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'unseen-e2e-'));
process.env.E2E_DATA_DIR = dataDir;

export default defineConfig({
	testDir: 'test/browser',
	outputDir: 'test-results',
	// Every test uses its own people and groups on the one relay, so tests (not whole files) are
	// shared out: a long file no longer leaves the other worker idle at the end. A file whose
	// tests must stay together says so (test.describe.configure({ mode: 'default' })).
	fullyParallel: true,
	// Two tests at a time (E2E_WORKERS to change it): the tests wait on the network and timers more
	// than on the CPU.
	workers: Number(process.env.E2E_WORKERS ?? 2),
	retries: 0,
	timeout: 60_000,
	reporter: [['list']],
	use: {
		baseURL: `http://localhost:${port}`,
		trace: 'retain-on-failure',
		launchOptions: {
			executablePath: existsSync(debianChromium) ? debianChromium : undefined,
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
				'--no-first-run'
			]
		}
	},
	projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
	webServer: {
		command: 'node server/start.ts',
		url: `http://localhost:${port}/`,
		reuseExistingServer: false,
		timeout: 120_000,
		env: {
			PORT: String(port),
			HOST: '127.0.0.1',
			DATA_DIR: dataDir,
			ALLOWED_ORIGINS: `http://localhost:${port}`,
			MODERATOR_SIGN_KEY: TEST_MODERATOR.sign,
			MODERATOR_BOX_KEY: TEST_MODERATOR.box
		}
	}
});
