/**
 * What happens to a queue record that failed. A failure no retry can fix, or one on the record's
 * last receive (its receive count reaches the queue's maxReceiveCount), goes to the stage's DLQ
 * with its ORIGINAL body and attributes, the stage, reason and time added as attributes, and is
 * recorded as `failed` with that reason. The body is unchanged so AWS's own DLQ redrive and
 * `capture replay --dlq` both hand the stage exactly what it failed on. Anything else is left
 * for SQS to redeliver. A record handed back after it was dead-lettered (its invocation failed
 * afterwards) is acknowledged without being worked again, so it reaches the DLQ once.
 */
import { pipeline } from '../config/pipeline.ts';
import { describeError } from '../errors.ts';
import type { LogSink } from '../observability.ts';
import type { DeadLetterMarks, DeadLetterQueue, OutcomeStore } from '../ports/mail-store.ts';
import { recordOutcome } from './record-outcome.ts';

/** A queue record as the stages see it, whatever delivered it. */
export interface QueueRecord {
  id: string;
  body: string;
  /** How many times the queue has handed this record out (1 on the first delivery). */
  receiveCount: number;
  /** The record's own string message attributes. */
  attributes: Record<string, string>;
}

export interface DeadLetterDeps {
  deadLetterQueue: DeadLetterQueue;
  outcomes: OutcomeStore;
  /** Without it a record handed back after being dead-lettered can reach the DLQ twice. */
  deadLetterMarks?: DeadLetterMarks;
}

export interface Failure {
  reason: string;
  /** Whether a later try can succeed. */
  retryable: boolean;
  /** The message the failure is about, when known: it gets a `failed` outcome. */
  ids: { sesMessageId: string; orgId: string | null; messageId: string | null } | null;
}

export interface DeadLetterContext {
  stage: 'parse' | 'sync';
  /** The stage queue's maxReceiveCount: the receive after which SQS would redrive the message. */
  maxReceiveCount: number;
  /** The record's logger (carries sesMessageId / orgId once known). */
  logger: LogSink;
  now?: () => Date;
}

/** 'retry' when SQS should deliver the record again; 'dead-lettered' when it is settled here. */
export async function settleFailure(
  record: QueueRecord,
  failure: Failure,
  deps: DeadLetterDeps,
  context: DeadLetterContext,
): Promise<'retry' | 'dead-lettered'> {
  const { stage, logger } = context;
  const { reason } = failure;
  const receiveCount = record.receiveCount;
  const lastTry = receiveCount >= context.maxReceiveCount;
  if (failure.retryable && !lastTry) {
    logger.warn('will retry', { stage, reason, receiveCount });
    return 'retry';
  }
  const now = context.now ?? (() => new Date());
  // The outcome first: if the DLQ send then fails, SQS's redrive still moves the message and
  // `capture status` already says why.
  if (failure.ids) {
    await recordOutcome(
      deps.outcomes,
      stage,
      { outcome: 'failed', reason, ...failure.ids, retryable: failure.retryable },
      now,
    );
  }
  await deps.deadLetterQueue.sendOriginal(record.body, {
    ...withoutOwnAttributes(record.attributes),
    [pipeline.deadLetterAttributes.stage]: stage,
    [pipeline.deadLetterAttributes.reason]: reason,
    [pipeline.deadLetterAttributes.failedAt]: now().toISOString(),
  });
  logger.error('sent to DLQ', { stage, reason, receiveCount, lastTry });
  // The entry exists: failing now would only send it again on the next delivery.
  await deps.deadLetterMarks?.markDeadLettered(stage, record.id).catch((markError: unknown) => {
    logger.warn('dead-letter mark not saved', { stage, reason: describeError(markError) });
  });
  return 'dead-lettered';
}

/**
 * Whether this delivery is one a stage dead-lettered already (acknowledge it, do not work it).
 * Only a redelivery can be; unreadable marks never hold the record up: at worst it reaches the
 * DLQ twice.
 */
export async function alreadyDeadLettered(
  record: QueueRecord,
  deps: DeadLetterDeps,
  context: Pick<DeadLetterContext, 'stage' | 'logger'>,
): Promise<boolean> {
  const { stage, logger } = context;
  if (record.receiveCount <= 1 || !deps.deadLetterMarks) return false;
  try {
    if (!(await deps.deadLetterMarks.wasDeadLettered(stage, record.id))) return false;
  } catch (error) {
    logger.warn('dead-letter mark not readable', { stage, reason: describeError(error) });
    return false;
  }
  logger.info('already dead-lettered; acknowledged', { stage, receiveCount: record.receiveCount });
  return true;
}

/** The record's attributes (the sync queue's orgId), minus capture.* ones an earlier failure added. */
function withoutOwnAttributes(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => !name.startsWith('capture.')));
}
