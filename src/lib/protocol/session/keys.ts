/**
 * When a session's receive keys die (docs/PROTOCOL.md §4.3, P4, P5). §5.4 accepts a message only
 * in the epoch that is current at its place in the relay order, so an epoch's chains, skipped
 * keys, epoch signing keys and held entries are useless once the next epoch begins: they are
 * wiped then. A departed member's keys go at its removal or leave. Skipped keys of the current
 * epoch expire 7 days after local receipt. Pruning runs on load and on every entry, by the
 * device's own clock.
 */
import { SenderChain, MAX_SKIPPED_AGE_MS } from '../../crypto/chain.ts';
import { warning } from './receive.ts';
import type { EpochData, SessionData, SessionEvent } from './types.ts';

/** Ended epochs whose per-sender counters are kept for the hello tail check (counters only, no keys). */
export const MAX_TAILS = 16;

function wipeChains(epochData: EpochData, senders: readonly string[]): void {
	for (const sender of senders) {
		const state = epochData.chains[sender];
		if (state) SenderChain.fromJSON(state).wipe();
		delete epochData.chains[sender];
	}
}

/**
 * The current epoch ends (an epoch op is being adopted): remember how far each sender got, warn
 * about entries still held for a hello that can no longer come, and wipe every key of it and of
 * any older epoch, my unused first chain key included.
 */
export function closeEpochs(data: SessionData, at: number): SessionEvent[] {
	const events: SessionEvent[] = [];
	for (const [e, epochData] of Object.entries(data.epochs)) {
		if (!epochData.unreadable) {
			const next: Record<string, number> = {};
			const ts: Record<string, number> = {};
			for (const [sender, chain] of Object.entries(epochData.chains)) {
				next[sender] = chain.next;
				ts[sender] = epochData.lastTs?.[sender] ?? epochData.relayStart ?? 0;
			}
			data.tails = { ...data.tails, [e]: { next, ts } };
		}
		const heldSenders = new Set(epochData.held.flatMap((h) => ('msg' in h.entry ? [h.entry.msg.sender] : [])));
		for (const sender of heldSenders) {
			events.push(
				warning('unverified', 'PROTOCOL_UNVERIFIED_SENDER', 'held-discarded', at, {
					sender,
					epoch: Number(e)
				})
			);
		}
		wipeChains(epochData, Object.keys(epochData.chains));
		delete data.epochs[e];
	}
	trimTails(data);
	data.send = null;
	return events;
}

/** A member left or was removed: its chains, epoch signing keys and held entries go at once. */
export function wipeDeparted(data: SessionData, departed: readonly string[]): void {
	if (departed.length === 0) return;
	const gone = new Set(departed);
	for (const epochData of Object.values(data.epochs)) {
		wipeChains(epochData, departed);
		for (const sender of departed) delete epochData.esk[sender];
		epochData.held = epochData.held.filter((h) => !('msg' in h.entry && gone.has(h.entry.msg.sender)));
	}
}

/**
 * Wipes what has expired by the local clock `now`: skipped keys older than 7 days, and any epoch
 * other than the current one (a session saved by an older version may still hold some).
 */
export function pruneKeys(data: SessionData, now: number): void {
	const current = data.log ? String(data.log.epoch) : null;
	for (const [e, epochData] of Object.entries(data.epochs)) {
		if (e !== current) {
			wipeChains(epochData, Object.keys(epochData.chains));
			delete data.epochs[e];
			continue;
		}
		for (const [sender, state] of Object.entries(epochData.chains)) {
			if (!state.skipped.some((k) => now - k.at > MAX_SKIPPED_AGE_MS)) continue;
			const chain = SenderChain.fromJSON(state);
			chain.prune(now);
			epochData.chains[sender] = chain.toJSON();
			chain.wipe();
		}
	}
	trimTails(data);
}

function trimTails(data: SessionData): void {
	if (!data.tails) return;
	const epochs = Object.keys(data.tails).map(Number).sort((a, b) => b - a);
	for (const e of epochs.slice(MAX_TAILS)) delete data.tails[String(e)];
}
