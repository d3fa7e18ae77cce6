/**
 * Sync Lambda: sync pointers → the sync stage (shared/usecases/sync-stage.ts); records it wants
 * again are named in the partial batch response. Org batch log lines name all the sesMessageIds.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { toQueueRecord } from '#functions/dead-letter.ts';
import { metrics, withKeys } from '#shared/observability.ts';
import { syncStage } from '#shared/usecases/sync-stage.ts';
import { type SyncDeps, syncDepsFromEnv } from './wiring.ts';

export function createSyncHandler(makeDeps: () => SyncDeps) {
  let deps: SyncDeps | undefined;
  return async (event: SQSEvent, _context?: unknown): Promise<SQSBatchResponse> => {
    deps ??= makeDeps();
    const sesMessageIds = event.Records.map((r) => sesMessageIdOf(r.body)).filter((id) => id !== null);
    const log = withKeys(deps.logger, { sesMessageIds });
    try {
      const statuses = await syncStage(event.Records.map(toQueueRecord), {
        ...deps,
        logger: log,
        syncOrgBatch: deps.syncOrgBatchWith(log),
      });
      const again = event.Records.filter((r) => statuses.get(r.messageId) !== 'done');
      return { batchItemFailures: again.map((r) => ({ itemIdentifier: r.messageId })) };
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
