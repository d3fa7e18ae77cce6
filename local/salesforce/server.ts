/**
 * A Salesforce emulator speaking the REST wire format, so the real client (jsforce) works
 * against it unchanged: OAuth (client credentials, JWT bearer), sObjects, describe, SOQL query,
 * composite, sObject Collections (incl. upsert), Tooling CustomField, limits, and fault
 * injection for tests. In-process (startSalesforceEmulator) or standalone:
 *   node local/salesforce/server.ts [--port 8484] [--seed file.json] [--data state.json]
 *
 * Seed files: { "User": [...], "Account": [...], ... }, records with Salesforce field names.
 * A string value "@Type:Key" references the record of that type whose Name, Email, Username,
 * OrderNumber or LastName equals Key (parents are seeded first). Read-only fields such as
 * Order.OrderNumber may be given in a seed, as a data load can.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { importSPKI, importX509, jwtVerify } from 'jose';
import { loadStateFile, StateSaver } from './persistence.ts';
import { describeField } from './schema.ts';
import { SalesforceError, type SeedData, Store, type StoreState } from './store.ts';

export type { SeedData, StoreState } from './store.ts';

export type FaultCode =
  | 'SERVER_ERROR'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'INVALID_SESSION_ID'
  | 'UNABLE_TO_LOCK_ROW'
  | 'DROP_CONNECTION';

export interface FaultConfig {
  rates?: Partial<Record<FaultCode, number>>;
  latencyMs?: number;
  /** Seed of the deterministic random generator deciding which requests fail. */
  seed?: number;
}

export interface SalesforceEmulatorOptions {
  port?: number;
  host?: string;
  seed?: SeedData;
  /** PEM certificate (or SPKI public key); JWT bearer assertions must be signed by its key. */
  jwtCertificate?: string;
  clientId?: string;
  clientSecret?: string;
  apiVersion?: string;
  dailyApiLimit?: number;
  /**
   * JSON file holding the org's state across restarts. When it exists it is loaded instead of
   * `seed`; every committed write saves it (debounced, atomically); close() flushes.
   */
  dataFile?: string;
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
  faultsInjected(): number;
  /** All records, the recycle bin, id counters and added fields, as JSON-safe data. */
  exportState(): StoreState;
  importState(state: StoreState): void;
}

const VERSIONS = ['58.0', '59.0', '60.0', '61.0', '62.0', '63.0', '64.0'];

class HttpError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

function sfErrorBody(error: SalesforceError) {
  return [{ message: error.message, errorCode: error.errorCode, fields: error.fields }];
}

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startSalesforceEmulator(
  options: SalesforceEmulatorOptions = {},
): Promise<SalesforceEmulator> {
  const store = new Store();
  const apiVersion = options.apiVersion ?? '62.0';
  store.apiVersion = apiVersion;
  const clientId = options.clientId ?? 'local';
  const clientSecret = options.clientSecret ?? 'local';
  const dailyLimit = options.dailyApiLimit ?? 100_000;
  const tokens = new Set<string>();
  const cursors = new Map<string, { records: Record<string, unknown>[]; totalSize: number }>();
  let apiRequests = 0;
  let injected = 0;
  let faults: FaultConfig = {};
  let random = mulberry32(1);
  let url = '';
  const saved = options.dataFile ? loadStateFile(options.dataFile) : null;
  if (saved) store.importState(saved);
  else if (options.seed) store.seed(options.seed);
  const saver = options.dataFile ? new StateSaver(options.dataFile, () => store.exportState()) : null;
  if (saver && !saved) saver.flush();
  // A connected app holds an X.509 certificate; a bare public key (SPKI PEM) is accepted too for tests.
  const certificate = options.jwtCertificate
    ? options.jwtCertificate.includes('BEGIN CERTIFICATE')
      ? await importX509(options.jwtCertificate, 'RS256')
      : await importSPKI(options.jwtCertificate, 'RS256')
    : null;

  const send = (
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...(payload ? { 'content-type': 'application/json;charset=UTF-8' } : {}),
      ...headers,
    });
    res.end(payload);
  };

  const readBody = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  const parseJson = (text: string): unknown => {
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new HttpError(400, [
        { message: 'Unexpected character in JSON body', errorCode: 'JSON_PARSER_ERROR' },
      ]);
    }
  };

  async function token(req: IncomingMessage, res: ServerResponse) {
    const params = new URLSearchParams(await readBody(req));
    const grant = params.get('grant_type');
    const issue = () => {
      const accessToken = `00D5g000004Emul!${randomBytes(24).toString('base64url')}`;
      tokens.add(accessToken);
      send(res, 200, {
        access_token: accessToken,
        instance_url: url,
        id: `${url}/id/00D5g000004EmulEAA/0055g000004EmulAAA`,
        token_type: 'Bearer',
        issued_at: String(Date.now()),
        signature: randomBytes(32).toString('base64'),
        scope: 'api',
      });
    };
    if (grant === 'client_credentials') {
      if (params.get('client_id') !== clientId || params.get('client_secret') !== clientSecret) {
        return send(res, 400, { error: 'invalid_client', error_description: 'invalid client credentials' });
      }
      return issue();
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const assertion = params.get('assertion') ?? '';
      if (!certificate)
        return send(res, 400, {
          error: 'invalid_grant',
          error_description: 'no certificate configured for JWT bearer',
        });
      try {
        const { payload } = await jwtVerify(assertion, certificate, { algorithms: ['RS256'] });
        const audiences = [url, 'https://login.salesforce.com', 'https://test.salesforce.com'];
        const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        if (payload.iss !== clientId)
          return send(res, 400, {
            error: 'invalid_client_id',
            error_description: 'client identifier invalid',
          });
        if (!aud.some((a) => typeof a === 'string' && audiences.includes(a.replace(/\/$/, '')))) {
          return send(res, 400, { error: 'invalid_grant', error_description: 'audience is invalid' });
        }
        if (typeof payload.exp !== 'number')
          return send(res, 400, { error: 'invalid_grant', error_description: 'expiration is invalid' });
        const user = store
          .all('User')
          .find((u) => String(u.Username).toLowerCase() === String(payload.sub ?? '').toLowerCase());
        if (!user || user.IsActive === false)
          return send(res, 400, {
            error: 'invalid_grant',
            error_description: "user hasn't approved this consumer",
          });
        return issue();
      } catch (error) {
        const expired = (error as { code?: string }).code === 'ERR_JWT_EXPIRED';
        return send(res, 400, {
          error: 'invalid_grant',
          error_description: expired ? 'expired authorization code' : 'invalid assertion',
        });
      }
    }
    return send(res, 400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' });
  }

  function pickFault(): FaultCode | null {
    for (const [code, rate] of Object.entries(faults.rates ?? {}) as [FaultCode, number][]) {
      if (rate > 0 && random() < rate) return code;
    }
    return null;
  }

  function substitute(value: unknown, results: Map<string, unknown>): unknown {
    if (typeof value === 'string') {
      return value.replace(
        /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g,
        (_m, ref: string, path: string) => {
          let current = results.get(ref);
          if (current === undefined)
            throw new HttpError(400, [
              {
                message: `Invalid reference specified. No value for ${ref} found in ${ref}`,
                errorCode: 'INVALID_FIELD',
              },
            ]);
          for (const part of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
            current = part.startsWith('[')
              ? (current as unknown[])?.[Number(part.slice(1, -1))]
              : (current as Record<string, unknown>)?.[part.slice(1)];
          }
          return String(current);
        },
      );
    }
    if (Array.isArray(value)) return value.map((v) => substitute(v, results));
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, results)]));
    return value;
  }

  function recordResult(fn: () => { id: string; created?: boolean }) {
    try {
      const r = fn();
      return {
        id: r.id,
        success: true,
        errors: [],
        ...(r.created === undefined ? {} : { created: r.created }),
      };
    } catch (error) {
      if (!(error instanceof SalesforceError)) throw error;
      return {
        id: null,
        success: false,
        errors: [{ statusCode: error.errorCode, message: error.message, fields: error.fields }],
      };
    }
  }

  function collection(
    method: string,
    path: string,
    search: URLSearchParams,
    body: unknown,
    fault: FaultCode | null,
  ): { status: number; body: unknown } {
    const payload = (body ?? {}) as { allOrNone?: boolean; records?: Record<string, unknown>[] };
    const records = payload.records ?? [];
    if (method !== 'DELETE' && records.length > 200) {
      throw new HttpError(400, [
        { message: 'Maximum number of records exceeded: 200', errorCode: 'EXCEEDED_ID_LIMIT' },
      ]);
    }
    const snapshot = store.snapshot();
    const lock = () => {
      throw new SalesforceError(
        'UNABLE_TO_LOCK_ROW',
        'unable to obtain exclusive access to this record or 1 records',
      );
    };
    let results: ReturnType<typeof recordResult>[];
    const parts = path.split('/').filter(Boolean); // composite, sobjects, [Type, ExtField]
    if (method === 'POST') {
      results = records.map((r) =>
        recordResult(() => {
          if (fault === 'UNABLE_TO_LOCK_ROW') lock();
          const type = (r.attributes as { type?: string } | undefined)?.type;
          if (!type) throw new SalesforceError('INVALID_TYPE', 'Must send a concrete entity type.');
          return { id: store.create(type, r).Id };
        }),
      );
    } else if (method === 'PATCH' && parts.length === 4) {
      const [, , type, extField] = parts as [string, string, string, string];
      results = records.map((r) =>
        recordResult(() => {
          if (fault === 'UNABLE_TO_LOCK_ROW') lock();
          const value =
            r[extField] ?? Object.entries(r).find(([k]) => k.toLowerCase() === extField.toLowerCase())?.[1];
          if (typeof value !== 'string' || value === '')
            throw new SalesforceError(
              'REQUIRED_FIELD_MISSING',
              `Required fields are missing: [${extField}]`,
              [extField],
            );
          const { record, created } = store.upsert(type, extField, value, r);
          return { id: record.Id, created };
        }),
      );
    } else if (method === 'PATCH') {
      results = records.map((r) =>
        recordResult(() => {
          if (fault === 'UNABLE_TO_LOCK_ROW') lock();
          const type = (r.attributes as { type?: string } | undefined)?.type ?? '';
          const { Id, ...rest } = r;
          return { id: store.update(type, String(Id ?? ''), rest).Id };
        }),
      );
    } else if (method === 'DELETE') {
      const ids = (search.get('ids') ?? '').split(',').filter(Boolean);
      results = ids.map((id) =>
        recordResult(() => {
          const record = store.findById(id);
          if (!record) throw new SalesforceError('ENTITY_IS_DELETED', 'entity is deleted');
          store.delete(store.typeOfId(record.Id)!.name, record.Id);
          return { id: record.Id };
        }),
      );
    } else {
      throw new HttpError(405, [
        { message: `HTTP Method '${method}' not allowed`, errorCode: 'METHOD_NOT_ALLOWED' },
      ]);
    }
    const fixed = results;
    if (payload.allOrNone && fixed.some((r) => !r.success)) {
      store.restore(snapshot);
      return {
        status: 200,
        body: fixed.map((r) =>
          r.success
            ? {
                id: null,
                success: false,
                errors: [
                  {
                    statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                    message:
                      'Record rolled back because not all records were valid and the request was using AllOrNone header',
                    fields: [],
                  },
                ],
              }
            : r,
        ),
      };
    }
    return { status: 200, body: fixed };
  }

  /** Handles one REST call below /services/data/vXX.X; used directly and by composite. */
  function rest(
    method: string,
    path: string,
    search: URLSearchParams,
    body: unknown,
    fault: FaultCode | null,
    version: string,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    const parts = path.split('/').filter(Boolean);
    const tooling = parts[0] === 'tooling';
    const p = tooling ? parts.slice(1) : parts;
    const writing = method !== 'GET';
    if (fault === 'UNABLE_TO_LOCK_ROW' && writing && p[0] !== 'composite') {
      throw new SalesforceError(
        'UNABLE_TO_LOCK_ROW',
        'unable to obtain exclusive access to this record or 1 records',
      );
    }
    if (p.length === 0) {
      const base = `/services/data/v${version}`;
      return {
        status: 200,
        body: Object.fromEntries(
          ['sobjects', 'query', 'queryAll', 'composite', 'limits', 'tooling'].map((r) => [r, `${base}/${r}`]),
        ),
      };
    }
    if (p[0] === 'limits' && !tooling) {
      return {
        status: 200,
        body: {
          DailyApiRequests: { Max: dailyLimit, Remaining: Math.max(0, dailyLimit - apiRequests) },
          DataStorageMB: { Max: 5, Remaining: 5 },
        },
      };
    }
    if (p[0] === 'query' || p[0] === 'queryAll') {
      if (p[1]) {
        // Locators read "<cursor>-<offset>", as Salesforce's do.
        const cursor = cursors.get(p[1].split('-')[0]!);
        if (!cursor) throw new SalesforceError('INVALID_QUERY_LOCATOR', 'invalid query locator', [], 400);
        return { status: 200, body: page(p[1], cursor, version) };
      }
      const q = search.get('q');
      if (!q) throw new SalesforceError('MALFORMED_QUERY', 'A query string has to be specified');
      const result = store.query(q, { tooling, all: p[0] === 'queryAll' });
      const locator = `01g5g00000Emul${cursors.size}`;
      cursors.set(locator, result);
      return { status: 200, body: page(locator, result, version, 0) };
    }
    if (p[0] === 'composite' && !tooling) {
      if (p[1] === 'sobjects') return collection(method, p.join('/'), search, body, fault);
      if (p.length === 1 && method === 'POST') return composite(body, version);
    }
    if (p[0] === 'sobjects') {
      if (p.length === 1) {
        return {
          status: 200,
          body: {
            encoding: 'UTF-8',
            maxBatchSize: 200,
            sobjects: [...store.objects.values()]
              .filter((d) => (d.tooling ?? false) === tooling)
              .map((d) => ({
                name: d.name,
                label: d.label,
                keyPrefix: d.keyPrefix,
                queryable: true,
                createable: true,
                updateable: true,
                deletable: true,
                custom: false,
                urls: { sobject: `/services/data/v${version}/sobjects/${d.name}` },
              })),
          },
        };
      }
      const def = store.object(p[1]!);
      if ((def.tooling ?? false) !== tooling)
        throw new SalesforceError('NOT_FOUND', 'The requested resource does not exist', [], 404);
      if (p.length === 2) {
        if (method === 'POST') {
          if (tooling && def.name === 'CustomField') return { status: 201, body: createCustomField(body) };
          const record = store.create(def.name, (body ?? {}) as Record<string, unknown>);
          return { status: 201, body: { id: record.Id, success: true, errors: [] } };
        }
        return {
          status: 200,
          body: {
            objectDescribe: { name: def.name, keyPrefix: def.keyPrefix, label: def.label },
            recentItems: [],
          },
        };
      }
      if (p[2] === 'describe') {
        return {
          status: 200,
          body: {
            name: def.name,
            label: def.label,
            keyPrefix: def.keyPrefix,
            createable: true,
            updateable: true,
            deletable: true,
            queryable: true,
            custom: false,
            fields: [...def.fields.values()].map(describeField),
            urls: { sobject: `/services/data/v${version}/sobjects/${def.name}` },
          },
        };
      }
      if (p.length === 4) {
        // sobjects/Type/ExtField/value: upsert (PATCH) or read by external id (GET)
        const value = decodeURIComponent(p[3]!);
        if (method === 'PATCH') {
          const { record, created } = store.upsert(
            def.name,
            p[2]!,
            value,
            (body ?? {}) as Record<string, unknown>,
          );
          return { status: created ? 201 : 200, body: { id: record.Id, success: true, errors: [], created } };
        }
      }
      const id = decodeURIComponent(p[2]!);
      if (method === 'GET') {
        const record = store.get(def.name, id);
        const fields = search
          .get('fields')
          ?.split(',')
          .map((f) => f.trim())
          .filter(Boolean);
        const out: Record<string, unknown> = { attributes: store.attributes(def, record.Id, version) };
        for (const [k, v] of Object.entries(record)) {
          if (k === 'VersionData') continue;
          if (!fields || fields.some((f) => f.toLowerCase() === k.toLowerCase())) out[k] = v;
        }
        return { status: 200, body: out };
      }
      if (method === 'PATCH') {
        store.update(def.name, id, (body ?? {}) as Record<string, unknown>);
        return { status: 204 };
      }
      if (method === 'DELETE') {
        store.delete(def.name, id);
        return { status: 204 };
      }
    }
    throw new SalesforceError('NOT_FOUND', 'The requested resource does not exist', [], 404);
  }

  function page(
    locator: string,
    result: { records: Record<string, unknown>[]; totalSize: number },
    version: string,
    from?: number,
  ) {
    const start = from ?? Number(locator.split('-')[1] ?? 0);
    const base = locator.split('-')[0]!;
    const records = result.records.slice(start, start + 2000);
    const done = start + 2000 >= result.records.length;
    return {
      totalSize: result.totalSize,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${base}-${start + 2000}` }),
      records,
    };
  }

  function createCustomField(body: unknown) {
    const input = (body ?? {}) as {
      FullName?: string;
      Metadata?: { label?: string; type?: string; length?: number; externalId?: boolean; unique?: boolean };
    };
    const fullName = input.FullName ?? '';
    const m = /^([A-Za-z0-9_]+)\.([A-Za-z0-9_]+__c)$/.exec(fullName);
    if (!m) throw new SalesforceError('INVALID_FIELD', `FullName: invalid value: ${fullName}`, ['FullName']);
    const [, table, field] = m as unknown as [string, string, string];
    const developerName = field.replace(/__c$/, '');
    if (
      store
        .all('CustomField')
        .some(
          (f) =>
            f.TableEnumOrId === table &&
            String(f.DeveloperName).toLowerCase() === developerName.toLowerCase(),
        )
    ) {
      throw new SalesforceError(
        'DUPLICATE_DEVELOPER_NAME',
        `This field name is already in use: ${field}`,
        [],
      );
    }
    const objects = table === 'Activity' ? ['Task', 'Event'] : [table];
    const meta = input.Metadata ?? {};
    store.addCustomField(objects, {
      name: field,
      label: meta.label ?? developerName,
      type: meta.type === 'LongTextArea' ? 'textarea' : 'string',
      length: meta.length ?? 255,
      externalId: meta.externalId === true,
      unique: meta.unique === true,
    });
    const record = store.create(
      'CustomField',
      { DeveloperName: developerName, TableEnumOrId: table, FullName: fullName },
      { seeding: true },
    );
    return { id: record.Id, success: true, errors: [], warnings: [], infos: [] };
  }

  function composite(body: unknown, version: string): { status: number; body: unknown } {
    const input = (body ?? {}) as {
      allOrNone?: boolean;
      compositeRequest?: { method: string; url: string; referenceId: string; body?: unknown }[];
    };
    const requests = input.compositeRequest ?? [];
    if (requests.length > 25) {
      throw new HttpError(400, [
        { message: 'Composite Request cannot contain more than 25 subrequests', errorCode: 'INVALID_INPUT' },
      ]);
    }
    const snapshot = store.snapshot();
    const results = new Map<string, unknown>();
    const responses: {
      body: unknown;
      httpHeaders: Record<string, string>;
      httpStatusCode: number;
      referenceId: string;
    }[] = [];
    let failed = false;
    for (const sub of requests) {
      if (failed && input.allOrNone) {
        responses.push({
          body: [
            {
              errorCode: 'PROCESSING_HALTED',
              message:
                'The transaction was rolled back since another operation in the same transaction failed.',
            },
          ],
          httpHeaders: {},
          httpStatusCode: 400,
          referenceId: sub.referenceId,
        });
        continue;
      }
      try {
        const target = new URL(String(substitute(sub.url, results)), 'http://x');
        const m = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(target.pathname);
        if (!m) throw new SalesforceError('NOT_FOUND', 'The requested resource does not exist', [], 404);
        const r = rest(
          sub.method.toUpperCase(),
          decodeURIComponent(m[2] ?? ''),
          target.searchParams,
          substitute(sub.body, results),
          null,
          m[1]!,
        );
        if (r.body !== undefined) results.set(sub.referenceId, r.body);
        responses.push({
          body: r.body ?? null,
          httpHeaders: {},
          httpStatusCode: r.status,
          referenceId: sub.referenceId,
        });
        if (r.status >= 400) failed = true;
      } catch (error) {
        failed = true;
        const e =
          error instanceof SalesforceError
            ? { status: error.status, body: sfErrorBody(error) }
            : error instanceof HttpError
              ? { status: error.status, body: error.body }
              : null;
        if (!e) throw error;
        responses.push({
          body: e.body,
          httpHeaders: {},
          httpStatusCode: e.status,
          referenceId: sub.referenceId,
        });
      }
    }
    if (failed && input.allOrNone) {
      store.restore(snapshot);
      for (const r of responses) {
        if (r.httpStatusCode < 400) {
          r.httpStatusCode = 400;
          r.body = [
            {
              errorCode: 'PROCESSING_HALTED',
              message:
                'The transaction was rolled back since another operation in the same transaction failed.',
            },
          ];
        }
      }
    }
    void version;
    return { status: 200, body: { compositeResponse: responses } };
  }

  const server = createServer(async (req, res) => {
    try {
      const target = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'POST' && target.pathname === '/services/oauth2/token') return await token(req, res);
      if (req.method === 'POST' && target.pathname === '/services/oauth2/revoke') {
        const params = new URLSearchParams(await readBody(req));
        tokens.delete(params.get('token') ?? '');
        return send(res, 200);
      }
      if (target.pathname === '/services/data' || target.pathname === '/services/data/') {
        return send(
          res,
          200,
          VERSIONS.map((v) => ({ label: `Emulated v${v}`, url: `/services/data/v${v}`, version: v })),
        );
      }
      const m = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(target.pathname);
      if (!m) {
        if (options.extraRoutes?.(req, res)) return;
        return send(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      }
      apiRequests++;
      const limitHeader = () => ({ 'sforce-limit-info': `api-usage=${apiRequests}/${dailyLimit}` });
      const auth = req.headers.authorization ?? '';
      const bearer = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(auth)?.[1];
      if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
      if (!bearer || !tokens.has(bearer)) {
        return send(
          res,
          401,
          [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
          limitHeader(),
        );
      }
      const fault = pickFault();
      if (fault) injected++;
      if (fault === 'DROP_CONNECTION') {
        req.socket.destroy();
        return;
      }
      if (fault === 'SERVER_ERROR') {
        return send(
          res,
          503,
          [{ message: 'Server is temporarily unavailable', errorCode: 'SERVER_UNAVAILABLE' }],
          limitHeader(),
        );
      }
      if (fault === 'REQUEST_LIMIT_EXCEEDED') {
        return send(
          res,
          403,
          [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
          limitHeader(),
        );
      }
      if (fault === 'INVALID_SESSION_ID') {
        tokens.delete(bearer);
        return send(
          res,
          401,
          [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
          limitHeader(),
        );
      }
      if (apiRequests > dailyLimit) {
        return send(
          res,
          403,
          [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
          limitHeader(),
        );
      }
      const method = (req.method ?? 'GET').toUpperCase();
      const text = method === 'GET' || method === 'DELETE' ? '' : await readBody(req);
      try {
        const result = rest(
          method,
          decodeURIComponent(m[2] ?? ''),
          target.searchParams,
          parseJson(text),
          fault,
          m[1]!,
        );
        if (method !== 'GET') saver?.schedule();
        return send(res, result.status, result.body, { ...limitHeader(), ...(result.headers ?? {}) });
      } catch (error) {
        if (error instanceof SalesforceError)
          return send(res, error.status, sfErrorBody(error), limitHeader());
        if (error instanceof HttpError) return send(res, error.status, error.body, limitHeader());
        throw error;
      }
    } catch (error) {
      if (!res.headersSent)
        send(res, 500, [
          {
            message: `emulator error: ${error instanceof Error ? error.message : String(error)}`,
            errorCode: 'UNKNOWN_EXCEPTION',
          },
        ]);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  url = `http://${options.host ?? '127.0.0.1'}:${address.port}`;

  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        if (saver?.pending) saver.flush();
      }),
    reset: (seed) => {
      store.reset();
      cursors.clear();
      apiRequests = 0;
      injected = 0;
      if (seed) store.seed(seed);
      saver?.schedule();
    },
    seed: (data) => {
      const ids = store.seed(data);
      saver?.schedule();
      return ids;
    },
    exportState: () => store.exportState(),
    importState: (state) => {
      store.importState(state);
      cursors.clear();
      saver?.schedule();
    },
    records: (type) => store.all(type).map((r) => ({ ...r })),
    apiRequestCount: () => apiRequests,
    setFaults: (next) => {
      faults = next;
      random = mulberry32(next.seed ?? 1);
    },
    expireSessions: () => tokens.clear(),
    faultsInjected: () => injected,
  };
}

// Standalone: node local/salesforce/server.ts [--port 8484] [--seed seed.json] [--data state.json]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i === -1 ? undefined : process.argv[i + 1];
  };
  if (process.argv.includes('--help')) {
    console.log(
      'usage: node local/salesforce/server.ts [--port 8484] [--seed seed.json] [--data state.json]',
    );
    process.exit(0);
  }
  try {
    const seedFile = arg('--seed');
    const dataFile = arg('--data');
    const emulator = await startSalesforceEmulator({
      ...(dataFile ? { dataFile } : {}),
      port: Number(arg('--port') ?? 8484),
      ...(seedFile ? { seed: JSON.parse(readFileSync(seedFile, 'utf8')) as SeedData } : {}),
    });
    console.log(`salesforce emulator: ${emulator.url} (client id/secret: local/local)`);
    const stop = () => void emulator.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
