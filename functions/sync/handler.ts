/**
 * Sync Lambda: a batch of sync pointers → Salesforce Tasks, one recorded outcome per message.
 * The whole batch is synced together (one lookup and one write per org), then each record is
 * acknowledged, retried or dead-lettered through Powertools' partial batch response.
 * Log lines about one message carry its sesMessageId and orgId; lines about a whole org batch
 * carry orgId and the sesMessageIds of the invocation.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { deadLetter } from '#functions/dead-letter.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import { PermanentError, TransientError } from '#shared/errors.ts';
import { logger, metrics, withKeys } from '#shared/observability.ts';
import { syncQueueRecords } from '#shared/usecases/sync-messages.ts';
import { type SyncDeps, syncDepsFromEnv } from './wiring.ts';

export function createSyncHandler(makeDeps: () => SyncDeps) {
  const processor = new BatchProcessor(EventType.SQS);
  let deps: SyncDeps | undefined;
  return async (event: SQSEvent, context: Context) => {
    deps ??= makeDeps();
    const ready = deps;
    const sesMessageIds = event.Records.map((r) => sesMessageIdOf(r.body)).filter((id) => id !== null);
    const log = withKeys(ready.logger, { sesMessageIds });
    const statuses = await syncQueueRecords(
      event.Records.map((r) => ({ id: r.messageId, body: r.body })),
      { ...ready, logger: log, syncOrg: ready.syncOrgWith(log) },
    );
    const processRecord = async (record: SQSRecord) => {
      const status = statuses.get(record.messageId);
      const recordLog = logger.createChild();
      if (status?.ids)
        recordLog.appendKeys({ sesMessageId: status.ids.sesMessageId, orgId: status.ids.orgId });
      const settle = async () => {
        if (status?.status === 'retry') throw new TransientError('SYNC_RETRY', status.reason);
        if (status?.status !== 'done') throw new PermanentError('SYNC_FAILED', status?.reason ?? 'no result');
      };
      const maxReceiveCount = pipeline.queues.sync.maxReceiveCount;
      await deadLetter(
        record,
        ready,
        { stage: 'sync', maxReceiveCount, logger: recordLog },
        settle,
        () => status?.ids ?? null,
      );
    };
    try {
      return await processPartialResponse(event, processRecord, processor, { context });
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

function sesMessageIdOf(body: string): string | null {
  try {
    const id = (JSON.parse(body) as { sesMessageId?: unknown }).sesMessageId;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

export const handler = createSyncHandler(() => syncDepsFromEnv(process.env));
