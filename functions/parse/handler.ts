/**
 * Parse Lambda: SES receipt notifications (SNS inside SQS) → CapturedEmail in S3 + a pointer on
 * the sync queue, or a recorded outcome. Partial batch responses: one bad record never holds
 * back the others.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { deadLetter } from '#functions/dead-letter.ts';
import { parseIntakeBody } from '#shared/events/ses-notification.ts';
import { logger, metrics } from '#shared/observability.ts';
import { captureMessage } from '#shared/usecases/capture-message.ts';
import { type ParseDeps, parseDepsFromEnv } from './wiring.ts';

export function createParseHandler(makeDeps: () => ParseDeps) {
  const processor = new BatchProcessor(EventType.SQS);
  let deps: ParseDeps | undefined;
  return async (event: SQSEvent, context: Context) => {
    deps ??= makeDeps();
    const ready = deps;
    const processRecord = async (record: SQSRecord) => {
      logger.resetKeys();
      let ids: { sesMessageId: string; orgId: null; messageId: null } | null = null;
      const work = async () => {
        const notification = parseIntakeBody(record.body);
        ids = { sesMessageId: notification.mail.messageId, orgId: null, messageId: null };
        logger.appendKeys({ sesMessageId: notification.mail.messageId });
        await captureMessage(notification, ready);
      };
      await deadLetter(record, ready, 'parse', work, () => ids);
    };
    try {
      return await processPartialResponse(event, processRecord, processor, { context });
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

export const handler = createParseHandler(() => parseDepsFromEnv(process.env));
