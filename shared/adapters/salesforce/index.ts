/**
 * CrmPort over the Salesforce REST API with jsforce: one cached connection per org, one
 * composite request for all lookups of a batch, sObject Collections for writes, re-authorisation
 * on INVALID_SESSION_ID (these OAuth flows return no refresh token), every failure classified.
 */
import { createHash } from 'node:crypto';
import { Connection } from '@jsforce/jsforce-node/lib/connection.js';
import type { SalesforceCredentials } from '../../config/salesforce-secret.ts';
import { TransientError } from '../../errors.ts';
import type { LogSink } from '../../observability.ts';
import type {
  CrmCapabilities,
  CrmPort,
  FileDraft,
  LeadDraft,
  LookupPlan,
  LookupResult,
  TaskDraft,
  WriteResult,
} from '../../ports/crm.ts';
import { requestAccessToken } from './auth.ts';
import { classifySalesforceError, isTransientCode } from './errors.ts';
import { inClauses, soqlName, soqlString } from './soql.ts';

export interface SalesforceCrmOptions {
  credentials: SalesforceCredentials;
  /** The org the connection serves; part of the cache key, so two orgs never share a connection. */
  orgId?: string;
  apiVersion?: string;
  logger?: LogSink;
}

const COMPOSITE_LIMIT = 25;
const COLLECTION_LIMIT = 200;
/** Keeps one Collections request of Files well under Salesforce's request size limit. */
const FILE_BATCH_BYTES = 20 * 1024 * 1024;

const WHAT_TYPES: Record<string, string> = {
  '001': 'Account',
  '006': 'Opportunity',
  '801': 'Order',
  '500': 'Case',
  '800': 'Contract',
};

interface SfWriteResult {
  id?: string | null;
  success: boolean;
  created?: boolean;
  errors?: { statusCode?: string; message?: string }[];
}

interface QueryResult<T> {
  totalSize: number;
  done: boolean;
  records: T[];
}

const connections = new Map<string, SalesforceCrm>();

/**
 * One CrmPort (and connection) per org and set of credentials, reused across invocations of a
 * warm Lambda. Keyed by a fingerprint, so the secret itself is not kept as a map key; rotated
 * credentials get a fresh connection.
 */
export function createSalesforceCrm(options: SalesforceCrmOptions): CrmPort {
  const key = createHash('sha256')
    .update(JSON.stringify([options.orgId ?? '', options.apiVersion ?? '', options.credentials]))
    .digest('hex');
  let crm = connections.get(key);
  if (!crm) {
    crm = new SalesforceCrm(options);
    connections.set(key, crm);
  }
  return crm;
}

export class SalesforceCrm implements CrmPort {
  readonly #credentials: SalesforceCredentials;
  readonly #version: string;
  readonly #logger: LogSink | undefined;
  #connection: Connection | null = null;
  #connecting: Promise<Connection> | null = null;
  #capabilities: CrmCapabilities | null = null;
  #calls = 0;

  constructor(options: SalesforceCrmOptions) {
    this.#credentials = options.credentials;
    this.#version = options.apiVersion ?? '62.0';
    this.#logger = options.logger;
  }

  apiCalls(): number {
    return this.#calls;
  }

  get #base(): string {
    return `/services/data/v${this.#version}`;
  }

  async #connect(force = false): Promise<Connection> {
    if (force) {
      this.#connection = null;
      this.#connecting = null;
    }
    if (this.#connection) return this.#connection;
    this.#connecting ??= requestAccessToken(this.#credentials).then(
      (token) => {
        // No oauth2 client on the connection: jsforce would try a refresh token these flows never return.
        this.#connection = new Connection({
          instanceUrl: token.instanceUrl,
          accessToken: token.accessToken,
          version: this.#version,
        });
        return this.#connection;
      },
      (error: unknown) => {
        this.#connecting = null;
        throw error;
      },
    );
    return this.#connecting;
  }

  /** One REST request; re-authorises once on INVALID_SESSION_ID; throws classified errors. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const connection = await this.#connect(attempt > 0);
      this.#calls++;
      try {
        return (await connection.request({
          method,
          url: path.startsWith('/services/') ? path : `${this.#base}${path}`,
          ...(body === undefined
            ? {}
            : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
        } as never)) as T;
      } catch (error) {
        if (isExpiredSession(error) && attempt === 0) {
          this.#logger?.info('Salesforce session expired; authorising again');
          continue;
        }
        throw classifySalesforceError(error, `${method} ${path.split('?')[0]}`);
      }
    }
  }

  async capabilities(): Promise<CrmCapabilities> {
    if (this.#capabilities) return this.#capabilities;
    return this.#learn(
      await this.request<{ fields: { name: string; externalId?: boolean }[] }>(
        'GET',
        '/sobjects/Task/describe',
      ),
    );
  }

  #learn(describe: { fields: { name: string; externalId?: boolean }[] }): CrmCapabilities {
    const field = (name: string) => describe.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    this.#capabilities = {
      captureIdField: field('Capture_Id__c')?.externalId === true,
      orderNumbersField: field('Order_Numbers__c') !== undefined,
    };
    if (!this.#capabilities.captureIdField) {
      this.#logger?.warn(
        'Task.Capture_Id__c (External ID) is missing: deduplicating with the ledger; run `capture salesforce setup`',
      );
    }
    return this.#capabilities;
  }

  async lookup(plan: LookupPlan): Promise<LookupResult> {
    const queries: { kind: keyof LookupResult; soql: string }[] = [];
    for (const c of inClauses('Email', plan.userEmails))
      queries.push({ kind: 'users', soql: `SELECT Id, Email, IsActive FROM User WHERE ${c}` });
    for (const c of inClauses('Email', plan.personEmails)) {
      queries.push({
        kind: 'contacts',
        soql: `SELECT Id, Email, AccountId, LastModifiedDate FROM Contact WHERE ${c} ORDER BY LastModifiedDate DESC LIMIT 2000`,
      });
      queries.push({
        kind: 'leads',
        soql: `SELECT Id, Email FROM Lead WHERE ${c} AND IsConverted = false LIMIT 2000`,
      });
    }
    const { object, field } = plan.orderLookup;
    for (const c of inClauses(field, plan.orderNumbers)) {
      queries.push({
        kind: 'orders',
        soql: `SELECT Id, ${soqlName(field)}, AccountId FROM ${soqlName(object)} WHERE ${c}`,
      });
    }
    const byType = new Map<string, string[]>();
    for (const id of plan.recordIds) {
      const type = WHAT_TYPES[id.slice(0, 3)];
      if (type) byType.set(type, [...(byType.get(type) ?? []), id]);
    }
    for (const [type, ids] of byType)
      for (const c of inClauses('Id', ids))
        queries.push({ kind: 'records', soql: `SELECT Id FROM ${type} WHERE ${c}` });
    for (const c of inClauses('Capture_Id__c', plan.captureIds))
      queries.push({ kind: 'tasks', soql: `SELECT Id, Capture_Id__c, WhatId FROM Task WHERE ${c}` });

    const result: LookupResult = { users: [], contacts: [], leads: [], orders: [], records: [], tasks: [] };
    // The first lookup of a connection also learns the org's custom fields (describe), in the same request.
    let describeFirst = this.#capabilities === null;
    for (let start = 0; start < queries.length || describeFirst; ) {
      const size = COMPOSITE_LIMIT - (describeFirst ? 1 : 0);
      const chunk = queries.slice(start, start + size);
      start += size;
      const subrequests = chunk.map((q, i) => ({
        method: 'GET',
        url: `${this.#base}/query?q=${encodeURIComponent(q.soql)}`,
        referenceId: `q${i}`,
      }));
      if (describeFirst)
        subrequests.unshift({
          method: 'GET',
          url: `${this.#base}/sobjects/Task/describe`,
          referenceId: 'describe',
        });
      const response = await this.request<{
        compositeResponse: { body: unknown; httpStatusCode: number; referenceId: string }[];
      }>('POST', '/composite', {
        allOrNone: false,
        compositeRequest: subrequests,
      });
      if (describeFirst) {
        const sub = response.compositeResponse.shift();
        if (sub && sub.httpStatusCode < 400)
          this.#learn(sub.body as { fields: { name: string; externalId?: boolean }[] });
        describeFirst = false;
      }
      for (const [i, sub] of response.compositeResponse.entries()) {
        const query = chunk[i]!;
        const err0 = (sub.body as { errorCode?: string }[] | undefined)?.[0];
        // Without Capture_Id__c there are no Tasks to find by it: the ledger deduplicates instead.
        if (
          query.kind === 'tasks' &&
          err0?.errorCode === 'INVALID_FIELD' &&
          this.#capabilities?.captureIdField === false
        )
          continue;
        if (sub.httpStatusCode >= 400) {
          const err = (sub.body as { errorCode?: string; message?: string }[])?.[0];
          const code = err?.errorCode ?? `ERROR_HTTP_${sub.httpStatusCode}`;
          if (isTransientCode(code))
            throw new TransientError(code, `lookup ${query.kind}: ${err?.message ?? code}`);
          throw classifySalesforceError({ errorCode: code, message: err?.message }, `lookup ${query.kind}`);
        }
        const records = (sub.body as QueryResult<Record<string, unknown>>).records;
        this.#collect(result, query.kind, records, field);
      }
    }
    return result;
  }

  #collect(
    result: LookupResult,
    kind: keyof LookupResult,
    records: Record<string, unknown>[],
    orderField: string,
  ): void {
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    for (const r of records) {
      const id = String(r.Id);
      if (kind === 'users')
        result.users.push({ id, email: String(r.Email ?? ''), isActive: r.IsActive !== false });
      else if (kind === 'contacts')
        result.contacts.push({
          id,
          email: String(r.Email ?? ''),
          accountId: str(r.AccountId),
          lastModified: str(r.LastModifiedDate),
        });
      else if (kind === 'leads') result.leads.push({ id, email: String(r.Email ?? '') });
      else if (kind === 'orders')
        result.orders.push({ id, number: String(r[orderField] ?? ''), accountId: str(r.AccountId) });
      else if (kind === 'records') result.records.push({ id, type: WHAT_TYPES[id.slice(0, 3)] ?? 'unknown' });
      else result.tasks.push({ id, captureId: String(r.Capture_Id__c ?? ''), whatId: str(r.WhatId) });
    }
  }

  async upsertTasks(tasks: TaskDraft[]): Promise<WriteResult[]> {
    const caps = await this.capabilities();
    const records = tasks.map((t) => {
      const { Order_Numbers__c, Capture_Id__c, ...rest } = t;
      return {
        attributes: { type: 'Task' },
        ...rest,
        ...(caps.captureIdField ? { Capture_Id__c } : {}),
        ...(caps.orderNumbersField && Order_Numbers__c ? { Order_Numbers__c } : {}),
      };
    });
    return this.#collections(
      records,
      caps.captureIdField ? 'PATCH' : 'POST',
      caps.captureIdField ? '/composite/sobjects/Task/Capture_Id__c' : '/composite/sobjects',
    );
  }

  createLeads(leads: LeadDraft[]): Promise<WriteResult[]> {
    return this.#collections(
      leads.map((l) => ({ attributes: { type: 'Lead' }, ...l })),
      'POST',
      '/composite/sobjects',
    );
  }

  /**
   * TaskRelations and Files in one composite request of Collections subrequests when the files
   * are small; large files go in Collections requests of their own.
   */
  async attach(
    relations: { taskId: string; relationId: string }[],
    files: FileDraft[],
  ): Promise<{ relations: WriteResult[]; files: WriteResult[] }> {
    const relationRecords = relations.map((r) => ({
      attributes: { type: 'TaskRelation' },
      TaskId: r.taskId,
      RelationId: r.relationId,
      IsWhat: false,
    }));
    const fileRecords = files.map((file) => ({
      attributes: { type: 'ContentVersion' },
      Title: file.title.slice(0, 255),
      PathOnClient: file.pathOnClient.slice(0, 500),
      VersionData: file.content.toString('base64'),
      FirstPublishLocationId: file.taskId,
    }));
    const fileBytes = fileRecords.reduce((n, r) => n + r.VersionData.length, 0);
    const chunks = (items: Record<string, unknown>[]) => {
      const out: Record<string, unknown>[][] = [];
      for (let i = 0; i < items.length; i += COLLECTION_LIMIT) out.push(items.slice(i, i + COLLECTION_LIMIT));
      return out;
    };
    const relationChunks = chunks(relationRecords);
    const fileChunks = fileBytes <= FILE_BATCH_BYTES / 4 ? chunks(fileRecords) : [];
    const subrequests = [
      ...relationChunks.map((c) => ({ kind: 'relations' as const, c })),
      ...fileChunks.map((c) => ({ kind: 'files' as const, c })),
    ];
    const out: { relations: WriteResult[]; files: WriteResult[] } = { relations: [], files: [] };
    for (let start = 0; start < subrequests.length; start += COMPOSITE_LIMIT) {
      const batch = subrequests.slice(start, start + COMPOSITE_LIMIT);
      const response = await this.request<{ compositeResponse: { body: unknown; httpStatusCode: number }[] }>(
        'POST',
        '/composite',
        {
          allOrNone: false,
          compositeRequest: batch.map((s, i) => ({
            method: 'POST',
            url: `${this.#base}/composite/sobjects`,
            referenceId: `${s.kind}${i}`,
            body: { allOrNone: false, records: s.c },
          })),
        },
      );
      for (const [i, sub] of response.compositeResponse.entries()) {
        const kind = batch[i]!.kind;
        if (sub.httpStatusCode >= 400) {
          const err = (sub.body as { errorCode?: string; message?: string }[])?.[0];
          const code = err?.errorCode ?? `ERROR_HTTP_${sub.httpStatusCode}`;
          out[kind].push(
            ...batch[i]!.c.map(() => ({
              ok: false as const,
              code,
              message: err?.message ?? code,
              retryable: isTransientCode(code),
            })),
          );
        } else out[kind].push(...toResults(sub.body as SfWriteResult[], 'POST'));
      }
    }
    if (fileChunks.length === 0 && fileRecords.length > 0) {
      let batch: Record<string, unknown>[] = [];
      let bytes = 0;
      for (const record of fileRecords) {
        if (batch.length > 0 && bytes + record.VersionData.length > FILE_BATCH_BYTES) {
          out.files.push(...(await this.#collections(batch, 'POST', '/composite/sobjects')));
          batch = [];
          bytes = 0;
        }
        batch.push(record);
        bytes += record.VersionData.length;
      }
      if (batch.length > 0)
        out.files.push(...(await this.#collections(batch, 'POST', '/composite/sobjects')));
    }
    return out;
  }

  async #collections(
    records: Record<string, unknown>[],
    method: 'POST' | 'PATCH',
    path: string,
  ): Promise<WriteResult[]> {
    const results: WriteResult[] = [];
    for (let start = 0; start < records.length; start += COLLECTION_LIMIT) {
      const chunk = records.slice(start, start + COLLECTION_LIMIT);
      const response = await this.request<SfWriteResult[]>(method, path, {
        allOrNone: false,
        records: chunk,
      });
      results.push(...toResults(response, method));
    }
    return results;
  }

  /** Adds Capture's custom fields to Activity through the Tooling API (harmless when they exist). */
  async setupFields(): Promise<{ field: string; created: boolean }[]> {
    const fields = [
      {
        FullName: 'Activity.Capture_Id__c',
        Metadata: {
          label: 'Capture Id',
          type: 'Text',
          length: 255,
          externalId: true,
          unique: true,
          description: 'Set by Capture: hash of org and Message-ID.',
        },
      },
      {
        FullName: 'Activity.Order_Numbers__c',
        Metadata: {
          label: 'Order Numbers',
          type: 'Text',
          length: 255,
          description: 'Order numbers Capture found in the email.',
        },
      },
    ];
    const out: { field: string; created: boolean }[] = [];
    for (const field of fields) {
      try {
        await this.request('POST', '/tooling/sobjects/CustomField', field);
        out.push({ field: field.FullName, created: true });
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'DUPLICATE_DEVELOPER_NAME' || code === 'DUPLICATE_VALUE')
          out.push({ field: field.FullName, created: false });
        else throw error;
      }
    }
    this.#capabilities = null;
    return out;
  }

  async describe(type: string): Promise<{
    name: string;
    fields: {
      name: string;
      type: string;
      createable: boolean;
      updateable: boolean;
      nillable: boolean;
      defaultedOnCreate: boolean;
      externalId?: boolean;
    }[];
  }> {
    return this.request('GET', `/sobjects/${soqlName(type)}/describe`);
  }

  /** The API version this adapter uses and the versions the org offers (`GET /services/data`). */
  async apiVersions(): Promise<{ using: string; available: string[] }> {
    const list = await this.request<{ version: string }[]>('GET', '/services/data');
    return { using: this.#version, available: list.map((v) => v.version) };
  }

  async query<T>(soql: string): Promise<T[]> {
    return (await this.request<QueryResult<T>>('GET', `/query?q=${encodeURIComponent(soql)}`)).records;
  }
}

/** INVALID_SESSION_ID, or a bare 401 from a proxy or an older endpoint: a new token may help once. */
function isExpiredSession(error: unknown): boolean {
  const e = error as { errorCode?: string; name?: string; statusCode?: number; status?: number };
  return (
    e.errorCode === 'INVALID_SESSION_ID' ||
    e.name === 'INVALID_SESSION_ID' ||
    e.errorCode === 'ERROR_HTTP_401' ||
    e.statusCode === 401 ||
    e.status === 401
  );
}

function toResults(response: SfWriteResult[], method: 'POST' | 'PATCH'): WriteResult[] {
  return response.map((r): WriteResult => {
    if (r.success && r.id) return { ok: true, id: r.id, created: r.created ?? method === 'POST' };
    const e = r.errors?.[0];
    const code = e?.statusCode ?? 'UNKNOWN';
    return { ok: false, code, message: e?.message ?? 'failed', retryable: isTransientCode(code) };
  });
}

export { soqlString };
