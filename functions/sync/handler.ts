/**
 * Sync Lambda: a batch of sync pointers → Salesforce Tasks, one recorded outcome per message.
 * The whole batch is synced together (one lookup and one write per org), then each record is
 * acknowledged, retried or dead-lettered through Powertools' partial batch response.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { deadLetter } from '#functions/dead-letter.ts';
import { PermanentError, TransientError } from '#shared/errors.ts';
import { metrics } from '#shared/observability.ts';
import { syncQueueRecords } from '#shared/usecases/sync-messages.ts';
import { type SyncDeps, syncDepsFromEnv } from './wiring.ts';

export function createSyncHandler(makeDeps: () => SyncDeps) {
  const processor = new BatchProcessor(EventType.SQS);
  let deps: SyncDeps | undefined;
  return async (event: SQSEvent, context: Context) => {
    deps ??= makeDeps();
    const ready = deps;
    const statuses = await syncQueueRecords(
      event.Records.map((r) => ({ id: r.messageId, body: r.body })),
      ready,
    );
    const processRecord = async (record: SQSRecord) => {
      const status = statuses.get(record.messageId);
      const settle = async () => {
        if (status?.status === 'retry') throw new TransientError('SYNC_RETRY', status.reason);
        if (status?.status !== 'done') throw new PermanentError('SYNC_FAILED', status?.reason ?? 'no result');
      };
      await deadLetter(record, ready, 'sync', settle, () => status?.ids ?? null);
    };
    try {
      return await processPartialResponse(event, processRecord, processor, { context });
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

export const handler = createSyncHandler(() => syncDepsFromEnv(process.env));
