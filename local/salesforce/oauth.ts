/**
 * OAuth 2.0 token endpoint (client credentials, JWT bearer) and the sessions it hands out.
 * Each session runs as one User, as on a real org: the connected app's run-as user for client
 * credentials, the assertion's subject for JWT bearer. Sessions end when revoked, when the test
 * expires them, or after `lifetimeMs` (Salesforce's session timeout).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { importSPKI, importX509, jwtVerify } from 'jose';
import { readBody, send } from './http.ts';
import { integrationUserOf } from './object-security.ts';
import type { Store } from './store.ts';

export const ORG_ID = '00D5g000004EmulEAA';

export interface Session {
  userId: string | null;
  /** The connected app (client id) the session was issued to: faults can be set per credential. */
  clientId: string | null;
  issuedAt: number;
}

export class Sessions {
  readonly #tokens = new Map<string, Session>();
  readonly #lifetimeMs: number | undefined;
  readonly #now: () => number;

  constructor(lifetimeMs: number | undefined, now: () => number) {
    this.#lifetimeMs = lifetimeMs;
    this.#now = now;
  }

  issue(userId: string | null, clientId: string | null = null): string {
    const token = `00D5g000004Emul!${randomBytes(24).toString('base64url')}`;
    this.#tokens.set(token, { userId, clientId, issuedAt: this.#now() });
    return token;
  }

  /** The live session for a bearer token; an expired one is forgotten. */
  check(token: string | undefined): Session | null {
    const session = token ? this.#tokens.get(token) : undefined;
    if (!session || !token) return null;
    if (this.#lifetimeMs !== undefined && this.#now() - session.issuedAt >= this.#lifetimeMs) {
      this.#tokens.delete(token);
      return null;
    }
    return session;
  }

  revoke(token: string): void {
    this.#tokens.delete(token);
  }

  expireAll(): void {
    this.#tokens.clear();
  }
}

export interface OAuthConfig {
  clientId: string;
  clientSecret: string;
  /**
   * More connected apps of the same org, for the client-credentials flow: each is a credential of
   * its own, so faults such as latency can be set for one of them, and may name its own run-as
   * user (each app's client credentials flow has one).
   */
  otherApps?: ReadonlyMap<string, { secret: string; runAsUser?: string | undefined }>;
  /** Username the client-credentials flow runs as; default: the first active User. */
  runAsUser?: string;
  certificate: Awaited<ReturnType<typeof importSPKI>> | null;
}

/** A connected app holds an X.509 certificate; a bare public key (SPKI PEM) is accepted too for tests. */
export async function importCertificate(pem: string | undefined) {
  if (!pem) return null;
  return pem.includes('BEGIN CERTIFICATE') ? importX509(pem, 'RS256') : importSPKI(pem, 'RS256');
}

const oauthError = (res: ServerResponse, error: string, description: string) =>
  send(res, 400, { error, error_description: description });

export async function tokenEndpoint(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: { store: Store; sessions: Sessions; config: OAuthConfig; url: string },
): Promise<void> {
  const params = new URLSearchParams(await readBody(req));
  const grant = params.get('grant_type');
  const issue = (userId: string | null, clientId: string) =>
    send(res, 200, {
      access_token: ctx.sessions.issue(userId, clientId),
      instance_url: ctx.url,
      id: `${ctx.url}/id/${ORG_ID}/${userId ?? '0055g000004EmulAAA'}`,
      token_type: 'Bearer',
      issued_at: String(Date.now()),
      signature: randomBytes(32).toString('base64'),
      scope: 'api',
    });
  if (grant === 'client_credentials') {
    const clientId = params.get('client_id') ?? '';
    if (!knownClient(ctx.config, clientId, params.get('client_secret'))) {
      return oauthError(res, 'invalid_client', 'invalid client credentials');
    }
    // Another app runs as its own run-as user, else as the org's integration user when it has one.
    const app = ctx.config.otherApps?.get(clientId);
    const runAs = app ? (app.runAsUser ?? integrationUserOf(ctx.store)) : null;
    return issue(runAsUser(ctx.store, runAs ?? ctx.config.runAsUser), clientId);
  }
  if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
    const userId = await jwtUser(res, params.get('assertion') ?? '', ctx);
    if (userId) issue(userId, ctx.config.clientId);
    return;
  }
  return oauthError(res, 'unsupported_grant_type', 'grant type not supported');
}

function knownClient(config: OAuthConfig, clientId: string, secret: string | null): boolean {
  if (clientId === config.clientId) return secret === config.clientSecret;
  const other = config.otherApps?.get(clientId);
  return other !== undefined && secret === other.secret;
}

/** The user a client credentials session runs as: the one named, else the first active user. */
function runAsUser(store: Store, username: string | undefined): string | null {
  const users = store.all('User').filter((u) => u.IsActive !== false);
  const match = username
    ? users.find((u) => String(u.Username).toLowerCase() === username.toLowerCase())
    : users[0];
  return match?.Id ?? null;
}

/** Verifies a JWT bearer assertion; answers the error itself and returns null when it fails. */
async function jwtUser(
  res: ServerResponse,
  assertion: string,
  ctx: { store: Store; config: OAuthConfig; url: string },
): Promise<string | null> {
  const { certificate, clientId } = ctx.config;
  if (!certificate) {
    oauthError(res, 'invalid_grant', 'no certificate configured for JWT bearer');
    return null;
  }
  try {
    const { payload } = await jwtVerify(assertion, certificate, { algorithms: ['RS256'] });
    const audiences = [ctx.url, 'https://login.salesforce.com', 'https://test.salesforce.com'];
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    let problem: [string, string] | null = null;
    if (payload.iss !== clientId) problem = ['invalid_client_id', 'client identifier invalid'];
    else if (!aud.some((a) => typeof a === 'string' && audiences.includes(a.replace(/\/$/, ''))))
      problem = ['invalid_grant', 'audience is invalid'];
    else if (typeof payload.exp !== 'number') problem = ['invalid_grant', 'expiration is invalid'];
    const user = ctx.store
      .all('User')
      .find((u) => String(u.Username).toLowerCase() === String(payload.sub ?? '').toLowerCase());
    if (!problem && (!user || user.IsActive === false))
      problem = ['invalid_grant', "user hasn't approved this consumer"];
    if (problem) {
      oauthError(res, ...problem);
      return null;
    }
    return user!.Id;
  } catch (error) {
    const expired = (error as { code?: string }).code === 'ERR_JWT_EXPIRED';
    oauthError(res, 'invalid_grant', expired ? 'expired authorization code' : 'invalid assertion');
    return null;
  }
}
