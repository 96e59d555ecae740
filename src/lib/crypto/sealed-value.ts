/**
 * Opening a sealed, labelled value: `crypto_box_seal` of `labelled(label, value)` (§1.3), as the
 * sponsorship notes (§11.2) and the report-case notes and feedback (§13.6) are sealed.
 */
import * as v from 'valibot';
import { fromB64, fromUtf8 } from '../core/bytes.ts';
import { canonicalJson, type CJson } from '../core/cjson.ts';
import { sodium } from './sodium.ts';

/** Opens `box` with a box key pair and checks label, schema and canonical form; null otherwise. */
export function openSealedValue<T>(box: string, pk: Uint8Array, sk: Uint8Array, label: string, schema: v.GenericSchema<unknown, T>): T | null {
	let plain: Uint8Array;
	try {
		plain = sodium().crypto_box_seal_open(fromB64(box), pk, sk);
	} catch {
		return null;
	}
	let text: string;
	try {
		text = fromUtf8(plain);
	} catch {
		return null;
	}
	const prefix = label + '\0';
	if (!text.startsWith(prefix)) return null;
	let raw: unknown;
	try {
		raw = JSON.parse(text.slice(prefix.length));
	} catch {
		return null;
	}
	const parsed = v.safeParse(schema, raw);
	if (!parsed.success || canonicalJson(parsed.output as CJson) !== text.slice(prefix.length)) return null;
	return parsed.output;
}
