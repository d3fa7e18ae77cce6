/**
 * The sync stage, the first layer of the sync flow (sync stage → org batch → Salesforce
 * writes): queue records holding pointers → CapturedEmails from S3 → one org batch per org →
 * one recorded outcome per message. Says for each record whether SQS should deliver it again;
 * records that cannot succeed are dead-lettered here.
 *
 * The orgs of a batch are written at the same time, each in its own turn (org-turn.ts): an org
 * that may not write now (write slots taken, API budget used) or whose write runs past its time
 * budget has its mail handed back to the queue (hand-back.ts) while the other orgs finish.
 */
import type { Org, Registry } from '../config/registry.ts';
import { type CapturedEmail, CapturedEmailSchema } from '../domain/captured-email.ts';
import { type DeferralReason, type FairnessSettings, orgBudgetMs } from '../domain/fairness.ts';
import { describeError, isRetryable } from '../errors.ts';
import { type SyncMessage, SyncMessageSchema } from '../events/sync-message.ts';
import { type LogSink, type OrgFigures, withKeys } from '../observability.ts';
import type { DeadLetterQueue, MailStore } from '../ports/mail-store.ts';
import type { OrgStatusStore } from '../ports/org-status.ts';
import {
  alreadyDeadLettered,
  type DeadLetterDeps,
  type Failure,
  type QueueRecord,
  settleFailure,
} from './dead-letter.ts';
import { handBack, handBacksOf } from './hand-back.ts';
import { reportOrg, type OrgTally as Tally } from './org-report.ts';
import { type OrgTurnDeps, takeOrgTurn } from './org-turn.ts';
import { type OutcomeFields, recordOutcome } from './record-outcome.ts';
import type { SyncEnding } from './report-ending.ts';
import type { EmailSyncResult } from './salesforce-writes.ts';

/**
 * One org's emails synced together: the Salesforce writes, with the org's credentials. Once
 * `signal` aborts (the org's time budget ran out) it should start no new Salesforce call.
 */
export type SyncOrgBatch = (
  org: Org,
  emails: CapturedEmail[],
  options?: { signal?: AbortSignal },
) => Promise<EmailSyncResult[]>;

/** How the stage shares itself between orgs; without it every org is written at once, unlimited. */
export interface FairnessDeps extends Omit<OrgTurnDeps, 'logger'> {
  settings: FairnessSettings;
  /** The sync queue: mail handed back is sent to it again. */
  requeue: DeadLetterQueue;
  /** Waiting mail and activity per org (`capture status --org`). */
  status?: OrgStatusStore;
  /** Per-org metrics of each invocation. */
  publish?: (orgId: string, figures: OrgFigures) => void;
  random?: () => number;
}

export interface SyncStageDeps extends DeadLetterDeps {
  registry: Registry;
  mail: MailStore;
  syncOrgBatch: SyncOrgBatch;
  logger: LogSink;
  /** The sync queue's maxReceiveCount: a record failing on that receive is dead-lettered. */
  maxReceiveCount: number;
  now?: () => Date;
  fairness?: FairnessDeps;
  /** Hears how each email ended once its record is settled (the notices: report-ending.ts). */
  onEnding?: (ending: SyncEnding) => Promise<void>;
}

/** `retry`: SQS delivers the record again. `done`: it is settled (outcome recorded, dead-lettered or handed back). */
export type RecordStatus = 'done' | 'retry';

interface Pending {
  key: string;
  message: SyncMessage;
  records: QueueRecord[];
}

/** One org's share of the batch. */
interface OrgGroup {
  org: Org;
  items: { item: Pending; email: CapturedEmail }[];
}

type OrgTally = Tally<Pending>;

/** Settles every record of a message; `retry` when SQS is to deliver it again. */
type Settle = (
  item: { message: SyncMessage | null; records: QueueRecord[] },
  failure: Failure | null,
) => Promise<RecordStatus>;

export async function syncStage(
  records: readonly QueueRecord[],
  deps: SyncStageDeps,
): Promise<Map<string, RecordStatus>> {
  const statuses = new Map<string, RecordStatus>();
  const settle: Settle = async (item, failure) => {
    let status: RecordStatus = 'done';
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
      if (settled === 'retry') status = 'retry';
    }
    return status;
  };
  const pending = await readRecords(records, deps, settle, statuses);
  const groups = await loadEmails(pending, deps, settle);
  await Promise.all(groups.map((group) => syncOrg(group, deps, settle)));
  return statuses;
}

/** The readable, not yet dead-lettered records, one entry per message. */
async function readRecords(
  records: readonly QueueRecord[],
  deps: SyncStageDeps,
  settle: Settle,
  statuses: Map<string, RecordStatus>,
): Promise<Pending[]> {
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
  return [...pending.values()];
}

/** Each message's CapturedEmail, grouped by org; mail of unknown or disabled orgs is rejected here. */
async function loadEmails(pending: Pending[], deps: SyncStageDeps, settle: Settle): Promise<OrgGroup[]> {
  const byOrg = new Map<Org, OrgGroup>();
  await Promise.all(
    pending.map(async (item) => {
      const { message } = item;
      const org = deps.registry.orgs.find((o) => o.id === message.orgId);
      if (!org?.enabled) {
        const reason = org ? 'org-disabled' : 'unknown-org';
        await record(deps, message, { outcome: 'rejected', reason });
        await clearWaiting(deps, [item]);
        await settle(item, null);
        return;
      }
      try {
        const email = inlineEmail(message) ?? (await deps.mail.getParsed(message.parsedKey));
        const group = byOrg.get(org) ?? { org, items: [] };
        group.items.push({ item, email });
        byOrg.set(org, group);
      } catch (error) {
        if ((await settle(item, failureOf(error, message))) === 'done') await clearWaiting(deps, [item]);
      }
    }),
  );
  return [...byOrg.values()];
}

/** One org's turn: written, or handed back as a whole; then its figures. */
async function syncOrg(group: OrgGroup, deps: SyncStageDeps, settle: Settle): Promise<void> {
  const { org, items } = group;
  const tally: OrgTally = { settled: [], failed: [], deferred: [] };
  const done = (item: Pending, failure: Failure | null) => settleCounted(item, failure, settle, tally);
  const fairness = deps.fairness;
  const slowHandBacks = Math.max(
    0,
    ...items.flatMap(({ item }) => item.records.map((r) => handBacksOf(r).slow)),
  );
  const budgetMs = fairness ? orgBudgetMs(fairness.settings, slowHandBacks) : Number.POSITIVE_INFINITY;
  const emails = items.map((g) => g.email);
  try {
    const turn = await takeOrgTurn(org, (signal) => deps.syncOrgBatch(org, emails, { signal }), budgetMs, {
      ...fairness,
      ...(fairness ? { apiUsageMaxAgeMs: fairness.settings.apiUsageMaxAgeMs } : {}),
      logger: deps.logger,
    });
    if (turn.kind === 'deferred') {
      for (const { item } of items) await deferOne(item, org, turn.reason, deps, settle, tally);
      if (turn.late) recordLateTasks(turn.late, items, deps);
    } else {
      await Promise.all(
        items.map(async ({ item, email }, i) => {
          const result = turn.results[i];
          const status = await done(item, await applyResult(deps, org, item.message, email, result));
          await deps.onEnding?.({ org, email, message: item.message, result, settled: status === 'done' });
        }),
      );
    }
  } catch (error) {
    deps.logger.warn('org batch failed', { orgId: org.id, reason: describeError(error) });
    for (const { item } of items) await done(item, failureOf(error, item.message));
  }
  await clearWaiting(deps, tally.settled);
  await reportOrg(org.id, tally, deps);
}

/** Hands one message back; if SQS will not take it, it fails like any record and comes back. */
async function deferOne(
  item: Pending,
  org: Org,
  reason: DeferralReason,
  deps: SyncStageDeps,
  settle: Settle,
  tally: OrgTally,
): Promise<void> {
  const fairness = deps.fairness;
  const [first] = item.records;
  if (!fairness || !first) return;
  try {
    await handBack(first, org.id, reason, fairness);
  } catch (error) {
    const failure = { reason: `${reason}, not handed back: ${describeError(error)}`, retryable: true };
    await settleCounted(item, { ...failure, ids: idsOf(item.message) }, settle, tally);
    return;
  }
  deps.logger.info('handed back', { sesMessageId: item.message.sesMessageId, orgId: org.id, reason });
  // Acknowledged: the copy just sent is the message now. (Not in `settled`: the mail still waits.)
  await settle(item, null);
  tally.deferred.push({ item, reason });
}

async function settleCounted(item: Pending, failure: Failure | null, settle: Settle, tally: OrgTally) {
  const status = await settle(item, failure);
  if (failure) tally.failed.push(item);
  if (status === 'done') tally.settled.push(item);
  return status;
}

/**
 * A write that ran past its budget may still create Tasks: those keep their `created` outcome
 * (the handed-back copy then finds its Task and changes nothing). Anything else is left to the copy.
 */
function recordLateTasks(late: Promise<EmailSyncResult[]>, items: OrgGroup['items'], deps: SyncStageDeps) {
  late
    .then(async (results) => {
      for (const [i, { item, email }] of items.entries()) {
        const result = results[i];
        if (result?.outcome !== 'created') continue;
        await record(deps, item.message, {
          outcome: 'created',
          reason: result.reason ?? null,
          subject: email.subject,
          taskId: result.taskId ?? null,
          warnings: email.warnings,
          ...(result.matchedBy ? { matchedBy: result.matchedBy } : {}),
        });
      }
    })
    .catch((error: unknown) => {
      deps.logger.info('late org batch ended without Tasks to record', { reason: describeError(error) });
    });
}

/** Settled mail no longer waits: its marker goes (a marker left behind only overstates the wait). */
async function clearWaiting(deps: SyncStageDeps, items: Pending[]): Promise<void> {
  const status = deps.fairness?.status;
  if (!status) return;
  const mails = items.flatMap(({ message: { orgId, sesMessageId, receivedAt } }) =>
    receivedAt ? [{ orgId, sesMessageId, receivedAt }] : [],
  );
  if (mails.length === 0) return;
  const failed = await status
    .clearWaiting(mails)
    .catch((error: unknown) => mails.map((mail) => ({ mail, reason: describeError(error) })));
  for (const { mail, reason } of failed) {
    deps.logger.warn('waiting marker not cleared', {
      sesMessageId: mail.sesMessageId,
      orgId: mail.orgId,
      reason,
    });
  }
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
