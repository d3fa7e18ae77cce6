/**
 * Parse Lambda: SES notifications (SNS in the intake queue) → each in its org's line on the lines
 * queue (routeIntake) → the parse stage (captureMessage), partial batch responses, at most parseConcurrency() records at once so a batch fits in memory (pipeline.ts).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { deadLetter, toQueueRecord } from '#functions/dead-letter.ts';
import { concurrencyLimit, once } from '#functions/limit.ts';
import { parseConcurrency, pipeline } from '#shared/config/pipeline.ts';
import { logger, metrics, startInvocation, traced } from '#shared/observability.ts';
import { captureIntakeBody } from '#shared/usecases/capture-message.ts';
import { isRouted, routeIntake } from '#shared/usecases/route-intake.ts';
import { type ParseDeps, parseDepsFromEnv } from './wiring.ts';

export function createParseHandler(makeDeps: () => ParseDeps, options: { concurrency?: number } = {}) {
  const processor = new BatchProcessor(EventType.SQS);
  const limit = concurrencyLimit(options.concurrency ?? parseConcurrency());
  const deps = once(makeDeps);
  const parseRecord = (record: SQSRecord) =>
    limit(async () => {
      const ready = deps();
      // One child logger per record (with the invocation's Lambda context): its keys never leak
      // into another record's lines; one subsegment per record, annotated with its id.
      const log = logger.createChild();
      let ids: { sesMessageId: string; orgId: null; messageId: string | null } | null = null;
      await traced('## record', async (annotate) => {
        const work = () =>
          captureIntakeBody(record.body, { ...ready, logger: log }, (found) => {
            ids = found;
            log.appendKeys({ sesMessageId: found.sesMessageId });
            annotate('sesMessageId', found.sesMessageId);
          });
        // The same on the intake and the lines queue (pipeline.ts).
        const maxReceiveCount = pipeline.queues.intake.maxReceiveCount;
        await deadLetter(record, ready, { stage: 'parse', maxReceiveCount, logger: log }, work, () => ids);
      });
    });
  // Mail straight from SES is first put in its org's line (route-intake.ts); routing reads no
  // S3 object and takes no parse slot. What cannot be routed is parsed here.
  const processRecord = async (record: SQSRecord) => {
    const queued = toQueueRecord(record);
    if (!isRouted(queued.attributes)) {
      const routed = await routeIntake(queued.body, deps().route);
      if (routed.routed) return;
    }
    await parseRecord(record);
  };
  return async (event: SQSEvent, context: Context) => {
    startInvocation(context);
    try {
      return await processPartialResponse(event, processRecord, processor, { context });
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

export const handler = createParseHandler(() => parseDepsFromEnv(process.env));
