/**
 * SQS records for the stages: the record as the use cases see it, and the parse stage's
 * per-record failure handling (the use case shared/usecases/dead-letter.ts decides retry or DLQ
 * and records the outcome; here the error is turned into that decision's input).
 */
import type { SQSRecord } from 'aws-lambda';
import { ZodError } from 'zod';
import { describeError, isRetryable, PermanentError } from '#shared/errors.ts';
import {
  alreadyDeadLettered,
  type DeadLetterContext,
  type DeadLetterDeps,
  type Failure,
  type QueueRecord,
  settleFailure,
} from '#shared/usecases/dead-letter.ts';

export function toQueueRecord(record: SQSRecord): QueueRecord {
  // Names come from the queue message: an object without a prototype keeps `__proto__` as a name.
  const attributes: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (value.stringValue !== undefined && value.dataType.startsWith('String'))
      attributes[name] = value.stringValue;
  }
  return {
    id: record.messageId,
    body: record.body,
    receiveCount: Number(record.attributes.ApproximateReceiveCount ?? '1'),
    attributes,
  };
}

/** Runs `work` for one record; a failure is settled (DLQ + outcome) or rethrown for redelivery. */
export async function deadLetter(
  record: SQSRecord,
  deps: DeadLetterDeps,
  context: DeadLetterContext,
  work: () => Promise<void>,
  ids?: () => Failure['ids'],
): Promise<void> {
  const queued = toQueueRecord(record);
  if (await alreadyDeadLettered(queued, deps, context)) return;
  try {
    await work();
  } catch (error) {
    const invalid = error instanceof ZodError || error instanceof SyntaxError;
    const failure: Failure = {
      reason: invalid ? 'invalid queue message' : describeError(error),
      retryable: !invalid && isRetryable(error),
      ids: ids?.() ?? null,
    };
    if ((await settleFailure(queued, failure, deps, context)) === 'retry') throw error;
    if (!(error instanceof PermanentError)) context.logger.debug('failure detail', { error: String(error) });
  }
}
