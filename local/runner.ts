/**
 * Feeds an SQS queue to a handler with Lambda's SQS event-source semantics: batches up to
 * batchSize gathered for at most the batching window, records shaped like Lambda's SQSEvent,
 * successful records deleted, `batchItemFailures` (and every record of a batch whose handler
 * threw) left to reappear after the visibility timeout, redrive to the DLQ after
 * maxReceiveCount (done by the queue's redrive policy, as in AWS).
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface QueueRunnerOptions {
  name: string;
  sqs: SQSClient;
  queueUrl: string;
  handler: SqsHandler;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  /** Overrides the queue's visibility timeout for received messages (shorter in tests). */
  visibilityTimeoutSeconds?: number;
  /** Parallel pollers, like Lambda's concurrent invocations. */
  concurrency?: number;
  /** Simulated function timeout for getRemainingTimeInMillis(). */
  timeoutSeconds?: number;
  region?: string;
  onError?: (error: unknown) => void;
}

export interface QueueRunner {
  stop(): Promise<void>;
  idle(): Promise<void>;
  stats(): { invocations: number; processed: number; failedRecords: number; handlerErrors: number };
}

export function startQueueRunner(options: QueueRunnerOptions): QueueRunner {
  let running = true;
  let inFlight = 0;
  const stats = { invocations: 0, processed: 0, failedRecords: 0, handlerErrors: 0 };
  const arn = arnOf(options.queueUrl, options.region ?? 'us-east-1');

  async function receive(max: number, waitSeconds: number): Promise<Message[]> {
    const response = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
        ...(options.visibilityTimeoutSeconds !== undefined
          ? { VisibilityTimeout: options.visibilityTimeoutSeconds }
          : {}),
      }),
    );
    return response.Messages ?? [];
  }

  async function poll(): Promise<void> {
    while (running) {
      try {
        let batch = await receive(options.batchSize, 1);
        if (batch.length === 0) continue;
        inFlight++;
        try {
          const deadline = Date.now() + options.maxBatchingWindowSeconds * 1000;
          while (running && batch.length < options.batchSize && Date.now() < deadline) {
            const more = await receive(options.batchSize - batch.length, 0);
            if (more.length === 0) await sleep(Math.min(50, Math.max(0, deadline - Date.now())));
            batch = batch.concat(more);
          }
          await invoke(batch);
        } finally {
          inFlight--;
        }
      } catch (error) {
        if (!running) return;
        options.onError?.(error);
        await sleep(200);
      }
    }
  }

  async function invoke(messages: Message[]): Promise<void> {
    const records = messages.map((m) => toRecord(m, arn, options.region ?? 'us-east-1'));
    const started = Date.now();
    const timeoutMs = (options.timeoutSeconds ?? 60) * 1000;
    const context = {
      callbackWaitsForEmptyEventLoop: false,
      functionName: options.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${options.region ?? 'us-east-1'}:000000000000:function:${options.name}`,
      memoryLimitInMB: '1024',
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${options.name}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
      done: () => {},
      fail: () => {},
      succeed: () => {},
    } as Context;
    stats.invocations++;
    let failed: Set<string>;
    try {
      const response = await options.handler({ Records: records }, context);
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A thrown handler fails the whole batch: nothing is deleted.
      stats.handlerErrors++;
      options.onError?.(error);
      stats.failedRecords += records.length;
      return;
    }
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    stats.failedRecords += messages.length - done.length;
    stats.processed += done.length;
    // DeleteMessageBatch takes at most 10 entries; Lambda batches can be larger.
    for (let i = 0; i < done.length; i += 10) {
      await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: done.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }

  const pollers = Array.from({ length: options.concurrency ?? 1 }, () => poll());

  return {
    stats: () => ({ ...stats }),
    stop: async () => {
      running = false;
      await Promise.all(pollers);
    },
    idle: async () => {
      for (;;) {
        const attrs = await options.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: options.queueUrl,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
              'ApproximateNumberOfMessagesDelayed',
            ],
          }),
        );
        const a = attrs.Attributes ?? {};
        const waiting =
          Number(a.ApproximateNumberOfMessages ?? 0) +
          Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
          Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
        if (waiting === 0 && inFlight === 0) return;
        await sleep(50);
      }
    },
  };
}

function toRecord(m: Message, arn: string, region: string): SQSRecord {
  const attributes = m.Attributes ?? {};
  return {
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
        k,
        {
          stringValue: v.StringValue,
          binaryValue: v.BinaryValue ? Buffer.from(v.BinaryValue).toString('base64') : undefined,
          stringListValues: v.StringListValues ?? [],
          binaryListValues: [],
          dataType: v.DataType ?? 'String',
        },
      ]),
    ),
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: region,
  };
}

function arnOf(queueUrl: string, region: string): string {
  const name = queueUrl.split('/').pop() ?? 'queue';
  return `arn:aws:sqs:${region}:000000000000:${name}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
