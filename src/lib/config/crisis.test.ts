import { describe, expect, test } from 'vitest';
import { crisis, parseCrisisConfig, telHref, CrisisConfigError } from './crisis.ts';

const good = {
	title: 'Get help now',
	intro: 'Please reach out.',
	emergency: 'Call 112.',
	resources: [{ name: 'Line', region: 'Here', description: 'Open all night.', phone: '116 123' }]
};

describe('crisis configuration', () => {
	test('the shipped defaults parse and list at least one international resource', () => {
		expect(crisis.resources.length).toBeGreaterThan(0);
		expect(crisis.resources.some((r) => r.region === 'International')).toBe(true);
	});

	test('a valid file keeps every field it was given', () => {
		expect(parseCrisisConfig(good)).toEqual(good);
	});

	test.each([
		['no resources', { ...good, resources: [] }, 'resources'],
		['an empty title', { ...good, title: '' }, 'title'],
		['a javascript: link', { ...good, resources: [{ ...good.resources[0], url: 'javascript:alert(1)' }] }, 'resources[0].url'],
		['a plain http link', { ...good, resources: [{ ...good.resources[0], url: 'http://x.example' }] }, 'resources[0].url'],
		['letters in a phone number', { ...good, resources: [{ ...good.resources[0], phone: 'call me' }] }, 'resources[0].phone']
	])('a file with %s is refused with CONFIG_BAD_CRISIS_FILE naming the field', (_name, value, path) => {
		let error: unknown;
		try {
			parseCrisisConfig(value);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(CrisisConfigError);
		expect((error as CrisisConfigError).code).toBe('CONFIG_BAD_CRISIS_FILE');
		expect((error as Error).message).toContain(path);
	});

	test('phone links keep only digits and a leading plus', () => {
		expect(telHref('+44 (0) 116 123')).toBe('tel:+440116123');
	});
});
