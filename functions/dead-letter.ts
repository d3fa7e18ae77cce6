/**
 * Shared by both handlers: a record whose failure no retry can fix goes straight to the stage's
 * DLQ with its reason (replayable with `capture replay --dlq`) and is recorded as `failed`;
 * anything else is rethrown so SQS redelivers it (and redrives it to the DLQ after maxReceiveCount).
 */
import type { SQSRecord } from 'aws-lambda';
import { ZodError } from 'zod';
import { describeError, isRetryable, PermanentError } from '#shared/errors.ts';
import { logger } from '#shared/observability.ts';
import type { MessageQueue, OutcomeStore } from '#shared/ports/mail-store.ts';

export interface DeadLetterDeps {
  deadLetterQueue: MessageQueue;
  outcomes: OutcomeStore;
}

export async function deadLetter(
  record: SQSRecord,
  deps: DeadLetterDeps,
  stage: 'parse' | 'sync',
  work: () => Promise<void>,
  ids?: () => { sesMessageId: string; orgId: string | null; messageId: string | null } | null,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    const permanent = error instanceof ZodError || error instanceof SyntaxError || !isRetryable(error);
    const reason =
      error instanceof ZodError || error instanceof SyntaxError
        ? 'invalid queue message'
        : describeError(error);
    if (!permanent) {
      logger.warn('will retry', { stage, reason, receiveCount: record.attributes.ApproximateReceiveCount });
      throw error;
    }
    logger.error('sent to DLQ', { stage, reason });
    await deps.deadLetterQueue.send(
      { stage, reason, body: record.body, failedAt: new Date().toISOString() },
      { stage, reason: reason.slice(0, 250) },
    );
    const known = ids?.();
    if (known) {
      await deps.outcomes.record({
        outcome: 'failed',
        reason,
        ...known,
        subject: null,
        taskId: null,
        retryable: false,
        stage,
        at: new Date().toISOString(),
      });
    }
    if (!(error instanceof PermanentError))
      logger.debug('permanent failure detail', { error: String(error) });
  }
}
