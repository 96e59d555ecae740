/**
 * The relay in its own process, for the crash tests (killed with SIGKILL mid-burst) and the
 * benchmark (so clients and relay do not share a core): `node test/kit/child-relay.ts DATA_DIR`.
 * Rate limits are lifted so that the load, not the limiter, is what is measured. Speaks the
 * line protocol of child-line.ts; start it with `spawnRelay` (child.ts). With REDIS_URL in its
 * environment it stores in that Redis instead (`spawnClusterRelay`, PROTOCOL §14).
 */
import { startServer } from '../../server/app.ts';
import { announceChild } from './child-line.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: child-relay.ts DATA_DIR');
const unlimited = { perSecond: 1_000_000, burst: 1_000_000 };
const server = await startServer({
	port: 0,
	host: '127.0.0.1',
	app: false,
	dataDir,
	redisUrl: process.env.REDIS_URL || null,
	// The deployment moderator, when the test gives one (moderator-bans.test.ts).
	moderator: process.env.MODERATOR_SIGN_KEY && process.env.MODERATOR_BOX_KEY ? { sign: process.env.MODERATOR_SIGN_KEY, box: process.env.MODERATOR_BOX_KEY } : null,
	connectionRate: unlimited,
	keyRate: unlimited,
	log: () => undefined
});
announceChild(server.port);
