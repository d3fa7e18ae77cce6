/**
 * CrmPort over the Salesforce REST API with jsforce: one cached connection per org, lookups in
 * composites of at most 5 queries, sObject Collections for writes, session refresh through
 * jsforce's refreshFn (these OAuth flows return no refresh token), every failure classified.
 * jsforce sends each request once: its own retries are off, so the sync stage owns retries.
 * Administration (setup, check) is in ./admin/, outside the sync functions' bundle.
 */
import { createHash } from 'node:crypto';
import { Connection } from '@jsforce/jsforce-node/lib/connection.js';
import type { SalesforceCredentials } from '../../config/salesforce-secret.ts';
import { cutText } from '../../domain/text-limit.ts';
import { PermanentError, TransientError } from '../../errors.ts';
import type { LogSink } from '../../observability.ts';
import type {
  CrmCapabilities,
  CrmPort,
  EmailMessageWrite,
  EventCancel,
  EventWrite,
  EventWriteResults,
  ExistingAttachments,
  FileDraft,
  LeadDraft,
  LookupPlan,
  LookupResult,
  TaskDraft,
  WriteResult,
} from '../../ports/crm.ts';
import { requestAccessToken } from './auth.ts';
import {
  capabilitiesOf,
  type DescribedField,
  EXISTING_FIELDS_SOQL,
  type ExistingFields,
  existingFieldsOf,
  fieldState,
  type OrgDescribes,
  someFieldUndescribed,
} from './capabilities.ts';
import {
  CAPTURE_FIELDS,
  type CaptureFeature,
  ENHANCED_EMAIL_OFF,
  PERMISSION_MISSING,
} from './capture-fields.ts';
import type { SfWriteResult, Subrequest, Subresponse } from './composite.ts';
import {
  collectionResults,
  errorFor,
  firstError,
  isQueryOrCollection,
  okBody,
  sendComposites,
  writeResults,
} from './composite.ts';
import { logEmails } from './email-messages.ts';
import { classifySalesforceError } from './errors.ts';
import { eventLookupSubrequests, isEventLookup, readEventLookup, writeEvents } from './events.ts';
import { collectionChunks, compositeGroups } from './limits.ts';
import {
  collect,
  emptyLookup,
  type LookupQuery,
  lookupQueries,
  missingReadRight,
  ROLES_REFUSED,
  toleratedLookupFailure,
  withoutRoles,
} from './lookup.ts';
import { packedQueries, soqlString } from './soql.ts';

export interface SalesforceCrmOptions {
  credentials: SalesforceCredentials;
  /** The org the connection serves; part of the cache key, so two orgs never share a connection. */
  orgId?: string;
  apiVersion?: string;
  logger?: LogSink;
}

export { FILE_REQUEST_BYTES } from './limits.ts';

/** A second session refresh this soon after the first means the new session is refused too. */
const REFRESH_GAP_MS = 1_000;
/**
 * jsforce repeats GET, PUT and DELETE requests on 420/429/5xx and network errors up to 5 times by
 * itself; no method is retried here, so a failing request is sent once and the caller decides.
 */
const NO_RETRY = { retry: { maxRetries: 0, methods: [] } };

/** The describes that tell what the org has; neither counts against the 5 queries of a composite. */
function describes(base: string): Subrequest[] {
  return [
    { method: 'GET', url: `${base}/sobjects/Task/describe`, referenceId: 'describe' },
    { method: 'GET', url: `${base}/sobjects/TaskRelation/describe`, referenceId: 'describe-relation' },
    // Meeting invites and Enhanced Email: whether Event and EmailMessage carry Capture's fields.
    { method: 'GET', url: `${base}/sobjects/Event/describe`, referenceId: 'describe-event' },
    { method: 'GET', url: `${base}/sobjects/EmailMessage/describe`, referenceId: 'describe-email' },
  ];
}

interface QueryResult<T> {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
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
  #userId: string | null = null;
  #describes: OrgDescribes | null = null;
  #existing: ExistingFields = null;
  /** EmailMessage has Capture_Source__c (learnt with the capabilities). */
  #messageSource = false;
  #calls = 0;
  /** When the last response (and so the Sforce-Limit-Info figures) came in. */
  #usageAt = 0;
  #lastRefresh = 0;
  #refreshError: unknown;

  constructor(options: SalesforceCrmOptions) {
    this.#credentials = options.credentials;
    this.#version = options.apiVersion ?? '62.0';
    this.#logger = options.logger;
  }

  apiCalls(): number {
    return this.#calls;
  }

  /** Sforce-Limit-Info of the last response, which jsforce reads on every one. */
  apiUsage(): { used: number; max: number } | null {
    const usage = this.#connection?.limitInfo?.apiUsage;
    return usage ? { used: usage.used, max: usage.limit } : null;
  }

  async freshApiUsage(maxAgeMs: number): Promise<{ used: number; max: number } | null> {
    const known = this.apiUsage();
    if (known && Date.now() - this.#usageAt < maxAgeMs) return known;
    const limits = await this.request<{ DailyApiRequests?: { Max: number; Remaining: number } }>(
      'GET',
      '/limits',
    );
    const daily = limits.DailyApiRequests;
    return daily ? { used: daily.Max - daily.Remaining, max: daily.Max } : this.apiUsage();
  }

  /** The API version this adapter speaks. */
  get apiVersion(): string {
    return this.#version;
  }

  /** The User the credentials act as (from the token's identity URL), once connected. */
  async userId(): Promise<string | null> {
    await this.connect();
    return this.#userId;
  }

  /** Forgets what was learnt of the org (after setup changed it): the next call describes it again. */
  forgetOrg(): void {
    this.#capabilities = null;
    this.#describes = null;
    this.#existing = null;
  }

  get #base(): string {
    return `/services/data/v${this.#version}`;
  }

  /** The authorised jsforce connection (administration uses it for the Metadata API). */
  async connect(): Promise<Connection> {
    if (this.#connection) return this.#connection;
    this.#connecting ??= requestAccessToken(this.#credentials).then(
      (token) => {
        this.#userId = token.userId;
        // These OAuth flows return no refresh token: jsforce's refreshFn logs in again instead,
        // and jsforce repeats the request that met INVALID_SESSION_ID (or a 401).
        this.#connection = new Connection({
          instanceUrl: token.instanceUrl,
          accessToken: token.accessToken,
          version: this.#version,
          refreshFn: (_conn, callback) => {
            this.#refresh().then(
              (accessToken) => callback(null, accessToken),
              (error: unknown) => callback(error as Error),
            );
          },
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

  /**
   * A new token for jsforce's session refresh. A session refused again right after a new login
   * would make jsforce log in forever: the second refresh within a short time is an error.
   */
  async #refresh(): Promise<string> {
    const now = Date.now();
    if (now - this.#lastRefresh < REFRESH_GAP_MS) {
      this.#refreshError = new TransientError(
        'INVALID_SESSION_ID',
        'Salesforce refused a session it had just issued',
      );
      throw this.#refreshError;
    }
    this.#lastRefresh = now;
    this.#logger?.info('Salesforce session expired; authorising again');
    try {
      const token = await requestAccessToken(this.#credentials);
      if (this.#connection) this.#connection.instanceUrl = token.instanceUrl;
      return token.accessToken;
    } catch (error) {
      this.#refreshError = error;
      throw error;
    }
  }

  /** One REST request (jsforce refreshes an expired session and repeats it); throws classified errors. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const connection = await this.connect();
    this.#calls++;
    this.#refreshError = undefined;
    try {
      const response = (await connection.request(
        {
          method,
          url: path.startsWith('/services/') ? path : `${this.#base}${path}`,
          ...(body === undefined
            ? {}
            : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
        } as never,
        NO_RETRY,
      )) as T;
      this.#usageAt = Date.now();
      return response;
    } catch (error) {
      // jsforce wraps a failed refresh in a plain Error; the login's own error says whether a retry helps.
      const cause = this.#refreshError ?? error;
      throw classifySalesforceError(cause, `${method} ${path.split('?')[0]}`);
    }
  }

  async capabilities(): Promise<CrmCapabilities> {
    if (this.#capabilities) return this.#capabilities;
    return this.#closedStatus(
      await this.#learn(await sendComposites(this, describes(this.#base), () => false, 'describe')),
    );
  }

  /**
   * Task Status is a restricted picklist of the org's task statuses. "Completed" when the org
   * has it; otherwise the org's first closed status, asked once (TaskStatus.IsClosed).
   */
  async #closedStatus(caps: CrmCapabilities): Promise<CrmCapabilities> {
    if (caps.taskStatus) return caps;
    const closed = await this.query<{ ApiName?: string; MasterLabel?: string }>(
      'SELECT ApiName, MasterLabel FROM TaskStatus WHERE IsClosed = true ORDER BY SortOrder',
    );
    const status = closed[0]?.ApiName ?? closed[0]?.MasterLabel;
    if (!status) throw new PermanentError('NO_CLOSED_TASK_STATUS', 'the org has no closed Task Status');
    this.#capabilities = { ...caps, taskStatus: status };
    return this.#capabilities;
  }

  /**
   * Learns the org from the describes (see capabilities.ts). A Capture field the describes lack
   * costs one Tooling query, once per connection, to tell a field never created from one hidden.
   */
  async #learn(answers: Map<string, Subresponse>): Promise<CrmCapabilities> {
    const fields = new Map<'Task' | 'Event' | 'EmailMessage', DescribedField[] | null>();
    for (const [type, ref] of [
      ['Task', 'describe'],
      ['Event', 'describe-event'],
      ['EmailMessage', 'describe-email'],
    ] as const) {
      const sub = answers.get(ref);
      // Task is always there; Event and EmailMessage may not be (NOT_FOUND).
      if (type !== 'Task' && sub && sub.httpStatusCode === 404) fields.set(type, null);
      else if (sub)
        fields.set(type, (okBody(sub, `describe ${type}`) as { fields: DescribedField[] }).fields);
    }
    const relation = answers.get('describe-relation');
    if (relation && relation.httpStatusCode >= 400 && relation.httpStatusCode !== 404) {
      const { code, message } = firstError(relation);
      throw errorFor(code, `describe TaskRelation: ${message}`);
    }
    const describes: OrgDescribes = { fields, taskRelation: (relation?.httpStatusCode ?? 404) < 400 };
    this.#existing = someFieldUndescribed(describes) ? await this.#existingFields() : new Set();
    this.#describes = describes;
    const email = fields.get('EmailMessage') ?? [];
    this.#messageSource = email.some((f) => f.name === 'Capture_Source__c');
    this.#capabilities = capabilitiesOf(describes, this.#existing);
    this.#warn(this.#capabilities);
    return this.#capabilities;
  }

  /** Capture's fields as the Tooling API lists them; null when this user may not ask it. */
  async #existingFields(): Promise<ExistingFields> {
    try {
      const rows = await this.request<QueryResult<{ DeveloperName?: string; TableEnumOrId?: string }>>(
        'GET',
        `/tooling/query?q=${encodeURIComponent(EXISTING_FIELDS_SOQL)}`,
      );
      return existingFieldsOf(rows.records);
    } catch (error) {
      if (error instanceof TransientError) throw error;
      this.#logger?.warn(
        'Tooling API refused (no View Setup and Configuration?): fields Capture cannot see count as hidden',
      );
      return null;
    }
  }

  #warn(caps: CrmCapabilities): void {
    if (caps.captureIdField && !caps.sourceField)
      this.#logger?.warn(
        'Task.Capture_Source__c is missing: a repeated Message-ID cannot complete an earlier write; run `capture salesforce setup`',
      );
    if (!caps.captureIdField)
      this.#logger?.warn(
        'Task.Capture_Id__c (External ID) is missing: deduplicating with the ledger; run `capture salesforce setup`',
      );
    for (const [feature, rights] of Object.entries(caps.missingRights ?? {}))
      this.#logger?.warn('Salesforce rights missing: mails that need them fail', { feature, rights });
  }

  /** Whether this user may read a Capture field (queries naming a hidden one are refused). */
  #readable(object: 'Task' | 'Event', name: string): boolean {
    const f = CAPTURE_FIELDS.find((x) => x.object === object && x.name === name);
    const described = this.#describes?.fields.get(object) ?? null;
    if (!f) return false;
    const state = fieldState(f, described, this.#existing);
    return state === 'ok' || state === 'read-only';
  }

  /** The rights the features lack, or null when they have what they need. */
  #missing(...features: CaptureFeature[]): string | null {
    const rights = features.map((f) => this.#capabilities?.missingRights?.[f]).filter(Boolean);
    return rights.length > 0 ? rights.join('; ') : null;
  }

  /**
   * Every lookup of a batch in composites of at most 5 queries; the first lookup of a connection
   * also learns the org's Task fields with a describe in the same request (a describe is not a query).
   */
  async lookup(plan: LookupPlan): Promise<LookupResult> {
    // An org that lacked rights is described again with each lookup (same request): once an admin
    // grants them, the next batch uses them. Without a readable Capture_Id__c there are no Tasks to find by it.
    if (this.#capabilities?.missingRights) this.forgetOrg();
    const known = this.#capabilities !== null;
    const taskSource = this.#capabilities?.sourceField !== false;
    const queries = lookupQueries(plan, { taskSource }).filter(
      (q) =>
        q.kind !== 'tasks' ||
        !known ||
        (this.#capabilities?.captureIdField !== false && this.#readable('Task', 'Capture_Id__c')),
    );
    const subrequests = queries.map((q, i) => ({
      method: 'GET',
      url: `${this.#base}/query?q=${encodeURIComponent(q.soql)}`,
      referenceId: `q${i}`,
    }));
    const describe = this.#capabilities === null;
    if (describe) subrequests.unshift(...describes(this.#base));
    // Events ride the same composite (queryAll: deleted Events are tombstones of cancelled meetings).
    const eventsReadable =
      !known || (this.#capabilities?.eventFields === true && this.#readable('Event', 'Capture_Id__c'));
    const events = eventsReadable ? eventLookupSubrequests(this.#base, plan) : [];
    subrequests.push(...events);
    const answers = await sendComposites(
      this,
      subrequests,
      (s) => s.referenceId.startsWith('q') || isEventLookup(s),
      'lookup',
    );
    if (describe) {
      await this.#closedStatus(await this.#learn(answers));
    }
    const result = emptyLookup();
    if (events.length > 0 && this.#capabilities?.eventFields && this.#readable('Event', 'Capture_Id__c'))
      result.events = readEventLookup(answers, events);
    let rolesCut = false;
    // Asked (even if no Contact has a role): the mapping may use them; otherwise it says they were not.
    if (queries.some((q) => q.roles)) result.opportunityRoles = [];
    for (const [i, query] of queries.entries()) {
      const answer = answers.get(`q${i}`);
      if (query.roles && rolesRefused(answer)) {
        // No read on Opportunity: the contacts without their roles; each mail says the rule went unchecked.
        this.#logger?.warn(
          'contact roles refused (no read on Opportunity): the opportunity rule is not checked',
        );
        const plain = withoutRoles(query);
        const rows = await this.#allPages(await this.#queryPage(plain.soql));
        collect(result, plain, rows, plan.orderLookup.field);
        rolesCut = true;
        continue;
      }
      const records = await this.#lookupRecords(plan, query, answer);
      if (records && !collect(result, query, records, plan.orderLookup.field)) rolesCut = true;
    }
    if (rolesCut) delete result.opportunityRoles;
    return result;
  }

  /**
   * One lookup query's rows; null when they are not to be had and that is not the batch's failure:
   * Tasks without Capture_Id__c (the ledger deduplicates), and records the mail named that
   * Capture's user cannot read (an object the org lacks or hides: those records stay unknown).
   */
  async #lookupRecords(
    plan: LookupPlan,
    query: LookupQuery,
    sub: Subresponse | undefined,
  ): Promise<Record<string, unknown>[] | null> {
    if (!sub) throw errorFor('COMPOSITE_INCOMPLETE', `lookup ${query.kind}: no answer`);
    if (sub.httpStatusCode < 400) return this.#allPages(sub.body as QueryResult<Record<string, unknown>>);
    const { code, message } = firstError(sub);
    const caps = this.#capabilities;
    if (query.kind === 'tasks' && code === 'INVALID_FIELD') {
      // The first lookup learns only now that a Capture field is missing or hidden.
      if (caps?.captureIdField === false || !this.#readable('Task', 'Capture_Id__c')) return null;
      if (caps?.sourceField === false && query.taskSource) {
        const plain = lookupQueries(plan, { taskSource: false });
        const rows = await Promise.all(
          plain.filter((q) => q.kind === 'tasks').map((q) => this.query(q.soql)),
        );
        return rows.flat() as Record<string, unknown>[];
      }
    }
    if (toleratedLookupFailure(query, code)) {
      this.#logger?.warn('a lookup was refused; the records it names stay unknown', {
        what: query.kind,
        code,
      });
      return null;
    }
    // People, users and Capture's own Tasks are needed: an object hidden from the user fails the mail by name.
    const right = missingReadRight(code, message);
    if (right) throw new PermanentError(PERMISSION_MISSING, right);
    throw errorFor(code, `lookup ${query.kind}: ${message}`);
  }

  /**
   * Every row of a lookup answer. Child rows count toward a query's batch of 2,000, so a contacts
   * answer with many roles may come in pages: the rest is fetched (bounded by the queries' LIMITs).
   */
  async #allPages(answer: QueryResult<Record<string, unknown>>): Promise<Record<string, unknown>[]> {
    const records = [...answer.records];
    let page = answer;
    while (!page.done && page.nextRecordsUrl) {
      page = await this.request<QueryResult<Record<string, unknown>>>('GET', page.nextRecordsUrl);
      records.push(...page.records);
    }
    return records;
  }

  /**
   * Tasks upserted on Capture_Id__c (created when the field was never made). A Task whose write
   * needs a field the user may not edit fails with `salesforce-permission-missing`, unsent.
   */
  async upsertTasks(tasks: TaskDraft[]): Promise<WriteResult[]> {
    const caps = await this.capabilities();
    const refused = (t: TaskDraft) =>
      this.#missing('dedupe') ??
      (t.Order_Numbers__c && caps.orderNumbersField ? this.#missing('orderNumbers') : null);
    const results: (WriteResult | null)[] = tasks.map((t) => {
      const rights = caps.captureIdField ? refused(t) : null;
      return rights ? permissionMissing(rights) : null;
    });
    const sent = tasks.flatMap((t, i) => (results[i] ? [] : [{ i, t }]));
    const records = sent.map(({ t }) => {
      const { Order_Numbers__c, Capture_Id__c, Capture_Source__c, ...rest } = t;
      return {
        attributes: { type: 'Task' },
        ...rest,
        ...(caps.captureIdField ? { Capture_Id__c } : {}),
        ...(caps.sourceField && Capture_Source__c ? { Capture_Source__c } : {}),
        ...(caps.orderNumbersField && Order_Numbers__c ? { Order_Numbers__c } : {}),
      };
    });
    const written = await this.#collections(
      records,
      caps.captureIdField ? 'PATCH' : 'POST',
      caps.captureIdField ? '/composite/sobjects/Task/Capture_Id__c' : '/composite/sobjects',
    );
    for (const [k, { i }] of sent.entries()) results[i] = written[k] ?? noResult();
    return results.map((r) => r ?? noResult());
  }

  async writeEvents(upserts: EventWrite[], cancels: EventCancel[]): Promise<EventWriteResults> {
    const caps = await this.capabilities();
    const rights = this.#missing('events');
    if (rights)
      return {
        upserts: upserts.map(() => permissionMissing(rights)),
        relationFailures: upserts.map(() => null),
        cancels: cancels.map(() => permissionMissing(rights)),
      };
    return writeEvents(this, this.#base, caps.sharedActivities, upserts, cancels);
  }

  /**
   * Enhanced Email. An org without it (no EmailMessage, or one for Email-to-Case only, where a
   * message must belong to a Case) fails such mail naming it, never as plain Tasks.
   */
  async logEmails(messages: EmailMessageWrite[]): Promise<WriteResult[]> {
    const caps = await this.capabilities();
    const rights = this.#missing('enhancedEmail', 'dedupe');
    if (rights) return messages.map(() => permissionMissing(rights));
    const results = (
      await logEmails(this, this.#base, messages, {
        activity: caps.sourceField === true,
        message: this.#messageSource,
      })
    ).map((r) => (withoutEnhancedEmail(r) ? permissionMissing(ENHANCED_EMAIL_OFF) : r));
    if (results.some((r) => !r.ok && r.message === ENHANCED_EMAIL_OFF) && this.#capabilities) {
      this.#capabilities = {
        ...this.#capabilities,
        missingRights: { ...this.#capabilities.missingRights, enhancedEmail: ENHANCED_EMAIL_OFF },
      };
      this.#logger?.warn('Enhanced Email is off in this org: mails of orgs that ask for it fail');
    }
    return results;
  }

  createLeads(leads: LeadDraft[]): Promise<WriteResult[]> {
    return this.#collections(
      leads.map((l) => ({ attributes: { type: 'Lead' }, ...l })),
      'POST',
      '/composite/sobjects',
    );
  }

  /**
   * TaskRelations and Files as sObject Collections subrequests of at most 200 records, at most 5
   * per composite and at most FILE_REQUEST_BYTES of base64 per request (a larger file goes alone).
   */
  async attach(
    relations: { taskId: string; relationId: string }[],
    files: FileDraft[],
  ): Promise<{ relations: WriteResult[]; files: WriteResult[] }> {
    const out: { relations: WriteResult[]; files: WriteResult[] } = { relations: [], files: [] };
    const relationRecords = relations.map((r) => ({
      attributes: { type: 'TaskRelation' },
      TaskId: r.taskId,
      RelationId: r.relationId,
      IsWhat: false,
    }));
    const fileRecords = files.map((f) => fileRecord(f));
    const size = (r: Record<string, unknown>) => String(r.VersionData ?? '').length;
    const parts: AttachPart[] = [
      ...collectionChunks(relationRecords).map((records) => ({
        kind: 'relations' as const,
        records,
        bytes: 0,
      })),
      ...collectionChunks(fileRecords, size).map((records) => ({
        kind: 'files' as const,
        records,
        bytes: records.reduce((n, r) => n + size(r), 0),
      })),
    ];
    for (const group of compositeGroups(
      parts,
      () => true,
      (p) => p.bytes,
    ))
      await this.#attachGroup(group, out);
    return out;
  }

  async #attachGroup(
    group: AttachPart[],
    out: { relations: WriteResult[]; files: WriteResult[] },
  ): Promise<void> {
    const sent = group.map((s, i) => ({
      method: 'POST',
      url: `${this.#base}/composite/sobjects`,
      referenceId: `${s.kind}${i}`,
      body: { allOrNone: false, records: s.records },
    }));
    const answers = await sendComposites(this, sent, isQueryOrCollection, 'attach');
    for (const [i, s] of group.entries()) {
      const sub = answers.get(`${s.kind}${i}`);
      if (!sub) throw errorFor('COMPOSITE_INCOMPLETE', `attach: no answer for ${s.kind}${i}`);
      if (
        s.kind === 'relations' &&
        sub.httpStatusCode >= 400 &&
        /INVALID_TYPE|NOT_FOUND/.test(firstError(sub).code)
      )
        this.#sharedActivitiesOff();
      out[s.kind].push(...collectionResults(sub, s.records.length, true));
    }
  }

  /** TaskRelation is not available: the org has Shared Activities off. Later Tasks name the others instead. */
  #sharedActivitiesOff(): void {
    if (this.#capabilities?.sharedActivities) {
      this.#capabilities = { ...this.#capabilities, sharedActivities: false };
      this.#logger?.warn(
        'TaskRelation is not available (Shared Activities off): relating one contact per Task',
      );
    }
  }

  async existingAttachments(taskIds: string[]): Promise<ExistingAttachments> {
    const out: ExistingAttachments = { relations: [], files: [] };
    if (taskIds.length === 0) return out;
    const caps = await this.capabilities();
    const queries = [
      ...packedQueries(
        'SELECT FirstPublishLocationId, PathOnClient FROM ContentVersion',
        'FirstPublishLocationId',
        taskIds,
      ).map((soql) => ({ kind: 'files' as const, soql })),
      ...(caps.sharedActivities
        ? packedQueries(
            'SELECT TaskId, RelationId FROM TaskRelation',
            'TaskId',
            taskIds,
            ' AND IsWhat = false',
          ).map((soql) => ({ kind: 'relations' as const, soql }))
        : []),
    ];
    const sent = queries.map((q, i) => ({
      method: 'GET',
      url: `${this.#base}/query?q=${encodeURIComponent(q.soql)}`,
      referenceId: `q${i}`,
    }));
    const answers = await sendComposites(this, sent, () => true, 'existing attachments');
    for (const [i, q] of queries.entries()) {
      const body = okBody(answers.get(`q${i}`), `existing ${q.kind}`);
      for (const r of (body as QueryResult<Record<string, unknown>>).records) {
        if (q.kind === 'files')
          out.files.push({
            taskId: String(r.FirstPublishLocationId),
            pathOnClient: String(r.PathOnClient ?? ''),
          });
        else out.relations.push({ taskId: String(r.TaskId), relationId: String(r.RelationId) });
      }
    }
    return out;
  }

  async #collections(
    records: Record<string, unknown>[],
    method: 'POST' | 'PATCH',
    path: string,
  ): Promise<WriteResult[]> {
    const results: WriteResult[] = [];
    for (const chunk of collectionChunks(records)) {
      const response = await this.request<SfWriteResult[]>(method, path, {
        allOrNone: false,
        records: chunk,
      });
      results.push(...writeResults(response, method === 'POST'));
    }
    return results;
  }

  #queryPage(soql: string): Promise<QueryResult<Record<string, unknown>>> {
    return this.request<QueryResult<Record<string, unknown>>>('GET', `/query?q=${encodeURIComponent(soql)}`);
  }

  async query<T>(soql: string): Promise<T[]> {
    return (await this.#queryPage(soql)).records as T[];
  }
}

/** A contacts lookup refused for its contact-roles subquery alone (no read on Opportunity). */
function rolesRefused(answer: Subresponse | undefined): boolean {
  if (!answer || answer.httpStatusCode < 400) return false;
  const { code, message } = firstError(answer);
  return missingReadRight(code, message) === ROLES_REFUSED;
}

/** A write refused before it is sent: the integration user lacks these rights. */
function permissionMissing(rights: string): WriteResult {
  return { ok: false, code: PERMISSION_MISSING, message: rights, retryable: false };
}

const noResult = (): WriteResult => ({ ok: false, code: 'NO_RESULT', message: 'no result', retryable: true });

/**
 * What Salesforce answers for a message of an org without Enhanced Email: a message must belong to
 * a Case (its ParentId), or it is written without a Task of its own.
 */
function withoutEnhancedEmail(r: WriteResult): boolean {
  if (r.ok) return false;
  return (r.code === 'REQUIRED_FIELD_MISSING' && /\bParentId\b/.test(r.message)) || r.code === 'NO_ACTIVITY';
}

function fileRecord(file: FileDraft): Record<string, unknown> {
  return {
    attributes: { type: 'ContentVersion' },
    Title: cutText(file.title, 255),
    PathOnClient: cutText(file.pathOnClient, 500),
    VersionData: file.content.toString('base64'),
    FirstPublishLocationId: file.taskId,
  };
}

/** One Collections subrequest of attach: relations or files, with its base64 bytes. */
interface AttachPart {
  kind: 'relations' | 'files';
  records: Record<string, unknown>[];
  bytes: number;
}

export { soqlString };
