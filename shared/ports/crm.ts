/**
 * The CRM as the sync stage needs it: one batched lookup, batched writes. The Salesforce adapter
 * implements it over REST (composite, sObject Collections); tests use an in-memory fake.
 * Whole-call failures throw TransientError / PermanentError; per-record failures are results.
 */
export interface LookupPlan {
  userEmails: string[];
  personEmails: string[];
  orderNumbers: string[];
  orderLookup: { object: 'Order' | 'Opportunity'; field: string };
  /** Salesforce ids named in sub-addresses. */
  recordIds: string[];
  /** Capture ids of the batch (dedupe) and of thread parents (reply inherits WhatId). */
  captureIds: string[];
  /** Addresses whose Contacts' open Opportunities (through contact roles) may become the WhatId. */
  opportunityEmails?: string[];
  /** Also read LastActivityDate of Contacts and Leads (duplicate policy most-recent-activity). */
  activityDates?: boolean;
}

export interface LookupResult {
  users: { id: string; email: string; isActive: boolean }[];
  contacts: {
    id: string;
    email: string;
    accountId: string | null;
    lastModified: string | null;
    createdDate?: string | null;
    lastActivityDate?: string | null;
  }[];
  leads: { id: string; email: string; createdDate?: string | null; lastActivityDate?: string | null }[];
  orders: { id: string; number: string; accountId: string | null }[];
  /** Records named by id (sub-address, `ref:`); accountId for those that have one. */
  records: { id: string; type: string; accountId?: string | null }[];
  tasks: { id: string; captureId: string; whatId: string | null; whoId?: string | null }[];
  /**
   * Open Opportunities of the looked-up Contacts (OpportunityContactRole, closed ones left out);
   * absent when they were not asked (no mail needed them) or a Contact's list came back cut short.
   */
  opportunityRoles?: { contactId: string; opportunityId: string; accountId: string | null }[];
}

export interface TaskDraft {
  Subject: string;
  Description: string;
  Status: string;
  TaskSubtype: string;
  ActivityDate: string;
  OwnerId: string;
  WhoId: string | null;
  WhatId: string | null;
  Capture_Id__c: string;
  Order_Numbers__c: string | null;
}

export interface LeadDraft {
  FirstName: string | null;
  LastName: string;
  Company: string;
  Email: string;
  LeadSource: string;
}

export interface FileDraft {
  taskId: string;
  title: string;
  pathOnClient: string;
  content: Buffer;
}

export type WriteResult =
  | { ok: true; id: string; created: boolean }
  | { ok: false; code: string; message: string; retryable: boolean };

export interface CrmCapabilities {
  /** Task.Capture_Id__c exists (External ID): dedupe and upsert in Salesforce itself. */
  captureIdField: boolean;
  orderNumbersField: boolean;
  /**
   * Shared Activities is on: a Task can be related to up to 50 contacts (TaskRelation). Off:
   * one WhoId only, the other participants are named in the Description.
   */
  sharedActivities: boolean;
  /** The closed Task Status the org has ("Completed" unless the org renamed its statuses). */
  taskStatus: string;
}

/** What an existing Task already has, so a retry adds only what is missing. */
export interface ExistingAttachments {
  relations: { taskId: string; relationId: string }[];
  files: { taskId: string; pathOnClient: string }[];
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
}
