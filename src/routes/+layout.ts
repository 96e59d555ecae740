// The whole app runs in the browser: keys never exist on the server, so there is nothing to render there.
export const ssr = false;
export const prerender = false;
