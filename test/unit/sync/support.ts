/** CapturedEmail factory, an org, and an in-memory CrmPort for the sync unit tests. */
import { type Org, OrgSchema } from '#shared/config/registry.ts';
import {
  CAPTURED_EMAIL_SCHEMA_VERSION,
  type CapturedEmail,
  CapturedEmailSchema,
  type MailAddress,
  type Participant,
  storedMessageDigest,
} from '#shared/domain/captured-email.ts';
import { TransientError } from '#shared/errors.ts';
import type {
  CrmCapabilities,
  CrmPort,
  FileDraft,
  LeadDraft,
  LookupPlan,
  LookupResult,
  TaskDraft,
  WriteResult,
} from '#shared/ports/crm.ts';
import type { DedupeLedger, LedgerEntry } from '#shared/ports/dedupe-ledger.ts';

export const BCC = 'acme-k7q2m9x4p8w3';
export const FORWARD = 'acme-inbox-3n8v5t2r6y1z';
export const FORWARD_OWNED = 'acme-sales-9h4j2k7l5m3n';

export function makeOrg(overrides: Partial<Org> = {}): Org {
  return OrgSchema.parse({
    id: 'acme',
    internalDomains: ['acme.example'],
    defaultOwnerEmail: 'ops@acme.example',
    addresses: [
      { token: BCC, mode: 'bcc' },
      { token: FORWARD, mode: 'forward' },
      { token: FORWARD_OWNED, mode: 'forward', ownerEmail: 'sales.lead@acme.example' },
    ],
    ...overrides,
  });
}

const internal = (a: string) => a.endsWith('@acme.example');
const parseAddress = (spec: string): MailAddress => {
  const m = /^(.*)<([^>]+)>$/.exec(spec.trim());
  return m ? { name: m[1]!.trim(), address: m[2]!.toLowerCase() } : { name: '', address: spec.toLowerCase() };
};

export interface EmailSpec {
  from?: string | null;
  to?: string[];
  cc?: string[];
  subject?: string | null;
  messageId?: string | null;
  date?: string | null;
  text?: string;
  mode?: 'bcc' | 'forward';
  token?: string;
  target?: string | null;
  orderNumbers?: string[];
  inReplyTo?: string | null;
  references?: string[];
  forwardedFrom?: string | null;
  forwardedTo?: string[];
  attachments?: Partial<CapturedEmail['attachments'][number]>[];
  excluded?: string;
  textTruncated?: boolean;
  /** The From is proven (default: on a bcc address, as the intake policy requires; not on a forward one). */
  verified?: boolean;
  /** The stored message's digest (default: one per Message-ID and sender); null: a CapturedEmail without origin. */
  source?: string | null;
}

/** Builds a CapturedEmail the way the parse core would: participants flagged internal/external, direction. */
export function email(spec: EmailSpec = {}): CapturedEmail {
  const from = spec.from === null ? null : parseAddress(spec.from ?? 'Alice Rep <alice@acme.example>');
  const to = (spec.to ?? ['Jane Doe <jane@globex.example>']).map(parseAddress);
  const cc = (spec.cc ?? []).map(parseAddress);
  const forwardedFrom = spec.forwardedFrom ? parseAddress(spec.forwardedFrom) : null;
  const forwardedTo = (spec.forwardedTo ?? []).map(parseAddress);
  const p = (a: MailAddress, role: Participant['role']): Participant => ({
    ...a,
    role,
    internal: internal(a.address),
  });
  const participants = [
    ...(from ? [p(from, 'from')] : []),
    ...to.map((a) => p(a, 'to')),
    ...cc.map((a) => p(a, 'cc')),
    ...(forwardedFrom ? [p(forwardedFrom, 'forwarded-from')] : []),
    ...forwardedTo.map((a) => p(a, 'forwarded-to')),
  ].filter((x) => !x.address.endsWith('@capture.example.com'));
  const mode = spec.mode ?? 'bcc';
  const fromInternal = from ? internal(from.address) : false;
  const anyExternal = participants.some((x) => !x.internal);
  const direction = forwardedFrom
    ? 'inbound'
    : fromInternal
      ? anyExternal
        ? 'outbound'
        : 'internal'
      : 'inbound';
  const token = spec.token ?? (mode === 'bcc' ? BCC : FORWARD);
  return CapturedEmailSchema.parse({
    schemaVersion: CAPTURED_EMAIL_SCHEMA_VERSION,
    messageId: spec.messageId === undefined ? '<m1@acme.example>' : spec.messageId,
    subject: spec.subject === undefined ? 'Hello' : spec.subject,
    date: spec.date === undefined ? '2026-11-17T09:30:00.000Z' : spec.date,
    from,
    to,
    cc,
    inReplyTo: spec.inReplyTo ?? null,
    references: spec.references ?? [],
    forwarded: forwardedFrom
      ? {
          from: forwardedFrom,
          to: forwardedTo,
          cc: [],
          subject: spec.subject ?? null,
          date: null,
          source: 'inline-text',
          text: '',
        }
      : null,
    orderNumbers: spec.orderNumbers ?? [],
    kind: 'normal',
    attachments: (spec.attachments ?? []).map((a, i) => ({
      filename: `file${i}.pdf`,
      contentType: 'application/pdf',
      size: 100,
      checksum: 'c'.repeat(64),
      inline: false,
      contentId: null,
      storageKey: `attachments/acme/m/${i}`,
      ...a,
    })),
    warnings: [],
    text: spec.text ?? 'Body text.',
    textTruncated: spec.textTruncated ?? false,
    participants,
    direction,
    envelope: null,
    capture: {
      orgId: 'acme',
      address: `${token}${spec.target ? `+${spec.target.toLowerCase()}` : ''}@capture.example.com`,
      mode,
      target: spec.target ?? null,
    },
    excluded: spec.excluded ? { reason: spec.excluded } : null,
    size: 1000,
    ...(spec.source === null
      ? {}
      : {
          origin: {
            senderVerified: spec.verified ?? mode === 'bcc',
            sourceDigest:
              spec.source ??
              storedMessageDigest(`${spec.messageId ?? '<m1@acme.example>'} ${from?.address ?? ''}`),
          },
        }),
  });
}

export const emptyResult = (): LookupResult => ({
  users: [],
  contacts: [],
  leads: [],
  orders: [],
  records: [],
  tasks: [],
});

type Method = 'lookup' | 'upsertTasks' | 'createLeads' | 'attach' | 'capabilities' | 'existingAttachments';

/**
 * An in-memory CRM: lookups filter the stored records the way the SOQL would (case-insensitive
 * email), upserts key on Capture_Id__c when the org has it. Faults are queued per method.
 */
export class FakeCrm implements CrmPort {
  data: LookupResult = emptyResult();
  caps: CrmCapabilities = {
    captureIdField: true,
    orderNumbersField: true,
    sharedActivities: true,
    taskStatus: 'Completed',
    sourceField: true,
  };
  /** Bytes of file content per attach call, in call order. */
  attachBytes: number[] = [];
  tasks: (TaskDraft & { Id: string })[] = [];
  leads: (LeadDraft & { Id: string })[] = [];
  relations: { taskId: string; relationId: string }[] = [];
  files: FileDraft[] = [];
  plans: LookupPlan[] = [];
  calls = 0;
  #faults = new Map<Method, Error[]>();
  /** Per-record write failures: return a failure for a draft to fail it once. */
  rejectTask: (task: TaskDraft, attempt: number) => WriteResult | null = () => null;
  rejectLead: (lead: LeadDraft) => WriteResult | null = () => null;
  #attempts = new Map<string, number>();
  #next = 1;

  fail(method: Method, ...errors: Error[]) {
    this.#faults.set(method, [...(this.#faults.get(method) ?? []), ...errors]);
  }

  #call(method: Method) {
    this.calls++;
    const error = this.#faults.get(method)?.shift();
    if (error) throw error;
  }

  #id(prefix: string) {
    return `${prefix}${String(this.#next++).padStart(15, '0')}`;
  }

  apiCalls() {
    return this.calls;
  }

  async capabilities() {
    return this.caps;
  }

  async lookup(plan: LookupPlan): Promise<LookupResult> {
    this.#call('lookup');
    this.plans.push(plan);
    const has = (list: string[], v: string) => list.includes(v.toLowerCase());
    return {
      users: this.data.users.filter((u) => has(plan.userEmails, u.email)),
      contacts: this.data.contacts.filter((c) => has(plan.personEmails, c.email)),
      leads: this.data.leads.filter((l) => has(plan.personEmails, l.email)),
      orders: this.data.orders.filter((o) => plan.orderNumbers.includes(o.number)),
      records: this.data.records.filter((r) =>
        plan.recordIds.some((id) => id.slice(0, 15) === r.id.slice(0, 15)),
      ),
      // Without Capture_Id__c there is nothing to find Tasks by (the adapter skips that query).
      tasks: (this.caps.captureIdField
        ? [
            ...this.data.tasks,
            ...this.tasks.map((t) => ({
              id: t.Id,
              captureId: t.Capture_Id__c,
              whatId: t.WhatId,
              ...(this.caps.sourceField ? { source: t.Capture_Source__c } : {}),
            })),
          ]
        : []
      ).filter((t) => plan.captureIds.includes(t.captureId)),
    };
  }

  async upsertTasks(drafts: TaskDraft[]): Promise<WriteResult[]> {
    this.#call('upsertTasks');
    return drafts.map((draft): WriteResult => {
      const attempt = (this.#attempts.get(draft.Capture_Id__c) ?? 0) + 1;
      this.#attempts.set(draft.Capture_Id__c, attempt);
      const rejected = this.rejectTask(draft, attempt);
      if (rejected) return rejected;
      const existing = this.caps.captureIdField
        ? this.tasks.find((t) => t.Capture_Id__c === draft.Capture_Id__c)
        : undefined;
      if (existing) return { ok: true, id: existing.Id, created: false };
      const task = { ...draft, Id: this.#id('00T') };
      this.tasks.push(task);
      return { ok: true, id: task.Id, created: true };
    });
  }

  async createLeads(drafts: LeadDraft[]): Promise<WriteResult[]> {
    this.#call('createLeads');
    return drafts.map((draft): WriteResult => {
      const rejected = this.rejectLead(draft);
      if (rejected) return rejected;
      const lead = { ...draft, Id: this.#id('00Q') };
      this.leads.push(lead);
      return { ok: true, id: lead.Id, created: true };
    });
  }

  async attach(relations: { taskId: string; relationId: string }[], files: FileDraft[]) {
    this.#call('attach');
    this.attachBytes.push(files.reduce((n, f) => n + f.content.length, 0));
    this.relations.push(...relations);
    this.files.push(...files);
    const ok = (): WriteResult => ({ ok: true, id: this.#id('0RT'), created: true });
    return { relations: relations.map(ok), files: files.map(ok) };
  }

  async existingAttachments(taskIds: string[]) {
    this.#call('existingAttachments');
    return {
      relations: this.relations.filter((r) => taskIds.includes(r.taskId)),
      files: this.files
        .filter((f) => taskIds.includes(f.taskId))
        .map((f) => ({ taskId: f.taskId, pathOnClient: f.pathOnClient })),
    };
  }
}

export const transient = (code = 'SERVER_UNAVAILABLE') => new TransientError(code, `${code}: try again`);

/** An in-memory ledger with the S3 ledger's semantics (no stale takeover). */
export class MemoryLedger implements DedupeLedger {
  entries = new Map<string, LedgerEntry>();
  async claim(orgId: string, captureId: string) {
    const key = `${orgId}/${captureId}`;
    if (this.entries.has(key)) return false;
    this.entries.set(key, { state: 'pending' });
    return true;
  }
  async complete(orgId: string, captureId: string, taskId: string, source: string | null) {
    this.entries.set(`${orgId}/${captureId}`, { state: 'done', taskId, source });
  }
  async release(orgId: string, captureId: string) {
    this.entries.delete(`${orgId}/${captureId}`);
  }
  async get(orgId: string, captureId: string) {
    return this.entries.get(`${orgId}/${captureId}`) ?? null;
  }
}
