/**
 * The relay's budget of ops per author and group (PROTOCOL §9.9): at most `opsPerHour` stored
 * ops per author in each clock hour of relay time, so a member cannot grow the log (and every
 * member's copy) without bound, and far fewer `rekey` ops. Approximate on purpose: counted in
 * memory from the ops stored since the group was loaded, so a restart or an eviction starts the
 * hour's count again. `key` ops are not counted: they are bounded by one per member per epoch
 * (§3.3), and counting them would let another member's rekeys use up this member's budget.
 */
import { RelayError } from './errors.ts';

/** Default cap on the ops one member appends to one group per hour (§9.9). */
export const OPS_PER_HOUR = 300;
/**
 * `rekey` ops one member may append to one group per hour (§9.9). A rekey calls for a `key` op
 * from every other member, which no budget counts, so a member's rekeys are capped on their own,
 * far below OPS_PER_HOUR: legitimate rekeys (rotation, a restore, healing) are rare.
 */
export const REKEYS_PER_HOUR = 12;
const HOUR_MS = 3_600_000;

/** One group's op counts in the current hour. */
export class OpBudget {
	readonly #opsPerHour: number;
	readonly #rekeysPerHour: number;
	/** The clock hour of relay time the counts are for. */
	#hour = 0;
	/** Ops stored per author in `#hour` (key ops aside). */
	readonly #ops = new Map<string, number>();
	/** `rekey` ops stored per author in the same hour: each calls for a `key` op from every other member. */
	readonly #rekeys = new Map<string, number>();

	constructor(opsPerHour: number, rekeysPerHour: number) {
		this.#opsPerHour = opsPerHour;
		this.#rekeysPerHour = rekeysPerHour;
	}

	/** Throws RELAY_OP_LIMIT when `author` may store no further op of `kind` at relay time `ts`. */
	check(author: string, kind: string, ts: number): void {
		if (kind === 'key') return;
		const hour = Math.floor(ts / HOUR_MS);
		if (hour !== this.#hour) {
			this.#hour = hour;
			this.#ops.clear();
			this.#rekeys.clear();
		}
		if (kind === 'rekey' && (this.#rekeys.get(author) ?? 0) >= this.#rekeysPerHour) {
			throw new RelayError('RELAY_OP_LIMIT', `at most ${this.#rekeysPerHour} rekeys per member and group per hour`);
		}
		if ((this.#ops.get(author) ?? 0) >= this.#opsPerHour) {
			throw new RelayError('RELAY_OP_LIMIT', `at most ${this.#opsPerHour} changes per member and group per hour`);
		}
	}

	/** Counts an op of `author` that is stored (or being stored). */
	count(author: string, kind: string): void {
		if (kind !== 'key') this.#ops.set(author, (this.#ops.get(author) ?? 0) + 1);
		if (kind === 'rekey') this.#rekeys.set(author, (this.#rekeys.get(author) ?? 0) + 1);
	}
}
