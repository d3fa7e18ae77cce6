/**
 * Notices Lambda: the notices queue (mail endings, window ends, stops, answers, digests asked
 * for, SES bounce and complaint events) with partial batch responses, and the hourly
 * EventBridge schedule that sends the admin digests whose hour it is (shared/usecases/send-notices.ts).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { once } from '#functions/limit.ts';
import { logger, metrics } from '#shared/observability.ts';
import { handleNoticeBody, type NoticesDeps, sendDigests } from '#shared/usecases/send-notices.ts';
import { noticesDepsFromEnv } from './wiring.ts';

export type NoticesEvent = SQSEvent | ScheduledEvent;

export function createNoticesHandler(makeDeps: () => NoticesDeps) {
  const processor = new BatchProcessor(EventType.SQS);
  const deps = once(makeDeps);
  // One record at a time: records for the same rep then never race for its state.
  const processRecord = async (record: SQSRecord) => handleNoticeBody(record.body, deps());
  return async (event: NoticesEvent, context: Context): Promise<SQSBatchResponse | undefined> => {
    try {
      if ('Records' in event) {
        return await processPartialResponse(event, processRecord, processor, {
          context,
          processInParallel: false,
        });
      }
      // The schedule's own time, not the clock: a late invocation still sends that hour's digests.
      const at = new Date(event.time);
      const sent = await sendDigests(deps(), { hour: at.getUTCHours() });
      logger.info('digest hour', {
        hour: at.getUTCHours(),
        orgs: sent.length,
        sent: sent.filter((s) => s.sent).length,
      });
      return undefined;
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

export const handler = createNoticesHandler(() => noticesDepsFromEnv(process.env));
