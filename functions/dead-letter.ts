/**
 * Shared by both handlers. A record whose failure no retry can fix, or that fails on its last
 * receive (ApproximateReceiveCount = the queue's maxReceiveCount), goes to the stage's DLQ with
 * its ORIGINAL body and attributes, the stage, reason and time added as message attributes, and
 * is recorded as `failed` with that reason. The body is unchanged so AWS's own DLQ redrive and
 * `capture replay --dlq` both hand the stage exactly what it failed on. Anything else is
 * rethrown so SQS redelivers it. A record handed back after it was dead-lettered (its invocation
 * failed afterwards) is acknowledged without being worked again, so it reaches the DLQ once.
 */
import type { SQSRecord } from 'aws-lambda';
import { ZodError } from 'zod';
import { pipeline } from '#shared/config/pipeline.ts';
import { describeError, isRetryable, PermanentError } from '#shared/errors.ts';
import type { LogSink } from '#shared/observability.ts';
import type { DeadLetterMarks, DeadLetterQueue, OutcomeStore } from '#shared/ports/mail-store.ts';

export interface DeadLetterDeps {
  deadLetterQueue: DeadLetterQueue;
  outcomes: OutcomeStore;
  /** Without it a record handed back after being dead-lettered can reach the DLQ twice. */
  deadLetterMarks?: DeadLetterMarks;
}

export interface DeadLetterContext {
  stage: 'parse' | 'sync';
  /** The stage queue's maxReceiveCount: the receive after which SQS would redrive the message. */
  maxReceiveCount: number;
  /** The record's logger (carries sesMessageId / orgId once known). */
  logger: LogSink;
}

type Ids = { sesMessageId: string; orgId: string | null; messageId: string | null };

export async function deadLetter(
  record: SQSRecord,
  deps: DeadLetterDeps,
  context: DeadLetterContext,
  work: () => Promise<void>,
  ids?: () => Ids | null,
): Promise<void> {
  const { stage, logger } = context;
  // Only a redelivery can have been dead-lettered already (its invocation failed afterwards).
  const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
  if (receiveCount > 1 && (await alreadyDeadLettered(deps, stage, record, logger))) {
    logger.info('already dead-lettered; acknowledged', { stage, receiveCount });
    return;
  }
  try {
    await work();
  } catch (error) {
    const invalid = error instanceof ZodError || error instanceof SyntaxError;
    const reason = invalid ? 'invalid queue message' : describeError(error);
    const lastTry = receiveCount >= context.maxReceiveCount;
    if (!invalid && isRetryable(error) && !lastTry) {
      logger.warn('will retry', { stage, reason, receiveCount });
      throw error;
    }
    const known = ids?.() ?? null;
    // The outcome first: if the DLQ send then fails, SQS's redrive still moves the message and
    // `capture status` already says why.
    if (known) {
      await deps.outcomes.record({
        outcome: 'failed',
        reason,
        ...known,
        subject: null,
        taskId: null,
        retryable: lastTry && isRetryable(error) && !invalid,
        stage,
        at: new Date().toISOString(),
      });
    }
    await deps.deadLetterQueue.sendOriginal(record.body, {
      ...stringAttributes(record),
      [pipeline.deadLetterAttributes.stage]: stage,
      [pipeline.deadLetterAttributes.reason]: reason,
      [pipeline.deadLetterAttributes.failedAt]: new Date().toISOString(),
    });
    logger.error('sent to DLQ', { stage, reason, receiveCount, lastTry });
    // The entry exists: failing now would only send it again on the next delivery.
    await deps.deadLetterMarks?.markDeadLettered(stage, record.messageId).catch((markError: unknown) => {
      logger.warn('dead-letter mark not saved', { stage, reason: describeError(markError) });
    });
    if (!(error instanceof PermanentError)) logger.debug('failure detail', { error: String(error) });
  }
}

/** Unreadable marks must not hold the record up: at worst it reaches the DLQ twice. */
async function alreadyDeadLettered(
  deps: DeadLetterDeps,
  stage: 'parse' | 'sync',
  record: SQSRecord,
  logger: LogSink,
): Promise<boolean> {
  try {
    return (await deps.deadLetterMarks?.wasDeadLettered(stage, record.messageId)) ?? false;
  } catch (error) {
    logger.warn('dead-letter mark not readable', { stage, reason: describeError(error) });
    return false;
  }
}

/** The record's own string attributes (the sync queue's orgId), minus earlier capture.* ones. */
function stringAttributes(record: SQSRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (name.startsWith('capture.')) continue;
    if (value.stringValue !== undefined && value.dataType.startsWith('String')) out[name] = value.stringValue;
  }
  return out;
}
