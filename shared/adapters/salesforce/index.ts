/**
 * CrmPort over the Salesforce REST API with jsforce: one cached connection per org, lookups in
 * composites of at most 5 queries, sObject Collections for writes, session refresh through
 * jsforce's refreshFn (these OAuth flows return no refresh token), every failure classified.
 */
import { createHash } from 'node:crypto';
import { Connection } from '@jsforce/jsforce-node/lib/connection.js';
import type { SalesforceCredentials } from '../../config/salesforce-secret.ts';
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
import { collect, emptyLookup, type LookupQuery, lookupQueries, toleratedLookupFailure } from './lookup.ts';
import { packedQueries, soqlName, soqlString } from './soql.ts';

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

interface TaskDescribe {
  fields: {
    name: string;
    externalId?: boolean;
    picklistValues?: { value: string; active?: boolean }[];
  }[];
}

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
  /** EmailMessage has Capture_Source__c (learnt with the capabilities). */
  #messageSource = false;
  #calls = 0;
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

  get #base(): string {
    return `/services/data/v${this.#version}`;
  }

  async #connect(): Promise<Connection> {
    if (this.#connection) return this.#connection;
    this.#connecting ??= requestAccessToken(this.#credentials).then(
      (token) => {
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
    const connection = await this.#connect();
    this.#calls++;
    this.#refreshError = undefined;
    try {
      return (await connection.request({
        method,
        url: path.startsWith('/services/') ? path : `${this.#base}${path}`,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      } as never)) as T;
    } catch (error) {
      // jsforce wraps a failed refresh in a plain Error; the login's own error says whether a retry helps.
      const cause = this.#refreshError ?? error;
      throw classifySalesforceError(cause, `${method} ${path.split('?')[0]}`);
    }
  }

  async capabilities(): Promise<CrmCapabilities> {
    if (this.#capabilities) return this.#capabilities;
    this.#learn(await sendComposites(this, describes(this.#base), () => false, 'describe'));
    return this.#closedStatus();
  }

  /**
   * Task Status is a restricted picklist of the org's task statuses. "Completed" when the org
   * has it; otherwise the org's first closed status, asked once (TaskStatus.IsClosed).
   */
  async #closedStatus(): Promise<CrmCapabilities> {
    const caps = this.#capabilities!;
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
   * Learns the org from the describes: Task's custom fields and statuses, and whether TaskRelation
   * exists (Salesforce offers it only with Shared Activities; without, its describe is NOT_FOUND).
   */
  #learn(answers: Map<string, Subresponse>): CrmCapabilities {
    const describe = okBody(answers.get('describe')!, 'describe Task') as TaskDescribe;
    const relation = answers.get('describe-relation')!;
    if (relation.httpStatusCode >= 400 && relation.httpStatusCode !== 404) {
      const { code, message } = firstError(relation);
      throw errorFor(code, `describe TaskRelation: ${message}`);
    }
    const field = (name: string) => describe.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    const statuses = field('Status')
      ?.picklistValues?.filter((v) => v.active !== false)
      .map((v) => v.value);
    const activity = activityFields(answers);
    this.#messageSource = activity.messageSource;
    this.#capabilities = {
      captureIdField: field('Capture_Id__c')?.externalId === true,
      orderNumbersField: field('Order_Numbers__c') !== undefined,
      sourceField: field('Capture_Source__c') !== undefined,
      sharedActivities: relation.httpStatusCode < 400,
      taskStatus: !statuses || statuses.length === 0 || statuses.includes('Completed') ? 'Completed' : '',
      eventFields: activity.eventFields,
      emailMessageField: activity.emailMessageField,
    };
    if (this.#capabilities.captureIdField && !this.#capabilities.sourceField)
      this.#logger?.warn(
        'Task.Capture_Source__c is missing: a repeated Message-ID cannot complete an earlier write; run `capture salesforce setup`',
      );
    if (!this.#capabilities.captureIdField) {
      this.#logger?.warn(
        'Task.Capture_Id__c (External ID) is missing: deduplicating with the ledger; run `capture salesforce setup`',
      );
    }
    return this.#capabilities;
  }

  /**
   * Every lookup of a batch in composites of at most 5 queries; the first lookup of a connection
   * also learns the org's Task fields with a describe in the same request (a describe is not a query).
   */
  async lookup(plan: LookupPlan): Promise<LookupResult> {
    // Without Capture_Id__c there are no Tasks to find by it (once known, the query is not sent).
    const taskSource = this.#capabilities?.sourceField !== false;
    const queries = lookupQueries(plan, { taskSource }).filter(
      (q) => q.kind !== 'tasks' || this.#capabilities?.captureIdField !== false,
    );
    const subrequests = queries.map((q, i) => ({
      method: 'GET',
      url: `${this.#base}/query?q=${encodeURIComponent(q.soql)}`,
      referenceId: `q${i}`,
    }));
    const describe = this.#capabilities === null;
    if (describe) subrequests.unshift(...describes(this.#base));
    // Events ride the same composite (queryAll: deleted Events are tombstones of cancelled meetings).
    const events = this.#capabilities?.eventFields === false ? [] : eventLookupSubrequests(this.#base, plan);
    subrequests.push(...events);
    const answers = await sendComposites(
      this,
      subrequests,
      (s) => s.referenceId.startsWith('q') || isEventLookup(s),
      'lookup',
    );
    if (describe) {
      this.#learn(answers);
      await this.#closedStatus();
    }
    const result = emptyLookup();
    if (events.length > 0 && this.#capabilities?.eventFields)
      result.events = readEventLookup(answers, events);
    let rolesCut = false;
    // Asked (even if no Contact has a role): the mapping may use them; otherwise it says they were not.
    if (queries.some((q) => q.roles)) result.opportunityRoles = [];
    for (const [i, query] of queries.entries()) {
      const records = await this.#lookupRecords(plan, query, answers.get(`q${i}`));
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
      // The first lookup learns only now that a Capture field is missing.
      if (caps?.captureIdField === false) return null;
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

  async upsertTasks(tasks: TaskDraft[]): Promise<WriteResult[]> {
    const caps = await this.capabilities();
    const records = tasks.map((t) => {
      const { Order_Numbers__c, Capture_Id__c, Capture_Source__c, ...rest } = t;
      return {
        attributes: { type: 'Task' },
        ...rest,
        ...(caps.captureIdField ? { Capture_Id__c } : {}),
        ...(caps.sourceField && Capture_Source__c ? { Capture_Source__c } : {}),
        ...(caps.orderNumbersField && Order_Numbers__c ? { Order_Numbers__c } : {}),
      };
    });
    return this.#collections(
      records,
      caps.captureIdField ? 'PATCH' : 'POST',
      caps.captureIdField ? '/composite/sobjects/Task/Capture_Id__c' : '/composite/sobjects',
    );
  }

  async writeEvents(upserts: EventWrite[], cancels: EventCancel[]): Promise<EventWriteResults> {
    const caps = await this.capabilities();
    return writeEvents(this, this.#base, caps.sharedActivities, upserts, cancels);
  }

  async logEmails(messages: EmailMessageWrite[]): Promise<WriteResult[]> {
    const caps = await this.capabilities();
    return logEmails(this, this.#base, messages, {
      activity: caps.sourceField === true,
      message: this.#messageSource,
    });
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
      const body = okBody(answers.get(`q${i}`)!, `existing ${q.kind}`);
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

  /** Adds Capture's custom fields to Activity through the Tooling API (harmless when they exist). */
  async setupFields(): Promise<{ field: string; created: boolean; skipped?: string }[]> {
    const fields = [
      captureIdField('Activity'),
      {
        FullName: 'Activity.Order_Numbers__c',
        Metadata: {
          label: 'Order Numbers',
          type: 'Text',
          length: 255,
          description: 'Order numbers Capture found in the email.',
        },
      },
      ...ACTIVITY_SETUP_FIELDS,
    ];
    const out: { field: string; created: boolean; skipped?: string }[] = [];
    for (const field of fields) {
      try {
        await this.request('POST', '/tooling/sobjects/CustomField', field);
        out.push({ field: field.FullName, created: true });
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'DUPLICATE_DEVELOPER_NAME' || code === 'DUPLICATE_VALUE')
          out.push({ field: field.FullName, created: false });
        // EmailMessage exists only with Enhanced Email: an org without it has nothing to add the field to.
        else if (field.FullName.startsWith('EmailMessage.'))
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

/** Capture_Sequence__c for Events (the invite's SEQUENCE) and EmailMessage's own external id. */
const ACTIVITY_SETUP_FIELDS = [
  sourceField('Activity'),
  {
    FullName: 'Activity.Capture_Sequence__c',
    Metadata: {
      label: 'Capture Sequence',
      type: 'Number',
      precision: 18,
      scale: 0,
      description: 'Set by Capture: the meeting invite SEQUENCE an Event was written from.',
    },
  },
  captureIdField('EmailMessage'),
  sourceField('EmailMessage'),
];

/** The stored message a write came from: a repeated Message-ID completes only its own message's write. */
function sourceField(object: 'Activity' | 'EmailMessage') {
  return {
    FullName: `${object}.Capture_Source__c`,
    Metadata: {
      label: 'Capture Source',
      type: 'Text',
      length: 64,
      description: 'Set by Capture: digest of the stored message this record was written from.',
    },
  };
}

/** The External ID that makes every write exactly once: a hash of org and Message-ID. */
function captureIdField(object: 'Activity' | 'EmailMessage') {
  return {
    FullName: `${object}.Capture_Id__c`,
    Metadata: {
      label: 'Capture Id',
      type: 'Text',
      length: 255,
      externalId: true,
      unique: true,
      description: 'Set by Capture: hash of org and Message-ID.',
    },
  };
}

/** From the Event and EmailMessage describes: whether invites and Enhanced Email can be written. */
function activityFields(answers: Map<string, Subresponse>): {
  eventFields: boolean;
  emailMessageField: boolean;
  messageSource: boolean;
} {
  const fields = (ref: string) => {
    const sub = answers.get(ref);
    if (!sub || sub.httpStatusCode >= 400) return [];
    return (sub.body as TaskDescribe).fields;
  };
  const event = fields('describe-event');
  const email = fields('describe-email');
  return {
    eventFields:
      event.some((f) => f.name === 'Capture_Id__c' && f.externalId === true) &&
      event.some((f) => f.name === 'Capture_Sequence__c'),
    emailMessageField: email.some((f) => f.name === 'Capture_Id__c' && f.externalId === true),
    messageSource: email.some((f) => f.name === 'Capture_Source__c'),
  };
}

function fileRecord(file: FileDraft): Record<string, unknown> {
  return {
    attributes: { type: 'ContentVersion' },
    Title: file.title.slice(0, 255),
    PathOnClient: file.pathOnClient.slice(0, 500),
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
