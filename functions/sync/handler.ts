/**
 * Sync Lambda: sync pointers → the sync stage (shared/usecases/sync-stage.ts); records it wants
 * again are named in the partial batch response. Org batch log lines name all the sesMessageIds.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { toQueueRecord } from '#functions/dead-letter.ts';
import { metrics, recordStageLatency, startInvocation, traced, withKeys } from '#shared/observability.ts';
import { syncStage } from '#shared/usecases/sync-stage.ts';
import { type SyncDeps, syncDepsFromEnv } from './wiring.ts';

export function createSyncHandler(makeDeps: () => SyncDeps) {
  let deps: SyncDeps | undefined;
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    startInvocation(context);
    deps ??= makeDeps();
    const ready = deps;
    const pointers = event.Records.map((r) => pointerOf(r.body));
    const sesMessageIds = pointers.map((p) => p.sesMessageId).filter((id) => id !== null);
    const log = withKeys(ready.logger, { sesMessageIds });
    try {
      const statuses = await traced('## batch', (annotate) => {
        annotate('records', event.Records.length);
        return syncStage(event.Records.map(toQueueRecord), {
          ...ready,
          logger: log,
          syncOrgBatch: ready.syncOrgBatchWith(log),
        });
      });
      const again = event.Records.filter((r) => statuses.get(r.messageId) !== 'done');
      for (const [i, r] of event.Records.entries())
        if (statuses.get(r.messageId) === 'done') recordStageLatency('SyncLatency', pointers[i]?.receivedAt);
      return { batchItemFailures: again.map((r) => ({ itemIdentifier: r.messageId })) };
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

/** What the logs and the latency metric read from a sync message, before the stage validates it. */
function pointerOf(body: string): { sesMessageId: string | null; receivedAt: unknown } {
  try {
    const { sesMessageId, receivedAt } = JSON.parse(body) as { sesMessageId?: unknown; receivedAt?: unknown };
    return { sesMessageId: typeof sesMessageId === 'string' ? sesMessageId : null, receivedAt };
  } catch {
    return { sesMessageId: null, receivedAt: undefined };
  }
}

export const handler = createSyncHandler(() => syncDepsFromEnv(process.env));
