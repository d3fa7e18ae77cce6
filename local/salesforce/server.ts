/**
 * A Salesforce emulator speaking the REST wire format, so the real client (jsforce) works
 * against it unchanged: OAuth (client credentials, JWT bearer), sObjects, describe, SOQL query,
 * composite, sObject Collections (incl. upsert), Tooling CustomField, limits, and fault
 * injection for tests. As strict as a real org on the rules listed in
 * docs/salesforce-emulator.md. In-process (startSalesforceEmulator) or standalone:
 *   node local/salesforce/server.ts [--port 8484] [--seed file.json] [--data state.json]
 *
 * Seed files: { "User": [...], "Account": [...], ... }, records with Salesforce field names.
 * A string value "@Type:Key" references the record of that type whose Name, Email, Username,
 * OrderNumber or LastName equals Key (parents are seeded first). Read-only fields such as
 * Order.OrderNumber may be given in a seed, as a data load can. Org settings: see seeding.ts.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  allowedHostsFromEnv,
  DEFAULT_LISTEN_HOST,
  hostAllowed,
  listenHostFromEnv,
  refuseHost,
} from '../loopback.ts';
import type { CompositeShape } from './composite.ts';
import { errorBody, HttpError, SalesforceError } from './errors.ts';
import {
  ApiUsage,
  type FaultConfig,
  Faults,
  requestLimit,
  serverUnavailable,
  sessionInvalid,
} from './faults.ts';
import { fieldAccessFor } from './field-security.ts';
import { parseJson, readBody, send } from './http.ts';
import { metadataCall, soapFault, soapSession } from './metadata.ts';
import { importCertificate, type OAuthConfig, type Session, Sessions, tokenEndpoint } from './oauth.ts';
import { addIntegrationUser, objectAccessFor } from './object-security.ts';
import { loadStateFile, StateSaver } from './persistence.ts';
import { type RestContext, rest } from './rest.ts';
import { seedStore } from './seeding.ts';
import { type SeedData, Store, type StoreState } from './store.ts';
import { checkBase64Size } from './validation.ts';

export type { FaultCode, FaultConfig } from './faults.ts';
export type { SeedData, StoreState } from './store.ts';

export interface SalesforceEmulatorOptions {
  port?: number;
  host?: string;
  seed?: SeedData;
  /** PEM certificate (or SPKI public key); JWT bearer assertions must be signed by its key. */
  jwtCertificate?: string;
  clientId?: string;
  clientSecret?: string;
  /**
   * More connected apps of the org (client credentials), each a credential of its own; each runs
   * as `runAsUser` when given, else as the org's integration user in a fresh org, else as the
   * default app does.
   */
  connectedApps?: readonly { clientId: string; clientSecret: string; runAsUser?: string }[];
  /** Username the client-credentials flow runs as (OwnerId default); default: first active User. */
  runAsUser?: string;
  apiVersion?: string;
  /** API requests the org takes in 24 hours (Sforce-Limit-Info's max); default 100,000. */
  dailyApiLimit?: number;
  /**
   * Start like a new org whose admin has made an integration user and its connected apps, and
   * nothing more: field-level security on custom fields, so nothing Capture adds is visible until
   * a permission set grants it, and the integration user (INTEGRATION_USERNAME) on the API-only
   * profile, so no object is either. The default app runs as the admin (`runAsUser`, else the
   * first user), the other apps as the integration user. Ignored when `dataFile` holds a saved org.
   */
  fresh?: boolean;
  /** Sessions end this long after they were issued (Salesforce's session timeout); default: never. */
  sessionLifetimeMs?: number;
  /** How a composite request over its limits is refused (see composite.ts). */
  compositeLimitShape?: CompositeShape;
  /** Clock for session expiry and the 24-hour API usage; tests pass their own. */
  now?: () => number;
  /**
   * JSON file holding the org's state across restarts. When it exists it is loaded instead of
   * `seed`; every committed write saves it (debounced, atomically); close() flushes.
   */
  dataFile?: string;
  /** More Host header names to answer besides loopback ones and `host` (`*`: any). */
  allowedHosts?: string[];
  /** Extra routes on the same server (e.g. a status page); return true when handled. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface SalesforceEmulator {
  url: string;
  close(): Promise<void>;
  reset(seed?: SeedData): void;
  seed(data: SeedData): Record<string, string[]>;
  records(type: string): Record<string, unknown>[];
  apiRequestCount(): number;
  setFaults(faults: FaultConfig): void;
  expireSessions(): void;
  /** Forgets the API requests of the last 24 hours, as when that window has moved past them. */
  forgetApiUsage(): void;
  faultsInjected(): number;
  /** All records, the recycle bin, id counters, org settings and added fields, as JSON-safe data. */
  exportState(): StoreState;
  importState(state: StoreState): void;
}

/**
 * A new org: field-level security on custom fields, and an integration user on the API-only
 * profile, whose object rights come from permission sets alone (object-security.ts).
 */
function startFresh(store: Store): void {
  store.settings.fieldSecurity = true;
  addIntegrationUser(store);
}

const VERSIONS = ['58.0', '59.0', '60.0', '61.0', '62.0', '63.0', '64.0'];
/** Longest request URI Salesforce accepts ("API Request Limits and Allocations": 16,384 bytes). */
export const MAX_URI_LENGTH = 16_384;

interface Emulator {
  store: Store;
  sessions: Sessions;
  faults: Faults;
  usage: ApiUsage;
  cursors: RestContext['cursors'];
  oauth: OAuthConfig;
  options: SalesforceEmulatorOptions;
  saver: StateSaver | null;
  url: string;
}

export async function startSalesforceEmulator(
  options: SalesforceEmulatorOptions = {},
): Promise<SalesforceEmulator> {
  const store = new Store();
  store.apiVersion = options.apiVersion ?? '62.0';
  const saved = options.dataFile ? loadStateFile(options.dataFile) : null;
  if (saved) store.importState(saved);
  else {
    seedStore(store, options.seed ?? {});
    if (options.fresh) startFresh(store);
  }
  const em: Emulator = {
    store,
    sessions: new Sessions(options.sessionLifetimeMs, options.now ?? Date.now),
    faults: new Faults(),
    usage: new ApiUsage(options.dailyApiLimit ?? 100_000, options.now ?? Date.now),
    cursors: new Map(),
    oauth: {
      clientId: options.clientId ?? 'local',
      clientSecret: options.clientSecret ?? 'local',
      otherApps: new Map(
        (options.connectedApps ?? []).map((a) => [
          a.clientId,
          { secret: a.clientSecret, runAsUser: a.runAsUser },
        ]),
      ),
      ...(options.runAsUser ? { runAsUser: options.runAsUser } : {}),
      certificate: await importCertificate(options.jwtCertificate),
    },
    options,
    saver: options.dataFile ? new StateSaver(options.dataFile, () => store.exportState()) : null,
    url: '',
  };
  if (em.saver && !saved) em.saver.flush();
  // Node refuses headers over 16 KB with its own 431; allow more so the URI limit answers as Salesforce's.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => void handle(em, req, res));
  // An idle connection stays open a minute, not Node's 5 s: a client that reuses one after a long
  // request (a 37 MB upload on a busy machine) must not write into a socket the server is just
  // closing (EPIPE). The emulator models Salesforce's rules, not its idle timeout, which no
  // Capture code relies on (shared/adapters/salesforce/errors.ts counts EPIPE as transient).
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? DEFAULT_LISTEN_HOST, () => resolve());
  });
  em.url = `http://${urlHost(options.host ?? DEFAULT_LISTEN_HOST)}:${(server.address() as AddressInfo).port}`;
  return controls(em, server);
}

/** A host as a URL writes it: IPv6 in brackets, every interface as loopback (what a client on this machine reaches). */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return DEFAULT_LISTEN_HOST;
  return host.includes(':') ? `[${host}]` : host;
}

function controls(em: Emulator, server: ReturnType<typeof createServer>): SalesforceEmulator {
  const { store } = em;
  return {
    url: em.url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        if (em.saver?.pending) em.saver.flush();
      }),
    reset: (seed) => {
      store.reset();
      em.cursors.clear();
      em.usage.reset();
      em.faults.injected = 0;
      seedStore(store, seed ?? {});
      em.saver?.schedule();
    },
    seed: (data) => {
      const ids = seedStore(store, data);
      em.saver?.schedule();
      return ids;
    },
    records: (type) => store.all(type).map((r) => ({ ...r })),
    apiRequestCount: () => em.usage.count,
    setFaults: (next) => em.faults.set(next),
    expireSessions: () => em.sessions.expireAll(),
    forgetApiUsage: () => em.usage.reset(),
    faultsInjected: () => em.faults.injected,
    exportState: () => store.exportState(),
    importState: (state) => {
      store.importState(state);
      em.cursors.clear();
      em.saver?.schedule();
    },
  };
}

async function handle(em: Emulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Only requests for this machine: a web page that rebinds its name to 127.0.0.1 is refused.
  if (!hostAllowed(req.headers.host, em.options.host ?? DEFAULT_LISTEN_HOST, em.options.allowedHosts)) {
    refuseHost(res);
    return;
  }
  try {
    const target = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && target.pathname === '/services/oauth2/token')
      return await tokenEndpoint(req, res, {
        store: em.store,
        sessions: em.sessions,
        config: em.oauth,
        url: em.url,
      });
    if (req.method === 'POST' && target.pathname === '/services/oauth2/revoke') {
      em.sessions.revoke(new URLSearchParams(await readBody(req)).get('token') ?? '');
      return send(res, 200);
    }
    if (target.pathname === '/services/data' || target.pathname === '/services/data/') {
      return send(
        res,
        200,
        VERSIONS.map((v) => ({ label: `Emulated v${v}`, url: `/services/data/v${v}`, version: v })),
      );
    }
    if (req.method === 'POST' && /^\/services\/Soap\/m\/\d+\.\d$/.test(target.pathname))
      return await soapCall(em, req, res);
    const m = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(target.pathname);
    if (!m) {
      if (em.options.extraRoutes?.(req, res)) return;
      return send(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    }
    await api(em, req, res, target, m[1]!, decodeURIComponent(m[2] ?? ''));
  } catch (error) {
    if (!res.headersSent)
      send(res, 500, [
        {
          message: `emulator error: ${error instanceof Error ? error.message : String(error)}`,
          errorCode: 'UNKNOWN_EXCEPTION',
        },
      ]);
  }
}

/** One API call: counted, authenticated, maybe faulted, then routed. */
async function api(
  em: Emulator,
  req: IncomingMessage,
  res: ServerResponse,
  target: URL,
  version: string,
  path: string,
): Promise<void> {
  em.usage.record();
  const limitHeader = em.usage.header();
  let session: Session | null = null;
  let refused: HttpError | null = null;
  try {
    session = admit(em, req, limitHeader);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    refused = error;
  }
  // Latency before any answer, refusals included; per credential once the session says whose.
  await em.faults.delay(session?.clientId ?? null);
  if (!session) {
    const refusal = refused ?? sessionInvalid(limitHeader);
    return send(res, refusal.status, refusal.body, refusal.headers);
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const fault = em.faults.pick(method, path);
  if (fault === 'DROP_CONNECTION') {
    req.socket.destroy();
    return;
  }
  try {
    const early = faultError(em, fault, req, limitHeader);
    if (early) throw early;
    if (em.usage.exceeded) throw requestLimit(limitHeader);
    const text = method === 'GET' || method === 'DELETE' ? '' : await readBody(req);
    const ctx: RestContext = {
      store: em.store,
      usage: em.usage,
      cursors: em.cursors,
      compositeShape: em.options.compositeLimitShape ?? 'compositeResponse',
      write: {
        userId: session.userId,
        access: fieldAccessFor(em.store, session.userId),
        objects: objectAccessFor(em.store, session.userId),
      },
      fault,
      version,
    };
    const body = parseJson(text);
    checkBase64Size(em.store, body);
    const result = rest(ctx, method, path, target.searchParams, body);
    if (method !== 'GET') em.saver?.schedule();
    return send(res, result.status, result.body, { ...limitHeader, ...(result.headers ?? {}) });
  } catch (error) {
    if (error instanceof SalesforceError) return send(res, error.status, errorBody(error), limitHeader);
    if (error instanceof HttpError)
      return send(res, error.status, error.body, { ...limitHeader, ...error.headers });
    throw error;
  }
}

/** A Metadata API call (SOAP): counted as an API request, authenticated by its SessionHeader. */
async function soapCall(em: Emulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  em.usage.record();
  const xml = await readBody(req);
  const headers = { 'content-type': 'text/xml;charset=UTF-8', ...em.usage.header() };
  const answer = em.sessions.check(soapSession(xml))
    ? metadataCall(em.store.settings, xml)
    : { status: 500, body: soapFault('INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader') };
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

/** Refuses over-long URIs and calls without a live session. */
function admit(em: Emulator, req: IncomingMessage, headers: Record<string, string>): Session {
  if ((req.url ?? '').length > MAX_URI_LENGTH) {
    throw new HttpError(
      414,
      [{ message: `URI longer than ${MAX_URI_LENGTH} bytes`, errorCode: 'URI_TOO_LONG' }],
      headers,
    );
  }
  const bearer = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const session = em.sessions.check(bearer);
  if (!session) throw sessionInvalid(headers);
  return session;
}

function faultError(
  em: Emulator,
  fault: string | null,
  req: IncomingMessage,
  headers: Record<string, string>,
): HttpError | null {
  if (fault === 'SERVER_ERROR') return serverUnavailable(headers);
  if (fault === 'REQUEST_LIMIT_EXCEEDED') return requestLimit(headers);
  if (fault === 'INVALID_SESSION_ID') {
    const bearer = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer) em.sessions.revoke(bearer);
    return sessionInvalid(headers);
  }
  return null;
}

// Standalone: npm run emulator -- [--port 8484] [--seed seed.json] [--data state.json]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await standalone();

/**
 * The emulator started alone, seeded with the demo org unless --seed names another, with Capture's
 * setup applied unless CAPTURE_SF_FRESH=1; CAPTURE_SF_API_LIMIT sets its daily limit.
 */
async function standalone(): Promise<void> {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i === -1 ? undefined : process.argv[i + 1];
  };
  if (process.argv.includes('--help')) {
    console.log(
      'usage: npm run emulator -- [--port 8484] [--seed seed.json] [--data state.json]\n' +
        'env: CAPTURE_SF_FRESH=1 (a new org: no Capture fields or permission set, field-level security on), CAPTURE_SF_API_LIMIT (daily API requests, default 100000)',
    );
    process.exit(0);
  }
  try {
    const { emulatorOrgFromEnv } = await import('./env.ts');
    const org = emulatorOrgFromEnv(process.env);
    const seedFile = arg('--seed') ?? fileURLToPath(new URL('../demo/seed.json', import.meta.url));
    const dataFile = arg('--data');
    const emulator = await startSalesforceEmulator({
      ...(dataFile ? { dataFile } : {}),
      port: Number(arg('--port') ?? 8484),
      host: listenHostFromEnv(),
      allowedHosts: allowedHostsFromEnv(),
      seed: JSON.parse(readFileSync(seedFile, 'utf8')) as SeedData,
      ...(org.salesforceFresh ? { fresh: true } : {}),
      ...(org.salesforceApiLimit ? { dailyApiLimit: org.salesforceApiLimit } : {}),
    });
    if (!org.salesforceFresh) await (await import('./apply-setup.ts')).applySetup(emulator.url);
    console.log(
      `salesforce emulator: ${emulator.url} (client id/secret: local/local; ${org.salesforceFresh ? 'a fresh org' : 'setup applied'})`,
    );
    const stop = () => void emulator.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
