/**
 * Draws the app icons (PNG, no dependencies) into static/: the Unseen mark (a light dot on a blue
 * disc, as favicon.svg) and the neutral "Notes" mark (lines on a plain page), each at 192 and 512
 * px, plus maskable variants whose mark stays inside the safe zone (the centre 80 %). The PNGs are
 * committed; run `node bin/icons.ts` again only to change them. Same input, same bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

type Rgb = readonly [number, number, number];
type Painter = (x: number, y: number) => Rgb | null;

const crcTable = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});
function crc32(bytes: Buffer): number {
	let c = 0xffffffff;
	for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
	const head = Buffer.alloc(8);
	head.writeUInt32BE(data.length, 0);
	head.write(type, 4, 'ascii');
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
	return Buffer.concat([head, data, crc]);
}

/** RGBA PNG; each pixel is 4x4 supersampled so edges are smooth. */
function png(size: number, paint: Painter): Buffer {
	const raw = Buffer.alloc((size * 4 + 1) * size);
	for (let y = 0; y < size; y++) {
		raw[y * (size * 4 + 1)] = 0;
		for (let x = 0; x < size; x++) {
			let r = 0, g = 0, b = 0, a = 0;
			for (let sy = 0; sy < 4; sy++)
				for (let sx = 0; sx < 4; sx++) {
					const c = paint((x + (sx + 0.5) / 4) / size, (y + (sy + 0.5) / 4) / size);
					if (c) {
						r += c[0];
						g += c[1];
						b += c[2];
						a += 1;
					}
				}
			const o = y * (size * 4 + 1) + 1 + x * 4;
			raw[o] = a ? Math.round(r / a) : 0;
			raw[o + 1] = a ? Math.round(g / a) : 0;
			raw[o + 2] = a ? Math.round(b / a) : 0;
			raw[o + 3] = Math.round((a / 16) * 255);
		}
	}
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(size, 0);
	ihdr.writeUInt32BE(size, 4);
	ihdr[8] = 8;
	ihdr[9] = 6;
	const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const BLUE: Rgb = [0x3f, 0x5a, 0x8a];
const CREAM: Rgb = [0xf6, 0xf4, 0xef];
const GREY: Rgb = [0x6b, 0x70, 0x7a];
const PAPER: Rgb = [0xfa, 0xfa, 0xf7];
const d = (x: number, y: number) => Math.hypot(x - 0.5, y - 0.5);

/** scale < 1 keeps the mark inside a maskable icon's safe zone; `full` fills the square. */
function unseen(scale: number, full: boolean): Painter {
	return (x, y) => {
		const r = d(x, y);
		if (r <= 0.19 * scale) return CREAM;
		if (full || r <= 0.44 * scale) return BLUE;
		return null;
	};
}
function notes(scale: number, full: boolean): Painter {
	return (x, y) => {
		const u = (x - 0.5) / scale + 0.5;
		const v = (y - 0.5) / scale + 0.5;
		const onPage = u >= 0.2 && u <= 0.8 && v >= 0.12 && v <= 0.88;
		if (onPage) {
			const line = [0.32, 0.46, 0.6, 0.74].some((l) => Math.abs(v - l) < 0.025) && u >= 0.3 && u <= (v > 0.7 ? 0.55 : 0.7);
			return line ? GREY : PAPER;
		}
		return full ? GREY : null;
	};
}

const out = join(import.meta.dirname, '..', 'static', 'icons');
const write = (name: string, size: number, paint: Painter) => writeFileSync(join(out, name), png(size, paint));

mkdirSync(out, { recursive: true });
write('unseen-192.png', 192, unseen(1, false));
write('unseen-512.png', 512, unseen(1, false));
write('unseen-maskable-512.png', 512, unseen(0.8, true));
write('notes-192.png', 192, notes(1, false));
write('notes-512.png', 512, notes(1, false));
write('notes-maskable-512.png', 512, notes(0.8, true));
console.log(`icons written to ${out}`);
