/**
 * The frame the relay builds once per entry and shares among its subscribers' sockets
 * (`wireFrame`, connection.ts): it must be byte for byte what ws would send for the same text, at
 * every length class of RFC 6455's header and with multi-byte UTF-8, or every client would read
 * garbage or drop the connection.
 */
import { describe, expect, test } from 'vitest';
import * as ws from 'ws';
import { wireFrame } from './connection.ts';

// ws's framing and parsing classes (exported by ws, not described by its types).
const { Sender, Receiver } = ws as unknown as {
	Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] };
	Receiver: new (options: Record<string, unknown>) => NodeJS.WritableStream & { on(event: 'message', f: (data: Buffer, isBinary: boolean) => void): void };
};

/** ws's own server-side framing of a text message. */
const wsFrame = (text: string) => Buffer.concat(Sender.frame(Buffer.from(text), { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }));

// Payload lengths around each header size (7-bit, 16-bit, 64-bit), in UTF-8 bytes, not characters.
const texts = {
	short: '{"t":"entry","seq":1}',
	'125 bytes': 'x'.repeat(125),
	'126 bytes': 'x'.repeat(126),
	'multi-byte UTF-8 crossing 126 bytes': 'é'.repeat(63) + 'ש',
	'65,535 bytes': 'y'.repeat(65_535),
	'65,536 bytes': 'y'.repeat(65_536),
	'an entry of 200 KiB with Arabic and emoji': JSON.stringify({ t: 'entry', c: 'مرحبا 👋 '.repeat(15_000) })
};

describe('a shared entry frame', () => {
	test.each(Object.entries(texts))('%s: the same bytes ws would send, read back as the same text', async (_name, text) => {
		const wire = wireFrame(text);
		expect(wire.equals(wsFrame(text))).toBe(true);
		const receiver = new Receiver({ isServer: false, maxPayload: 0 });
		const got = new Promise<string>((resolve) => receiver.on('message', (data, isBinary) => resolve(isBinary ? 'binary!' : data.toString('utf8'))));
		// Two writes, as TCP may split it anywhere.
		receiver.write(wire.subarray(0, 3));
		receiver.write(wire.subarray(3));
		expect(await got).toBe(text);
	});
});
