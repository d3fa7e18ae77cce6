/**
 * Enhanced Email in the sync stage (`orgs[].salesforce.enhancedEmail`): each mail's Task is the one
 * Salesforce creates for its EmailMessage, updated with Capture's fields, never a second Task.
 * Relations to more contacts and Files then follow as for any Task. A message that exists
 * already is completed only by a redelivery of its own stored message (its Capture_Source__c).
 */
import type { Org } from '../config/registry.ts';
import type { CapturedEmail } from '../domain/captured-email.ts';
import type { CrmCapabilities, LookupResult, TaskDraft, WriteResult } from '../domain/sync/crm-records.ts';
import { emailMessageWrite } from '../domain/sync/email-message-mapping.ts';
import type { LogSink } from '../observability.ts';
import type { CrmPort } from '../ports/crm.ts';
import type { Retry } from './retry.ts';

/**
 * Whether this batch logs mail as EmailMessages: the org asks for it and Salesforce has what it
 * takes (EmailMessage with Capture_Id__c, Task.Capture_Id__c for the dedupe).
 */
export function usesEnhancedEmail(org: Org, crm: CrmPort, caps: CrmCapabilities, logger?: LogSink): boolean {
  if (!org.salesforce.enhancedEmail) return false;
  const ready = crm.logEmails !== undefined && caps.emailMessageField === true && caps.captureIdField;
  if (!ready)
    logger?.warn(
      'Enhanced Email is on for this org but EmailMessage.Capture_Id__c is missing (or Enhanced Email is off in Salesforce): logging Tasks; run `capture salesforce setup`',
      { orgId: org.id },
    );
  return ready;
}

/**
 * The Tasks of the mails, through their EmailMessages; one result per Task draft, same order, and
 * how many attempts the write took (a message that exists after a failed attempt may be that
 * attempt's).
 */
export async function writeEmailTasks(
  crm: CrmPort,
  drafts: { task: TaskDraft; email: CapturedEmail }[],
  found: LookupResult,
  caps: CrmCapabilities,
  retry: Retry,
): Promise<{ results: WriteResult[]; attempts: number }> {
  const writes = drafts.map((d) => emailMessageWrite(d.email, d.task, found, caps.orderNumbersField));
  let attempts = 0;
  const results = await retry('write email messages', () => {
    attempts++;
    return crm.logEmails ? crm.logEmails(writes) : Promise.resolve([]);
  });
  return { results, attempts };
}
