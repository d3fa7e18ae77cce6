/**
 * The local servers (SMTP stand-in, Salesforce emulator and its page, fauxqs) are for this
 * machine: they listen on loopback unless the user asks otherwise (CAPTURE_LISTEN_HOST), and the
 * HTTP ones answer only requests whose Host header names this machine (loopback names, the host
 * they listen on, CAPTURE_ALLOWED_HOSTS). A web page the user opens cannot reach them by DNS
 * rebinding: its requests carry the page's own host name, which is refused with 421.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';

export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/** Where the servers listen: CAPTURE_LISTEN_HOST, else loopback. */
export function listenHostFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.CAPTURE_LISTEN_HOST?.trim() || DEFAULT_LISTEN_HOST;
}

/** Extra Host header names to answer (CAPTURE_ALLOWED_HOSTS, comma-separated; `*` answers any). */
export function allowedHostsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.CAPTURE_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h.length > 0);
}

/** The name part of a Host header: `[::1]:8484` → `::1`, `Localhost.:80` → `localhost`. */
function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  const name = value.startsWith('[') ? value.slice(1, value.indexOf(']')) : value.replace(/:\d*$/, '');
  return name.replace(/\.$/, '');
}

function isLoopbackName(name: string): boolean {
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    /^127(?:\.\d{1,3}){3}$/.test(name) ||
    name === '::1' ||
    name === '::ffff:127.0.0.1'
  );
}

/** Whether a request with this Host header is one for this machine. */
export function hostAllowed(
  header: string | undefined,
  listenHost: string,
  extra: readonly string[] = [],
): boolean {
  if (extra.includes('*')) return true;
  if (header === undefined || header.trim() === '') return false;
  const name = hostName(header);
  return isLoopbackName(name) || name === hostName(listenHost) || extra.includes(name);
}

/** Answers a request for another host: 421 Misdirected Request, nothing else done. */
export function refuseHost(res: ServerResponse): void {
  res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  res.end('421 Misdirected Request: this local server answers only requests for localhost\n');
}

/** Puts the Host check in front of every request listener a server already has (one we did not create). */
export function guardHost(server: Server, allowed: (host: string | undefined) => boolean): void {
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!allowed(req.headers.host)) {
      refuseHost(res);
      return;
    }
    for (const listener of listeners) listener.call(server, req, res);
  });
}

/**
 * Runs `start`, making every server it binds to all interfaces (`0.0.0.0`, as fauxqs always
 * does) bind to `host` instead, and returns those servers with its result.
 */
export async function bindingTo<T>(
  host: string,
  start: () => Promise<T>,
): Promise<{ result: T; servers: NetServer[] }> {
  const listen = NetServer.prototype.listen;
  const servers: NetServer[] = [];
  NetServer.prototype.listen = function (this: NetServer, ...args: unknown[]) {
    const first = args[0] as { host?: unknown } | null;
    if (first && typeof first === 'object' && first.host === '0.0.0.0') {
      args[0] = { ...first, host };
      servers.push(this);
    }
    return listen.apply(this, args as Parameters<typeof listen>);
  } as typeof listen;
  try {
    return { result: await start(), servers };
  } finally {
    NetServer.prototype.listen = listen;
  }
}
