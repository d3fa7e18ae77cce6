/**
 * Sync stage use case: pointers from the sync queue → CapturedEmails from S3 → one Salesforce
 * batch per org → one recorded outcome per message. Returns what the handler should do with
 * each queue record: done (delete), retry (batch item failure) or dead (DLQ with reason).
 */
import type { Org, Registry } from '../config/registry.ts';
import type { CapturedEmail } from '../domain/captured-email.ts';
import type { OutcomeKind } from '../domain/outcome.ts';
import { describeError, isRetryable } from '../errors.ts';
import { type SyncMessage, SyncMessageSchema } from '../events/sync-message.ts';
import type { LogSink } from '../observability.ts';
import type { MailStore, OutcomeStore } from '../ports/mail-store.ts';

/** What the Salesforce side answers for one email (see shared/usecases/sync-batch.ts). */
export interface OrgSyncResult {
  captureId: string;
  outcome: 'created' | 'duplicate' | 'unmatched' | 'excluded' | 'failed';
  taskId?: string | undefined;
  reason?: string | undefined;
  retryable?: boolean | undefined;
  matchedBy?: { who: string; what: string; unchecked?: string[] } | undefined;
}

export type SyncOrg = (org: Org, emails: CapturedEmail[]) => Promise<OrgSyncResult[]>;

export interface SyncMessagesDeps {
  registry: Registry;
  mail: MailStore;
  outcomes: OutcomeStore;
  syncOrg: SyncOrg;
  logger: LogSink;
  now?: () => Date;
}

export type RecordStatus = (
  | { status: 'done'; outcome: OutcomeKind; taskId?: string | undefined }
  | { status: 'retry'; reason: string }
  | { status: 'dead'; reason: string }
) & { ids?: { sesMessageId: string; orgId: string | null; messageId: string | null } };

interface Loaded {
  key: string;
  message: SyncMessage;
  email: CapturedEmail;
  org: Org;
}

/** Validates raw queue bodies, then syncs the valid ones; an invalid body is dead-lettered. */
export async function syncQueueRecords(
  records: readonly { id: string; body: string }[],
  deps: SyncMessagesDeps,
): Promise<Map<string, RecordStatus>> {
  const valid: { id: string; message: SyncMessage }[] = [];
  const invalid = new Map<string, RecordStatus>();
  for (const record of records) {
    let json: unknown;
    try {
      json = JSON.parse(record.body);
    } catch {
      json = undefined;
    }
    const parsed = SyncMessageSchema.safeParse(json);
    if (parsed.success) valid.push({ id: record.id, message: parsed.data });
    else invalid.set(record.id, { status: 'dead', reason: 'invalid queue message' });
  }
  const statuses = await syncMessages(valid, deps);
  for (const [id, status] of invalid) statuses.set(id, status);
  return statuses;
}

export async function syncMessages(
  records: readonly { id: string; message: SyncMessage }[],
  deps: SyncMessagesDeps,
): Promise<Map<string, RecordStatus>> {
  const statuses = new Map<string, RecordStatus>();
  // A redelivered pointer can share a batch with its first delivery: handle each message once.
  const idsByKey = new Map<string, string[]>();
  const unique: { key: string; message: SyncMessage }[] = [];
  for (const { id, message } of records) {
    const key = `${message.orgId}/${message.sesMessageId}`;
    const ids = idsByKey.get(key);
    if (ids) ids.push(id);
    else {
      idsByKey.set(key, [id]);
      unique.push({ key, message });
    }
  }
  const messageOf = new Map(unique.map((u) => [u.key, u.message]));
  const settle = (key: string, status: RecordStatus) => {
    const m = messageOf.get(key);
    const ids = m ? { sesMessageId: m.sesMessageId, orgId: m.orgId, messageId: m.messageId } : undefined;
    for (const id of idsByKey.get(key) ?? []) statuses.set(id, ids ? { ...status, ids } : status);
  };

  const byOrg = new Map<string, Loaded[]>();
  await Promise.all(
    unique.map(async ({ key, message }) => {
      const org = deps.registry.orgs.find((o) => o.id === message.orgId);
      if (!org?.enabled) {
        const reason = org ? 'org-disabled' : 'unknown-org';
        await record(deps, message, 'rejected', { reason, subject: null });
        settle(key, { status: 'done', outcome: 'rejected' });
        return;
      }
      try {
        const email = await deps.mail.getParsed(message.parsedKey);
        const group = byOrg.get(org.id) ?? [];
        group.push({ key, message, email, org });
        byOrg.set(org.id, group);
      } catch (error) {
        settle(key, failure(error));
      }
    }),
  );

  for (const group of byOrg.values()) {
    const org = group[0]!.org;
    let results: OrgSyncResult[];
    try {
      results = await deps.syncOrg(
        org,
        group.map((g) => g.email),
      );
    } catch (error) {
      deps.logger.warn('org batch failed', { orgId: org.id, reason: describeError(error) });
      for (const item of group) settle(item.key, failure(error));
      continue;
    }
    await Promise.all(
      group.map(async (item, i) => {
        const result = results[i];
        if (!result) {
          settle(item.key, { status: 'retry', reason: 'no result for message' });
          return;
        }
        settle(item.key, await applyResult(deps, item, result));
      }),
    );
  }
  return statuses;
}

async function applyResult(
  deps: SyncMessagesDeps,
  item: Loaded,
  result: OrgSyncResult,
): Promise<RecordStatus> {
  const { message, email, org } = item;
  const subject = email.subject;
  if (result.outcome === 'failed') {
    const reason = result.reason ?? 'unknown Salesforce failure';
    if (result.retryable === false) return { status: 'dead', reason };
    // Recorded so `capture status` shows why the message is waiting; replaced once it succeeds.
    // A Task may exist already (its relations or files are what failed): the outcome names it.
    await record(deps, message, 'failed', {
      reason,
      subject,
      retryable: true,
      taskId: result.taskId ?? null,
    });
    return { status: 'retry', reason };
  }
  if (result.outcome === 'unmatched' && org.unmatched === 'unresolved') {
    await deps.mail.putUnresolved(org.id, message.sesMessageId, message.parsedKey);
  }
  await record(deps, message, result.outcome, {
    reason: result.reason ?? null,
    subject,
    taskId: result.taskId ?? null,
    warnings: email.warnings,
    matchedBy: result.matchedBy,
  });
  deps.logger.info('synced', {
    sesMessageId: message.sesMessageId,
    orgId: org.id,
    outcome: result.outcome,
    taskId: result.taskId,
  });
  return { status: 'done', outcome: result.outcome, taskId: result.taskId };
}

function failure(error: unknown): RecordStatus {
  return isRetryable(error)
    ? { status: 'retry', reason: describeError(error) }
    : { status: 'dead', reason: describeError(error) };
}

async function record(
  deps: SyncMessagesDeps,
  message: SyncMessage,
  outcome: OutcomeKind,
  fields: {
    reason: string | null;
    subject: string | null;
    taskId?: string | null;
    retryable?: boolean;
    warnings?: string[];
    matchedBy?: { who: string; what: string; unchecked?: string[] } | undefined;
  },
): Promise<void> {
  await deps.outcomes.record({
    outcome,
    reason: fields.reason,
    sesMessageId: message.sesMessageId,
    orgId: message.orgId,
    messageId: message.messageId,
    subject: fields.subject,
    taskId: fields.taskId ?? null,
    retryable: fields.retryable ?? null,
    stage: 'sync',
    at: (deps.now?.() ?? new Date()).toISOString(),
    // Parse warnings travel with the outcome, so a capture cut short is never reported as whole.
    ...(fields.warnings && fields.warnings.length > 0 ? { warnings: fields.warnings.slice(0, 20) } : {}),
    ...(fields.matchedBy ? { matchedBy: fields.matchedBy } : {}),
  });
}
