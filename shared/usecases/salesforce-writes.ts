/**
 * Salesforce writes, the last layer of the sync flow (sync stage → org batch → Salesforce
 * writes): one org's CapturedEmails → one lookup, then each mail as a plan (what to create,
 * update, relate, upload: shared/domain/sync/mail-plan.ts) that the steps below carry out in as
 * few calls as the org allows: Leads, Tasks (or Enhanced Email messages), relations and files,
 * Events. Each step hands back new plans; a mail is `settled` once its result is known. One mail
 * fails only itself: every record's own answer becomes its mail's result, and a call that fails
 * after its retries fails only the mails of that step. One result per email, same order.
 */
import type { Org } from '../config/registry.ts';
import type { CapturedEmail } from '../domain/captured-email.ts';
import { captureIdOf } from '../domain/sync/capture-id.ts';
import { copyResult, type MailPlan, planMails } from '../domain/sync/mail-plan.ts';
import { failed, failedBy, type MailResult } from '../domain/sync/mail-result.ts';
import { planLookups } from '../domain/sync/task-mapping.ts';
import { wellFormedEmail } from '../domain/sync/well-formed.ts';
import { describeError, isRetryable } from '../errors.ts';
import type { LogSink } from '../observability.ts';
import type { AttachmentSource } from '../ports/attachment-source.ts';
import type { CrmPort } from '../ports/crm.ts';
import type { DedupeLedger } from '../ports/dedupe-ledger.ts';
import { retrier } from './retry.ts';
import type { SyncContext } from './sync-context.ts';
import { inviteFlags, withEventLookups, writeEvents } from './sync-events.ts';
import { addRelationsAndFiles, FILE_BYTES_IN_FLIGHT } from './sync-pieces.ts';
import { claimInLedger, createLeads, releaseClaims, writeTasks } from './sync-tasks.ts';

export { FILE_BYTES_IN_FLIGHT } from './sync-pieces.ts';

/** One mail's result: one value per outcome kind (shared/domain/sync/mail-result.ts). */
export type EmailSyncResult = MailResult;

export interface SalesforceWritesInput {
  org: Org;
  emails: CapturedEmail[];
  crm: CrmPort;
  attachments?: AttachmentSource;
  ledger?: DedupeLedger;
  logger?: LogSink;
  /** Retries of a transient CRM failure inside the batch (default 3) and the base backoff. */
  retries?: number;
  backoffMs?: number;
  today?: () => string;
  /** Raw file bytes read and sent at a time (default FILE_BYTES_IN_FLIGHT). */
  fileBytesInFlight?: number;
}

export async function writeToSalesforce(input: SalesforceWritesInput): Promise<EmailSyncResult[]> {
  const { org, crm, logger } = input;
  // Lone surrogates (a UTF-7 encoded word) would make URL encoding throw: every string made well-formed first.
  const emails = input.emails.map(wellFormedEmail);
  const callsBefore = crm.apiCalls();
  const ctx = contextOf(input);
  let results: MailResult[];
  try {
    results = await syncBatch(ctx, emails);
  } catch (error) {
    // Only the batch's lookup fails every mail, before anything is written.
    logger?.warn('Salesforce batch failed', {
      orgId: org.id,
      reason: describeError(error),
      retryable: isRetryable(error),
    });
    results = emails.map((email) => failedBy(captureIdOf(org.id, email), error));
  }
  const apiCalls = crm.apiCalls() - callsBefore;
  logger?.info('Salesforce batch synced', { orgId: org.id, emails: emails.length, apiCalls });
  return results.map((r) => ({ ...r, apiCalls }));
}

function contextOf(input: SalesforceWritesInput): SyncContext {
  const { org, logger } = input;
  return {
    org,
    crm: input.crm,
    retry: retrier({
      retries: input.retries ?? 3,
      backoffMs: input.backoffMs ?? 250,
      onRetry: (what, error, attempt) =>
        logger?.warn('Salesforce call failed; retrying', {
          orgId: org.id,
          what,
          attempt,
          reason: describeError(error),
        }),
    }),
    backoffMs: input.backoffMs ?? 250,
    today: input.today ?? (() => new Date().toISOString()),
    attachments: input.attachments,
    ledger: input.ledger,
    logger,
    fileBytesInFlight: input.fileBytesInFlight ?? FILE_BYTES_IN_FLIGHT,
  };
}

/** The lookup, the plans, then each step; every plan ends settled. */
async function syncBatch(ctx: SyncContext, emails: CapturedEmail[]): Promise<MailResult[]> {
  const { org, crm, retry } = ctx;
  // Meeting invites become Events; their people and Events ride the same lookup.
  const invites = await inviteFlags(ctx, emails);
  const found = await retry('lookup', () =>
    crm.lookup(withEventLookups(org, emails, invites, planLookups(org, emails))),
  );
  const caps = await retry('capabilities', () => crm.capabilities());
  let plans = planMails(org, emails, found, {
    caps,
    invites,
    onCancel: org.calendar.onCancel,
    today: ctx.today,
  });
  const useLedger = !caps.captureIdField && ctx.ledger !== undefined;
  if (useLedger) plans = await claimInLedger(ctx, emails, plans);
  const beforeLeads = plans;
  plans = await createLeads(ctx, plans);
  // A mail whose Lead could not be created gives its claim back.
  const noLead = plans.flatMap((p, i) =>
    p.kind === 'settled' && beforeLeads[i]?.kind === 'create' ? [p.result.captureId] : [],
  );
  await releaseClaims(ctx, { useLedger }, noLead);
  plans = await writeTasks(ctx, { caps, found, emails, useLedger }, plans);
  plans = await addRelationsAndFiles(ctx, plans);
  plans = await writeEvents(ctx, plans);
  return settle(plans);
}

/** Every plan's result; a copy takes its first's. */
function settle(plans: readonly MailPlan[]): MailResult[] {
  const own = plans.map((p): MailResult | null =>
    p.kind === 'settled'
      ? p.result
      : p.kind === 'copy'
        ? null
        : failed(p.captureId, 'NOT_WRITTEN', 'no step wrote this message', true),
  );
  return plans.map((p, i) => {
    const result = p.kind === 'copy' ? own[p.of] : own[i];
    if (!result) return failed(captureIdOfPlan(p), 'NOT_WRITTEN', 'no result', true);
    return p.kind === 'copy' ? copyResult(p.captureId, result) : result;
  });
}

function captureIdOfPlan(p: MailPlan): string {
  return p.kind === 'settled' ? p.result.captureId : p.captureId;
}
