/**
 * Entry point of the headless client for the UI, tests and benchmarks.
 */
import { UnseenClient, type ClientOptions } from './client.ts';
import type { Store } from './api.ts';

export type { ClientOptions } from './client.ts';
export { UnseenClient } from './client.ts';
export { memoryStore } from './store.ts';
export { RelayError } from './connection.ts';
export type * from './api.ts';

export function createClient(options: { relayUrl: string; store: Store; origin: string; WebSocket?: typeof WebSocket } & Partial<ClientOptions>): UnseenClient {
	return new UnseenClient(options);
}
