/**
 * A record a handler dead-lettered comes back when its invocation fails afterwards (SQS keeps
 * the message id and counts one more receive): it must not reach the DLQ a second time.
 */
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { deadLetter } from '#functions/dead-letter.ts';
import { PermanentError } from '#shared/errors.ts';
import { MemoryMailStore, MemoryQueue, silentLogger } from '../support/memory-stores.ts';

function record(messageId: string, receiveCount: number): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${receiveCount}`,
    body: '{"sesMessageId":"ses-1"}',
    attributes: { ApproximateReceiveCount: String(receiveCount) },
    messageAttributes: {},
  } as unknown as SQSRecord;
}

describe('deadLetter', () => {
  const context = { stage: 'parse' as const, maxReceiveCount: 5, logger: silentLogger };
  const ids = () => ({ sesMessageId: 'ses-1', orgId: null, messageId: null });

  it('sends a record to the DLQ once, even when it is handed back after being dead-lettered', async () => {
    const store = new MemoryMailStore();
    const dlq = new MemoryQueue();
    const deps = { deadLetterQueue: dlq, outcomes: store, deadLetterMarks: store };
    let tries = 0;
    const work = async () => {
      tries++;
      throw new PermanentError('NOT_FOUND', 'raw object is gone');
    };
    await deadLetter(record('q-1', 1), deps, context, work, ids);
    // The invocation failed after that: SQS delivers the same message again.
    await deadLetter(record('q-1', 2), deps, context, work, ids);
    expect(dlq.messages).toHaveLength(1);
    expect(dlq.messages[0]!.attributes).toMatchObject({ 'capture.reason': 'NOT_FOUND: raw object is gone' });
    expect(tries).toBe(1);
    expect(store.outcomes.get('null/ses-1')).toMatchObject({ outcome: 'failed', stage: 'parse' });
  });

  it('works a replayed copy (a new queue message) again, and dead-letters it again if it still fails', async () => {
    const store = new MemoryMailStore();
    const dlq = new MemoryQueue();
    const deps = { deadLetterQueue: dlq, outcomes: store, deadLetterMarks: store };
    const work = async () => {
      throw new PermanentError('NOT_FOUND', 'raw object is gone');
    };
    await deadLetter(record('q-1', 1), deps, context, work, ids);
    await deadLetter(record('q-2', 2), deps, context, work, ids);
    expect(dlq.messages).toHaveLength(2);
  });

  it('works a handed-back record as before when the marks cannot be read', async () => {
    const store = new MemoryMailStore();
    const dlq = new MemoryQueue();
    const marks = {
      wasDeadLettered: async () => {
        throw new Error('AccessDenied');
      },
      markDeadLettered: async () => {},
    };
    const deps = { deadLetterQueue: dlq, outcomes: store, deadLetterMarks: marks };
    let tries = 0;
    const work = async () => {
      tries++;
    };
    await deadLetter(record('q-1', 2), deps, context, work, ids);
    expect(tries).toBe(1);
    expect(dlq.messages).toHaveLength(0);
  });
});
