/**
 * "Lock now" (P10, review finding 13). Order matters:
 *   1. refuse every new call (PROTOCOL_LOCKED) and stop applying entries;
 *   2. close the connection, so nothing new arrives, and let running outbox sends settle;
 *   3. write every pending change while the store is still open (nothing is lost);
 *   4. wipe the device root, every identity's secret keys and every session's keys, and drop
 *      every reference to them (groups, connection login keys).
 * The UI locks its store only after this resolves.
 */
import type { ClientCore } from './core.ts';
import { wipeIdentity } from '../crypto/identity.ts';

export async function lockClient(core: ClientCore): Promise<void> {
	if (core.locked) return;
	core.locked = true;
	core.stopPruning();
	core.stopWaking();
	core.conn.stop();
	await Promise.allSettled([...core.pumping.values(), ...core.dueRuns.values()]);
	try {
		await core.flushSaves();
	} finally {
		for (const g of core.groups.values()) {
			core.conn.removeKey(g.session.me);
			wipeIdentity(g.session.id);
			g.session.wipeKeys();
			g.forgetSecrets();
		}
		core.groups.clear();
		core.device?.wipe();
		core.device = null;
		core.primitives = null;
		core.emit({ type: 'locked' });
	}
}
