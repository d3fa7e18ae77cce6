/**
 * Parse Lambda: SES receipt notifications (SNS inside SQS) → CapturedEmail in S3 + a pointer on
 * the sync queue, or a recorded outcome. Partial batch responses: one bad record never holds
 * back the others. At most parseConcurrency() records are parsed at once, so a batch of
 * messages at SES's size limit fits in the function's memory (the model is in pipeline.ts).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { deadLetter } from '#functions/dead-letter.ts';
import { concurrencyLimit } from '#functions/limit.ts';
import { parseConcurrency, pipeline } from '#shared/config/pipeline.ts';
import { parseIntakeBody, SnsEnvelopeSchema } from '#shared/events/ses-notification.ts';
import { logger, metrics } from '#shared/observability.ts';
import { captureMessage } from '#shared/usecases/capture-message.ts';
import { type ParseDeps, parseDepsFromEnv } from './wiring.ts';

export interface ParseHandlerOptions {
  /** Records parsed at once. @default parseConcurrency() */
  concurrency?: number;
}

export function createParseHandler(makeDeps: () => ParseDeps, options: ParseHandlerOptions = {}) {
  const processor = new BatchProcessor(EventType.SQS);
  const limit = concurrencyLimit(options.concurrency ?? parseConcurrency());
  let deps: ParseDeps | undefined;
  return async (event: SQSEvent, context: Context) => {
    deps ??= makeDeps();
    const ready = deps;
    const processRecord = (record: SQSRecord) =>
      limit(async () => {
        // Records run side by side: each gets its own logger, so keys never leak between them.
        const log = logger.createChild();
        let ids: { sesMessageId: string; orgId: null; messageId: null } | null = null;
        const work = async () => {
          const other = otherNotificationType(record.body);
          if (other !== null) {
            // SES's setup notification and the like: nothing to capture, nothing to retry.
            log.info('not a received-mail notification; acknowledged', { notificationType: other });
            return;
          }
          const notification = parseIntakeBody(record.body);
          ids = { sesMessageId: notification.mail.messageId, orgId: null, messageId: null };
          log.appendKeys({ sesMessageId: notification.mail.messageId });
          await captureMessage(notification, { ...ready, logger: log });
        };
        const maxReceiveCount = pipeline.queues.intake.maxReceiveCount;
        await deadLetter(record, ready, { stage: 'parse', maxReceiveCount, logger: log }, work, () => ids);
      });
    try {
      return await processPartialResponse(event, processRecord, processor, { context });
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

/** The notificationType of an SNS-wrapped SES notification that is not `Received`, else null. */
function otherNotificationType(body: string): string | null {
  try {
    const envelope = SnsEnvelopeSchema.parse(JSON.parse(body));
    const type = (JSON.parse(envelope.Message) as { notificationType?: unknown }).notificationType;
    return typeof type === 'string' && type !== 'Received' ? type : null;
  } catch {
    return null; // parseIntakeBody says what is wrong with it
  }
}

export const handler = createParseHandler(() => parseDepsFromEnv(process.env));
