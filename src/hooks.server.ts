/**
 * App-shell responses are never cached: no copy of a page sits in the browser's disk cache, and no
 * conditional request can come back as a header-less 304 (a 304 carries no Content-Security-Policy
 * of its own, so a proxy or server adding a fallback policy to it would break the cached page).
 */
import type { Handle } from '@sveltejs/kit/hooks';

export const handle: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	if ((response.headers.get('content-type') ?? '').startsWith('text/html')) {
		response.headers.delete('etag');
		response.headers.set('cache-control', 'no-store');
	}
	return response;
};
