/**
 * The sync stage, the first layer of the sync flow (sync stage → org batch → Salesforce
 * writes): queue records holding pointers → CapturedEmails from S3 → one org batch per org →
 * one recorded outcome per message. Says for each record whether SQS should deliver it again;
 * records that cannot succeed are dead-lettered here.
 */
import type { Org, Registry } from '../config/registry.ts';
import { type CapturedEmail, CapturedEmailSchema } from '../domain/captured-email.ts';
import { describeError, isRetryable } from '../errors.ts';
import { type SyncMessage, SyncMessageSchema } from '../events/sync-message.ts';
import { type LogSink, withKeys } from '../observability.ts';
import type { MailStore } from '../ports/mail-store.ts';
import {
  alreadyDeadLettered,
  type DeadLetterDeps,
  type Failure,
  type QueueRecord,
  settleFailure,
} from './dead-letter.ts';
import { type OutcomeFields, recordOutcome } from './record-outcome.ts';
import type { EmailSyncResult } from './salesforce-writes.ts';

/** One org's emails synced together: the Salesforce writes, with the org's credentials. */
export type SyncOrgBatch = (org: Org, emails: CapturedEmail[]) => Promise<EmailSyncResult[]>;

export interface SyncStageDeps extends DeadLetterDeps {
  registry: Registry;
  mail: MailStore;
  syncOrgBatch: SyncOrgBatch;
  logger: LogSink;
  /** The sync queue's maxReceiveCount: a record failing on that receive is dead-lettered. */
  maxReceiveCount: number;
  now?: () => Date;
}

/** `retry`: SQS delivers the record again. `done`: it is settled (outcome recorded, or dead-lettered). */
export type RecordStatus = 'done' | 'retry';

interface Pending {
  key: string;
  message: SyncMessage;
  records: QueueRecord[];
}

export async function syncStage(
  records: readonly QueueRecord[],
  deps: SyncStageDeps,
): Promise<Map<string, RecordStatus>> {
  const statuses = new Map<string, RecordStatus>();
  const settle = async (
    item: { message: SyncMessage | null; records: QueueRecord[] },
    failure: Failure | null,
  ) => {
    for (const record of item.records) {
      if (!failure) {
        statuses.set(record.id, 'done');
        continue;
      }
      const m = item.message;
      const logger = m
        ? withKeys(deps.logger, { sesMessageId: m.sesMessageId, orgId: m.orgId })
        : deps.logger;
      const settled = await settleFailure(record, failure, deps, { ...deps, stage: 'sync', logger });
      statuses.set(record.id, settled === 'retry' ? 'retry' : 'done');
    }
  };

  const pending = new Map<string, Pending>();
  for (const record of records) {
    if (await alreadyDeadLettered(record, deps, { stage: 'sync', logger: deps.logger })) {
      statuses.set(record.id, 'done');
      continue;
    }
    const message = readPointer(record.body);
    if (!message) {
      await settle(
        { message: null, records: [record] },
        { reason: 'invalid queue message', retryable: false, ids: null },
      );
      continue;
    }
    // A redelivered pointer can share a batch with its first delivery: handle each message once.
    const key = `${message.orgId}/${message.sesMessageId}`;
    const known = pending.get(key);
    if (known) known.records.push(record);
    else pending.set(key, { key, message, records: [record] });
  }

  const byOrg = new Map<Org, { item: Pending; email: CapturedEmail }[]>();
  await Promise.all(
    [...pending.values()].map(async (item) => {
      const { message } = item;
      const org = deps.registry.orgs.find((o) => o.id === message.orgId);
      if (!org?.enabled) {
        const reason = org ? 'org-disabled' : 'unknown-org';
        await record(deps, message, { outcome: 'rejected', reason });
        return settle(item, null);
      }
      try {
        const email = inlineEmail(message) ?? (await deps.mail.getParsed(message.parsedKey));
        byOrg.set(org, [...(byOrg.get(org) ?? []), { item, email }]);
      } catch (error) {
        await settle(item, failureOf(error, message));
      }
    }),
  );

  for (const [org, group] of byOrg) {
    let results: EmailSyncResult[];
    try {
      results = await deps.syncOrgBatch(
        org,
        group.map((g) => g.email),
      );
    } catch (error) {
      deps.logger.warn('org batch failed', { orgId: org.id, reason: describeError(error) });
      for (const { item } of group) await settle(item, failureOf(error, item.message));
      continue;
    }
    await Promise.all(
      group.map(async ({ item, email }, i) => {
        const failure = await applyResult(deps, org, item.message, email, results[i]);
        await settle(item, failure);
      }),
    );
  }
  return statuses;
}

/** The CapturedEmail the message carries, if it carries one this version can read. */
function inlineEmail(message: SyncMessage): CapturedEmail | null {
  if (message.email === undefined) return null;
  const result = CapturedEmailSchema.safeParse(message.email);
  return result.success ? result.data : null;
}

function readPointer(body: string): SyncMessage | null {
  try {
    const parsed = SyncMessageSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Records what Salesforce answered for one email; the failure to settle, or null when done. */
async function applyResult(
  deps: SyncStageDeps,
  org: Org,
  message: SyncMessage,
  email: CapturedEmail,
  result: EmailSyncResult | undefined,
): Promise<Failure | null> {
  if (!result) return { reason: 'no result for message', retryable: true, ids: idsOf(message) };
  const subject = email.subject;
  if (result.outcome === 'failed') {
    const reason = result.reason ?? 'unknown Salesforce failure';
    const retryable = result.retryable !== false;
    // Recorded so `capture status` shows why the message is waiting; replaced once it succeeds.
    // A Task may exist already (its relations or files are what failed): the outcome names it.
    if (retryable)
      await record(deps, message, {
        outcome: 'failed',
        reason,
        subject,
        retryable,
        taskId: result.taskId ?? null,
      });
    return { reason, retryable, ids: idsOf(message) };
  }
  if (result.outcome === 'unmatched' && org.unmatched === 'unresolved') {
    // Kept for the re-link once the person exists: an email that came in its message is written
    // where the message names it, which is where the re-link reads it.
    if (message.email !== undefined) await deps.mail.putParsed(message.parsedKey, email);
    await deps.mail.putUnresolved(org.id, message.sesMessageId, message.parsedKey);
  }
  await record(deps, message, {
    outcome: result.outcome,
    reason: result.reason ?? null,
    subject,
    taskId: result.taskId ?? null,
    // What the mail asked for and did not get travels with the parse warnings.
    warnings: [...email.warnings, ...(result.notes ?? [])],
    ...(result.matchedBy ? { matchedBy: result.matchedBy } : {}),
  });
  deps.logger.info('synced', {
    sesMessageId: message.sesMessageId,
    orgId: org.id,
    outcome: result.outcome,
    taskId: result.taskId,
  });
  return null;
}

function idsOf(message: SyncMessage): NonNullable<Failure['ids']> {
  return { sesMessageId: message.sesMessageId, orgId: message.orgId, messageId: message.messageId };
}

function failureOf(error: unknown, message: SyncMessage): Failure {
  return { reason: describeError(error), retryable: isRetryable(error), ids: idsOf(message) };
}

function record(
  deps: SyncStageDeps,
  message: SyncMessage,
  fields: Omit<OutcomeFields, 'sesMessageId' | 'orgId' | 'messageId'>,
): Promise<void> {
  return recordOutcome(deps.outcomes, 'sync', { ...fields, ...idsOf(message) }, deps.now);
}
