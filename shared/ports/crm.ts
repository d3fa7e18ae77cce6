/**
 * The CRM as the sync stage needs it: one batched lookup, batched writes. The Salesforce adapter
 * implements it over REST (composite, sObject Collections); tests use an in-memory fake.
 * Whole-call failures throw TransientError / PermanentError; per-record failures are results.
 * The records it reads and writes are the domain's (shared/domain/sync/crm-records.ts).
 */
import type {
  CrmCapabilities,
  EmailMessageWrite,
  EventCancel,
  EventWrite,
  EventWriteResults,
  ExistingAttachments,
  LeadDraft,
  LookupPlan,
  LookupResult,
  TaskDraft,
  WriteResult,
} from '../domain/sync/crm-records.ts';

export type {
  CrmCapabilities,
  EmailMessageWrite,
  EventCancel,
  EventWrite,
  EventWriteResults,
  ExistingAttachments,
  FoundEvent,
  LeadDraft,
  LookupPlan,
  LookupResult,
  TaskDraft,
  WriteResult,
} from '../domain/sync/crm-records.ts';

export interface FileDraft {
  taskId: string;
  title: string;
  pathOnClient: string;
  content: Buffer;
}

export interface CrmPort {
  /** What the org has (custom fields); learnt in the first lookup when not yet known. */
  capabilities(): Promise<CrmCapabilities>;
  /** Runs every lookup of a batch (one request where the platform allows). */
  lookup(plan: LookupPlan): Promise<LookupResult>;
  /** Upsert on Capture_Id__c when the field exists, else create. One result per draft, same order. */
  upsertTasks(tasks: TaskDraft[]): Promise<WriteResult[]>;
  createLeads(leads: LeadDraft[]): Promise<WriteResult[]>;
  /**
   * TaskRelations for more contacts and Files for attachments, in as few requests as possible.
   * The caller bounds the file bytes of one call (they are held in memory twice, raw and base64).
   */
  attach(
    relations: { taskId: string; relationId: string }[],
    files: FileDraft[],
  ): Promise<{ relations: WriteResult[]; files: WriteResult[] }>;
  /** Relations and Files the given Tasks have already (one request). */
  existingAttachments(taskIds: string[]): Promise<ExistingAttachments>;
  /** API requests made so far (for logs, metrics and the benchmark). */
  apiCalls(): number;
  /**
   * The org's API usage over the last 24 hours and its limit, as the last response reported it
   * (Salesforce's Sforce-Limit-Info header); null before the first response.
   */
  apiUsage?(): { used: number; max: number } | null;
  /**
   * The org's API usage no older than `maxAgeMs`: the last response's figures when they are
   * younger, else asked of Salesforce (`/limits`, one request). An org whose mail waits for its
   * API budget makes no other request, so this is how it learns its usage fell.
   */
  freshApiUsage?(maxAgeMs: number): Promise<{ used: number; max: number } | null>;
  /** Meeting invites as Events; absent where the CRM has none (invites are then logged as Tasks). */
  writeEvents?(upserts: EventWrite[], cancels: EventCancel[]): Promise<EventWriteResults>;
  /** Enhanced Email: each mail as an EmailMessage whose own Task gets Capture's fields. */
  logEmails?(messages: EmailMessageWrite[]): Promise<WriteResult[]>;
}
