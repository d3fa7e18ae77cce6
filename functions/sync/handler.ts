/**
 * Sync Lambda: a batch of sync pointers → Salesforce Tasks, one recorded outcome per message.
 * The whole batch is synced together (one lookup and one write per org), then each record is
 * acknowledged, retried or dead-lettered through Powertools' partial batch response.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { deadLetter } from '#functions/dead-letter.ts';
import { PermanentError, TransientError } from '#shared/errors.ts';
import { SyncMessageSchema } from '#shared/events/sync-message.ts';
import { syncMessages } from '#shared/usecases/sync-messages.ts';
import { type SyncDeps, syncDepsFromEnv } from './wiring.ts';

export function createSyncHandler(makeDeps: () => SyncDeps) {
  const processor = new BatchProcessor(EventType.SQS);
  let deps: SyncDeps | undefined;
  return async (event: SQSEvent, context: Context) => {
    deps ??= makeDeps();
    const ready = deps;
    const valid = event.Records.flatMap((r) => {
      const parsed = SyncMessageSchema.safeParse(safeJson(r.body));
      return parsed.success ? [{ id: r.messageId, message: parsed.data }] : [];
    });
    const statuses = await syncMessages(valid, ready);
    const processRecord = async (record: SQSRecord) => {
      const message = valid.find((v) => v.id === record.messageId)?.message;
      const ids = () =>
        message
          ? { sesMessageId: message.sesMessageId, orgId: message.orgId, messageId: message.messageId }
          : null;
      await deadLetter(
        record,
        ready,
        'sync',
        async () => {
          const status = statuses.get(record.messageId);
          if (!message || !status) SyncMessageSchema.parse(safeJson(record.body));
          if (status?.status === 'retry') throw new TransientError('SYNC_RETRY', status.reason);
          if (status?.status === 'dead') throw new PermanentError('SYNC_FAILED', status.reason);
        },
        ids,
      );
    };
    return processPartialResponse(event, processRecord, processor, { context });
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const handler = createSyncHandler(() => syncDepsFromEnv(process.env));
