/**
 * The stages' side of the notices: once a mail's outcome is recorded, noticeFor decides whether
 * its rep gets a notice and whether it goes in the admin digest; when either is due, one message
 * goes on the notices queue, where the notices function does the rest. Mail that needs neither
 * (nearly all of it) costs nothing. A notice is never worth failing a mail for: a failed send
 * is logged, and the mail's outcome stands.
 */
import type { Org } from '../config/registry.ts';
import type { CapturedEmail } from '../domain/captured-email.ts';
import { type EndedMail, endedMailOf, type MailEnding, noticeFor } from '../domain/notices/notice-policy.ts';
import { describeError } from '../errors.ts';
import type { EndingMessage } from '../events/notice-message.ts';
import type { SyncMessage } from '../events/sync-message.ts';
import type { LogSink } from '../observability.ts';
import type { NoticeQueue } from '../ports/notice-store.ts';
import type { EmailSyncResult } from './salesforce-writes.ts';

export interface ReportDeps {
  /** Without it (notices not wired) nothing is reported. */
  noticeQueue?: NoticeQueue | undefined;
  logger: LogSink;
  now?: (() => Date) | undefined;
}

export async function reportEnding(
  deps: ReportDeps,
  org: Org,
  mail: EndedMail,
  ending: MailEnding,
  parsedKey: string | null = null,
): Promise<void> {
  if (!deps.noticeQueue) return;
  const decision = noticeFor(ending, mail, org);
  if (!decision.notice && !decision.digest) return;
  const message: EndingMessage = {
    type: 'ending',
    orgId: org.id,
    sesMessageId: mail.sesMessageId,
    messageId: mail.messageId,
    subject: mail.subject,
    date: mail.date,
    outcome: ending.outcome,
    reason: ending.reason,
    mode: mail.mode,
    rep: decision.notice ? mail.rep : null,
    notice: decision.notice,
    answer: decision.answer,
    digest: decision.digest,
    cutShort: mail.cutShort,
    taskId: ending.taskId,
    parsedKey: ending.kept ? parsedKey : null,
    resolution: mail.resolution,
    at: (deps.now?.() ?? new Date()).toISOString(),
  };
  try {
    await deps.noticeQueue.send(message);
  } catch (error) {
    deps.logger.error('notice not queued', {
      sesMessageId: mail.sesMessageId,
      orgId: org.id,
      notice: decision.notice,
      digest: decision.digest,
      reason: describeError(error),
    });
  }
}

/** One email's end in the sync stage, as the stage knows it once the record is settled. */
export interface SyncEnding {
  org: Org;
  email: CapturedEmail;
  message: SyncMessage;
  result: EmailSyncResult | undefined;
  /** Every queue record of the message is settled: a failure was dead-lettered, not left to retry. */
  settled: boolean;
}

/** The sync stage's report: what Salesforce answered, read as a mail's ending. */
export async function reportSyncEnding(deps: ReportDeps, ending: SyncEnding): Promise<void> {
  const { org, email, message, result } = ending;
  if (!result) return;
  await reportEnding(
    deps,
    org,
    endedMailOf(email, org, message.sesMessageId),
    {
      outcome: result.outcome,
      reason: result.reason ?? null,
      kept: result.outcome === 'unmatched' && org.unmatched === 'unresolved',
      final: result.outcome !== 'failed' || ending.settled,
      taskId: result.taskId ?? null,
    },
    message.parsedKey,
  );
}
