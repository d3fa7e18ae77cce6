/** What every step of one org batch's Salesforce writes shares: plain dependencies, no results. */
import type { Org } from '../config/registry.ts';
import type { LogSink } from '../observability.ts';
import type { AttachmentSource } from '../ports/attachment-source.ts';
import type { CrmPort } from '../ports/crm.ts';
import type { DedupeLedger } from '../ports/dedupe-ledger.ts';
import type { Retry } from './retry.ts';

export interface SyncContext {
  org: Org;
  crm: CrmPort;
  retry: Retry;
  /** Base backoff before a second try of records that failed for a moment. */
  backoffMs: number;
  today: () => string;
  attachments?: AttachmentSource | undefined;
  /** Set when the org has no Capture_Id__c: the ledger decides who writes a message. */
  ledger?: DedupeLedger | undefined;
  logger?: LogSink | undefined;
  /** Raw file bytes read and sent at a time. */
  fileBytesInFlight: number;
}
