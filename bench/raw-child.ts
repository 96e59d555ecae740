/**
 * The benchmark's baseline in its own process: plain `ws` broadcast, no auth, no storage, so
 * that clients and server do not share a core. `node bench/raw-child.ts`; speaks the line
 * protocol of test/kit/child-line.ts, as the child relay (test/kit/child-relay.ts) does.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { announceChild } from '../test/kit/child-line.ts';

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
await new Promise((resolve) => wss.once('listening', resolve));
// Everyone who is not the sender receives every frame: the same fan-out as a group of 50.
wss.on('connection', (ws: WebSocket) => {
	ws.on('message', (data, isBinary) => {
		for (const peer of wss.clients) if (peer !== ws) peer.send(data, { binary: isBinary });
	});
});
announceChild((wss.address() as { port: number }).port);
