/**
 * Gentle, forgettable pseudonyms ("Quiet Heron 27"): adjective + animal or plant + number.
 * Uniform choice with rejection sampling over crypto.getRandomValues, so no name is likelier.
 */
const ADJECTIVES = [
	'Amber', 'Brave', 'Bright', 'Calm', 'Clear', 'Gentle', 'Golden', 'Hopeful', 'Kind', 'Light',
	'Mellow', 'Misty', 'Patient', 'Quiet', 'Rising', 'Silver', 'Soft', 'Steady', 'Still', 'Sunny',
	'Swift', 'Tender', 'Warm', 'Wild', 'Wise', 'Willow', 'Velvet', 'Open', 'Early', 'Evening'
];
const NOUNS = [
	'Aspen', 'Badger', 'Birch', 'Cedar', 'Clover', 'Crane', 'Dove', 'Fern', 'Finch', 'Fox',
	'Hare', 'Heron', 'Lark', 'Maple', 'Meadow', 'Moth', 'Otter', 'Owl', 'Pine', 'Raven',
	'Reed', 'River', 'Robin', 'Sparrow', 'Stone', 'Swan', 'Thistle', 'Wren', 'Harbor', 'Comet'
];

export const PSEUDONYM_MAX_LENGTH = 40;

function uniform(n: number, random: (buffer: Uint32Array<ArrayBuffer>) => Uint32Array): number {
	const limit = Math.floor(0x1_0000_0000 / n) * n;
	const buffer = new Uint32Array(1);
	for (;;) {
		const x = random(buffer)[0]!;
		if (x < limit) return x % n;
	}
}

export function generatePseudonym(random: (buffer: Uint32Array<ArrayBuffer>) => Uint32Array = (b) => crypto.getRandomValues(b)): string {
	const adjective = ADJECTIVES[uniform(ADJECTIVES.length, random)]!;
	const noun = NOUNS[uniform(NOUNS.length, random)]!;
	return `${adjective} ${noun} ${uniform(90, random) + 10}`;
}

export type PseudonymProblem = 'empty' | 'too-long' | 'control-characters';

/** Trims and checks a pseudonym typed by a person; returns the clean name or the problem. */
export function checkPseudonym(input: string): { ok: true; name: string } | { ok: false; problem: PseudonymProblem } {
	const name = input.normalize('NFC').replace(/\s+/g, ' ').trim();
	if (name === '') return { ok: false, problem: 'empty' };
	if ([...name].length > PSEUDONYM_MAX_LENGTH) return { ok: false, problem: 'too-long' };
	if (/[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/.test(name)) return { ok: false, problem: 'control-characters' };
	return { ok: true, name };
}

export const PSEUDONYM_PROBLEM_TEXT: Record<PseudonymProblem, string> = {
	empty: 'Please choose a name, or tap “Suggest another”.',
	'too-long': `Please keep it to ${PSEUDONYM_MAX_LENGTH} characters or fewer.`,
	'control-characters': 'That name has invisible or direction-changing characters. Please use plain text.'
};
