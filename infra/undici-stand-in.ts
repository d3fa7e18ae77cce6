/**
 * What jsforce takes from undici (lib/request.js: fetch, Agent, ProxyAgent, Response,
 * errors.SocketError), over Node's own fetch, which is undici inside. The Lambda bundles alias
 * `undici` here (infra/bundling.ts) instead of carrying a second copy of it (about 720 KB).
 * jsforce hands every request an undici Agent as `dispatcher`; Node's fetch keeps its own pool,
 * so the stand-in's Agent is inert and the option is dropped.
 */

/** Inert: Node's fetch keeps its own connection pool. */
export class Agent {}

/** jsforce builds one only for its `httpProxy` option, which Capture never sets. */
export class ProxyAgent {
  constructor(_options?: unknown) {
    throw new Error('HTTP proxies are not supported in the Lambda bundle');
  }
}

/** Node's fetch does not export its error classes; jsforce only tests `instanceof` on them. */
class SocketError extends Error {}
export const errors = { SocketError };

export const Response = globalThis.Response;

export function fetch(url: string | URL | Request, init: RequestInit & { dispatcher?: unknown } = {}) {
  const { dispatcher: _dispatcher, ...rest } = init;
  return globalThis.fetch(url, rest);
}
