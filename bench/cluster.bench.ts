/**
 * Cluster benchmark (issue 13, PROTOCOL §14): two relay processes on one redis-server
 * (`appendonly yes`, `appendfsync always`, as the README asks) against one relay on LevelDB, in
 * the same run and on the same machine, measured in alternating rounds (median of ROUNDS):
 *  - fan-out: one sender on relay A, a 50-member group with half its receivers on A and half on
 *    B; deliveries/s and cluster/LevelDB (`cluster.ratio`);
 *  - latency: send-to-receive p50/p99 through the cluster (and through the LevelDB relay, for
 *    comparison) paced at 5,000 deliveries/s.
 * Run alone with `node bench/run.ts cluster`. Skipped (with a note) without redis-server.
 */
import { rmSync } from 'node:fs';
import { spawnClusterRelay, spawnRelay } from '../test/kit/child.ts';
import { hasRedis, NO_REDIS, startRedis } from '../test/kit/redis.ts';
import { tempDir } from '../test/kit/relay.ts';
import { measureFanout, median, pacedLatency, relaySetup } from './relay.bench.ts';

const FANOUT_MESSAGES = 2000;
const ROUNDS = 3;
/**
 * Latency is measured at a rate both set-ups sustain on the 2-core machine shared by the relays,
 * Redis and the clients (relay.bench.ts's 20,000/s is above the cluster's capacity there, which
 * measures queueing, not latency).
 */
const LATENCY_RATE = 5000;

export async function run(): Promise<Record<string, unknown>> {
	if (!hasRedis) return { cluster: { skipped: NO_REDIS } };
	const redis = await startRedis();
	const dataDir = tempDir();
	const single = await spawnRelay(dataDir);
	const [a, b] = await Promise.all([spawnClusterRelay(redis.url), spawnClusterRelay(redis.url)]);
	try {
		const singleSet = await relaySetup(single.wsUrl);
		const clusterSet = await relaySetup((member) => (member % 2 === 0 ? a.wsUrl : b.wsUrl));
		await measureFanout(singleSet, 300); // warm-up
		await measureFanout(clusterSet, 300);
		const singleRounds: number[] = [];
		const clusterRounds: number[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			singleRounds.push(await measureFanout(singleSet, FANOUT_MESSAGES));
			clusterRounds.push(await measureFanout(clusterSet, FANOUT_MESSAGES));
			console.log(`  round ${round + 1}: LevelDB ${Math.round(singleRounds.at(-1)!)}/s, cluster ${Math.round(clusterRounds.at(-1)!)}/s`);
		}
		singleSet.close();
		clusterSet.close();
		const lat = await pacedLatency(await relaySetup((member) => (member % 2 === 0 ? a.wsUrl : b.wsUrl)), LATENCY_RATE);
		const singleLat = await pacedLatency(await relaySetup(single.wsUrl), LATENCY_RATE);
		const s = median(singleRounds);
		const c = median(clusterRounds);
		return {
			cluster: {
				deliveries_per_s: Math.round(c),
				leveldb_one_relay_deliveries_per_s: Math.round(s),
				ratio: Math.round((c / s) * 1000) / 1000,
				p50_ms: Math.round(lat.p50 * 100) / 100,
				p99_ms: Math.round(lat.p99 * 100) / 100,
				max_ms: Math.round(lat.maxMs * 100) / 100,
				leveldb_one_relay_p99_ms: Math.round(singleLat.p99 * 100) / 100,
				paced_deliveries_per_s: LATENCY_RATE,
				relays: 2,
				group_size: 50,
				rounds: ROUNDS,
				cluster_rounds: clusterRounds.map(Math.round),
				leveldb_rounds: singleRounds.map(Math.round)
			}
		};
	} finally {
		await Promise.all([a.stop(), b.stop(), single.stop()]);
		await redis.stop();
		rmSync(dataDir, { recursive: true, force: true });
	}
}
