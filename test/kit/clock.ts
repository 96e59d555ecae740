/** A clock a test moves by hand, for code that takes `now: () => number` (the relay's `now`). */
export interface FakeClock {
	now: () => number;
	advance(ms: number): void;
}

export function fakeClock(start = Date.now()): FakeClock {
	let t = start;
	return {
		now: () => t,
		advance(ms) {
			t += ms;
		}
	};
}
