/**
 * Entry point of the headless client for the UI, tests and benchmarks.
 */
import { UnseenClient, type ClientOptions } from './client.ts';
import type { Kv } from '../storage/kv.ts';

export type { ClientOptions } from './client.ts';
export { UnseenClient } from './client.ts';
export { RelayError } from './connection.ts';
export type * from './api.ts';

export function createClient(options: { relayUrl: string; store: Kv; origin: string; WebSocket?: typeof WebSocket } & Partial<ClientOptions>): UnseenClient {
	return new UnseenClient(options);
}
