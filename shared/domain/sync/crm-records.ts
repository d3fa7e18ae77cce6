/**
 * The records the sync rules read from the CRM and the drafts they write, as plain values: what a
 * batch looks up, what it found, the Tasks, Leads, Events and EmailMessages to write and each
 * record's answer. The domain owns these; the CRM port and its adapters speak them.
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
  /** Capture ids of the batch's meeting invites (Event.Capture_Id__c); see writeEvents. */
  eventCaptureIds?: string[];
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
  /** Tasks found by Capture_Id__c; `source` is the stored message each was written from (Capture_Source__c). */
  tasks: {
    id: string;
    captureId: string;
    whatId: string | null;
    whoId?: string | null;
    source?: string | null;
  }[];
  /**
   * Open Opportunities of the looked-up Contacts (OpportunityContactRole, closed ones left out);
   * absent when they were not asked (no mail needed them) or a Contact's list came back cut short.
   */
  opportunityRoles?: { contactId: string; opportunityId: string; accountId: string | null }[];
  /** Events Capture wrote, deleted ones (recycle bin) included as tombstones. */
  events?: FoundEvent[];
}

/** An Event Capture wrote before, found by its external id. */
export interface FoundEvent {
  id: string;
  captureId: string;
  /** Capture_Sequence__c: null while no invite that may change the Event has written it. */
  sequence: number | null;
  /** Marked cancelled (onCancel "mark"). */
  cancelled: boolean;
  /**
   * In the recycle bin: the tombstone of a cancelled meeting (onCancel "delete"), so a late REQUEST
   * with an older or the same SEQUENCE does not bring it back.
   */
  deleted?: boolean;
  /** The Event's owner (OwnerId). */
  ownerId?: string | null;
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
  /** The stored message the Task is written from (CapturedEmail origin digest); null when unknown. */
  Capture_Source__c: string | null;
  Order_Numbers__c: string | null;
}

export interface LeadDraft {
  FirstName: string | null;
  LastName: string;
  Company: string;
  Email: string;
  LeadSource: string;
}

export type WriteResult =
  | {
      ok: true;
      id: string;
      created: boolean;
      /**
       * For a record that existed before this write, when the writer read it: the stored message it
       * was written from (Capture_Source__c), null when it has none.
       */
      source?: string | null;
      /** Parts of the write Salesforce refused for good (`kind: CODE`), the record itself being written. */
      refused?: string[];
    }
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
  /** Event has Capture_Id__c (External ID) and Capture_Sequence__c: invites can become Events. */
  eventFields?: boolean;
  /**
   * EmailMessage exists (Enhanced Email) and has its own Capture_Id__c (External ID); also true
   * where the org has no EmailMessage at all, with `missingRights.enhancedEmail` saying so.
   */
  emailMessageField?: boolean;
  /**
   * Rights the integration user lacks on Capture's fields that exist (field-level security), or
   * org settings a feature needs, by feature, in words an admin can act on. A feature listed here
   * is never fallen back from: its writes fail with `salesforce-permission-missing` naming them.
   */
  missingRights?: Partial<Record<'dedupe' | 'orderNumbers' | 'events' | 'enhancedEmail', string>>;
  /**
   * Activity and EmailMessage have Capture_Source__c: each write records the stored message it came
   * from, so a repeated Message-ID completes an earlier write only for that same message.
   */
  sourceField?: boolean;
}

/** What an existing Task already has, so a retry adds only what is missing. */
export interface ExistingAttachments {
  relations: { taskId: string; relationId: string }[];
  files: { taskId: string; pathOnClient: string }[];
}

/** One Event to create or update (upsert on Capture_Id__c), with its EventRelations besides the WhoId's. */
export interface EventWrite {
  captureId: string;
  /** The Event when it exists (its relations are read back and completed). */
  eventId: string | null;
  fields: Record<string, string | number | boolean | null>;
  relations: { RelationId: string; IsParent: boolean; IsInvitee: boolean; Status: string | null }[];
}

/** A cancelled meeting: delete its Event (the recycle bin keeps it as a tombstone) or mark it. */
export interface EventCancel {
  captureId: string;
  /** Null when the Event is written earlier in the same batch. */
  eventId: string | null;
  action: 'delete' | 'mark';
  sequence: number;
  /** For "mark": the fields to set. */
  update: Record<string, string | number> | null;
}

export interface EventWriteResults {
  upserts: WriteResult[];
  /** Per upsert: the first EventRelation failure, when one failed. */
  relationFailures: ({ code: string; message: string; retryable: boolean } | null)[];
  cancels: WriteResult[];
}

/** One mail for Enhanced Email: the EmailMessage, the fields its Task gets, the people it names. */
export interface EmailMessageWrite {
  captureId: string;
  /** The stored message it is written from (Capture_Source__c); null when unknown. */
  source: string | null;
  message: Record<string, string | boolean | null>;
  task: Record<string, string | null>;
  relations: {
    RelationId: string | null;
    RelationAddress: string;
    RelationType: 'FromAddress' | 'ToAddress' | 'CcAddress';
  }[];
}
