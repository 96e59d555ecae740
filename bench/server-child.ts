/**
 * A server in its own process for the benchmark, so clients and server do not share a core:
 * `node bench/server-child.ts raw` (plain ws broadcast, no auth, no storage) or
 * `node bench/server-child.ts relay DIR` (Unseen's relay with durable LevelDB storage).
 * Prints `{"port": N}` once listening; answers "rss" on stdin with its resident set size.
 */
import { createInterface } from 'node:readline';
import { WebSocketServer, type WebSocket } from 'ws';
import { startServer } from '../server/app.ts';

const [mode, dataDir] = process.argv.slice(2);
let port: number;

if (mode === 'raw') {
	const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
	await new Promise((resolve) => wss.once('listening', resolve));
	// Everyone who is not the sender receives every frame: the same fan-out as a group of 50.
	wss.on('connection', (ws: WebSocket) => {
		ws.on('message', (data, isBinary) => {
			for (const peer of wss.clients) if (peer !== ws) peer.send(data, { binary: isBinary });
		});
	});
	port = (wss.address() as { port: number }).port;
} else if (mode === 'relay' && dataDir) {
	const unlimited = { perSecond: 1_000_000, burst: 1_000_000 };
	const server = await startServer({
		port: 0,
		host: '127.0.0.1',
		app: false,
		dataDir,
		connectionRate: unlimited,
		keyRate: unlimited,
		log: () => undefined
	});
	port = server.port;
} else {
	throw new Error('usage: server-child.ts raw | relay DATA_DIR');
}

createInterface({ input: process.stdin }).on('line', (line) => {
	if (line === 'rss') {
		globalThis.gc?.();
		process.stdout.write(JSON.stringify({ rss: process.memoryUsage().rss }) + '\n');
	}
});
process.stdout.write(JSON.stringify({ port }) + '\n');
