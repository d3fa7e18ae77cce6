/** The Lambda-like runner against fauxqs queues with short visibility timeouts. */
import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '#local/aws.ts';
import { type QueueRunnerOptions, type SqsHandler, startQueueRunner } from '#local/runner.ts';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.close();
});

let queues = 0;
/** A fresh queue with a 1 s visibility timeout and its DLQ. */
async function queue(maxReceiveCount = 3) {
  const name = `runner-${++queues}`;
  const dlq = await aws.clients.sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqArn = await arnOf(dlq.QueueUrl!);
  const q = await aws.clients.sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
      },
    }),
  );
  return { name, url: q.QueueUrl!, arn: await arnOf(q.QueueUrl!), dlqUrl: dlq.QueueUrl! };
}
async function arnOf(url: string) {
  const r = await aws.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return r.Attributes!.QueueArn!;
}
async function send(url: string, ...bodies: string[]) {
  for (const body of bodies)
    await aws.clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
}
async function count(url: string) {
  const r = await aws.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(r.Attributes?.ApproximateNumberOfMessages) +
    Number(r.Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}
async function bodiesIn(url: string) {
  const r = await aws.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return (r.Messages ?? []).map((m) => m.Body);
}
function run(q: { url: string }, handler: SqsHandler, extra: Partial<QueueRunnerOptions> = {}) {
  return startQueueRunner({
    name: 'test-fn',
    sqs: aws.clients.sqs,
    queueUrl: q.url,
    handler,
    batchSize: 10,
    maxBatchingWindowSeconds: 0.1,
    onError: () => {},
    ...extra,
  });
}
const ok = async () => ({ batchItemFailures: [] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('queue runner (Lambda SQS event source)', () => {
  it('hands over records and a context shaped like Lambda, and deletes what succeeded', async () => {
    const q = await queue();
    await aws.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: q.url,
        MessageBody: '{"hello":"world"}',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'parsed' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from('bin') },
        },
      }),
    );
    const records: SQSRecord[] = [];
    const contexts: Context[] = [];
    const runner = run(q, async (event, context) => {
      records.push(...event.Records);
      contexts.push(context);
    });
    await sleep(100);
    await runner.idle();
    await runner.stop();

    expect(records).toHaveLength(1);
    const r = records[0]!;
    expect(r).toEqual({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: '{"hello":"world"}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d{13}$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      },
      messageAttributes: {
        kind: { stringValue: 'parsed', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: {
          binaryValue: Buffer.from('bin').toString('base64'),
          stringListValues: [],
          binaryListValues: [],
          dataType: 'Binary',
        },
      },
      md5OfBody: createHash('md5').update('{"hello":"world"}').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: q.arn,
      awsRegion: 'us-east-1',
    });
    const context = contexts[0]!;
    expect(context.functionName).toBe('test-fn');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(60_000);
    expect(await count(q.url)).toBe(0);
    expect(runner.stats()).toMatchObject({
      invocations: 1,
      processed: 1,
      failedRecords: 0,
      handlerErrors: 0,
    });
  });

  it('gathers a batch within the window, beyond the 10 one receive gives, and deletes all of it', async () => {
    const q = await queue();
    await send(q.url, ...Array.from({ length: 25 }, (_, i) => `m${i}`));
    const sizes: number[] = [];
    const runner = run(
      q,
      async (event) => {
        sizes.push(event.Records.length);
      },
      { batchSize: 25, maxBatchingWindowSeconds: 0.5 },
    );
    await sleep(100);
    await runner.idle();
    await runner.stop();
    expect(sizes).toEqual([25]);
    expect(await count(q.url)).toBe(0);
    expect(runner.stats().processed).toBe(25);
  });

  it('redelivers only the records named in batchItemFailures, a visibility timeout after they were handed out', async () => {
    const q = await queue();
    await send(q.url, 'a', 'flaky', 'b');
    const deliveries: { body: string; receiveCount: string }[] = [];
    let failedOnce = false;
    // Only a failed record has its visibility set (the rest of its timeout); succeeded ones are
    // deleted without one.
    const visibility: number[][] = [];
    const sqs = {
      send: ((command: { input: unknown }) => {
        if (command instanceof ChangeMessageVisibilityBatchCommand)
          visibility.push((command.input.Entries ?? []).map((e) => e.VisibilityTimeout ?? -1));
        return aws.clients.sqs.send(command as never);
      }) as typeof aws.clients.sqs.send,
    };
    const runner = run(
      q,
      async (event) => {
        const failures = [];
        for (const r of event.Records) {
          deliveries.push({ body: r.body, receiveCount: r.attributes.ApproximateReceiveCount });
          if (r.body === 'flaky' && !failedOnce) {
            failedOnce = true;
            failures.push({ itemIdentifier: r.messageId });
          }
        }
        return { batchItemFailures: failures };
      },
      { sqs },
    );
    await sleep(100);
    await runner.idle();
    await runner.stop();
    expect(
      deliveries
        .filter((d) => d.body !== 'flaky')
        .map((d) => d.body)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(deliveries.filter((d) => d.body === 'flaky')).toEqual([
      { body: 'flaky', receiveCount: '1' },
      { body: 'flaky', receiveCount: '2' },
    ]);
    expect(runner.stats()).toMatchObject({ processed: 3, failedRecords: 1 });
    // The queue's timeout is 1 s: what is left of it after the batch ran.
    expect(visibility).toEqual([[1]]);
  });

  it('redelivers the whole batch when the handler throws', async () => {
    const q = await queue();
    await send(q.url, 'a', 'b');
    let calls = 0;
    const handled: string[][] = [];
    const runner = run(q, async (event) => {
      handled.push(event.Records.map((r) => r.body).sort());
      if (calls++ === 0) throw new Error('crash');
    });
    await sleep(100);
    await runner.idle();
    await runner.stop();
    expect(handled).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(runner.stats()).toMatchObject({ handlerErrors: 1, processed: 2, failedRecords: 2 });
  });

  it('treats an itemIdentifier outside the batch as a failure of the whole batch, as Lambda does', async () => {
    const q = await queue();
    await send(q.url, 'a', 'b');
    let calls = 0;
    const errors: unknown[] = [];
    const runner = run(
      q,
      async () => (calls++ === 0 ? { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] } : undefined),
      { onError: (e) => errors.push(e) },
    );
    await sleep(100);
    await runner.idle();
    await runner.stop();
    expect(calls).toBe(2);
    expect(String(errors[0])).toMatch(/invalid batchItemFailures/);
    expect(runner.stats()).toMatchObject({ handlerErrors: 1, processed: 2 });
  });

  it('moves a poison message to the DLQ after maxReceiveCount deliveries', async () => {
    const q = await queue(2);
    await send(q.url, 'fine', 'poison');
    const poisonDeliveries: string[] = [];
    const runner = run(
      q,
      async (event) => ({
        batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => {
          poisonDeliveries.push(r.attributes.ApproximateReceiveCount);
          return { itemIdentifier: r.messageId };
        }),
      }),
      { failureBackoffSeconds: 0 },
    );
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await count(q.dlqUrl)) === 0) await sleep(100);
    await runner.idle();
    await runner.stop();
    expect(poisonDeliveries).toEqual(['1', '2']);
    expect(await bodiesIn(q.dlqUrl)).toEqual(['poison']);
    expect(await count(q.url)).toBe(0);
  });

  it('makes failed records visible again after failureBackoffSeconds instead of the visibility timeout', async () => {
    const q = await queue();
    await send(q.url, 'retry-me');
    const seenAt: number[] = [];
    const runner = run(
      q,
      async (event) => {
        seenAt.push(Date.now());
        return seenAt.length === 1
          ? { batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }] }
          : { batchItemFailures: [] };
      },
      { visibilityTimeoutSeconds: 30, failureBackoffSeconds: 0 },
    );
    await sleep(100);
    await runner.idle();
    await runner.stop();
    // Seen again before idle() returned, though the visibility timeout (30 s) has not passed.
    expect(seenAt).toHaveLength(2);
    expect(await count(q.url)).toBe(0);
  });

  it('fails the batch of a handler that outlives the function timeout', async () => {
    const q = await queue();
    await send(q.url, 'slow');
    let calls = 0;
    const errors: unknown[] = [];
    const runner = run(
      q,
      async (_event, context) => {
        if (calls++ === 0) {
          await sleep(context.getRemainingTimeInMillis() + 300);
        }
      },
      { timeoutSeconds: 0.3, onError: (e) => errors.push(e) },
    );
    await sleep(100);
    await runner.idle();
    await runner.stop();
    expect(calls).toBe(2);
    expect(String(errors[0])).toMatch(/did not finish within 300 ms/);
    expect(runner.stats()).toMatchObject({ handlerErrors: 1, processed: 1 });
  });

  it('stop() waits for batches in flight to finish and be deleted, and takes no new ones', async () => {
    const q = await queue();
    await send(q.url, 'in-flight');
    let started = false;
    let finished = false;
    const runner = run(q, async () => {
      started = true;
      await sleep(700);
      finished = true;
    });
    while (!started) await sleep(10);
    await runner.stop();
    expect(finished).toBe(true);
    expect(await count(q.url)).toBe(0);

    await send(q.url, 'after-stop');
    await sleep(300);
    expect(runner.stats().invocations).toBe(1);
    await expect(runner.idle()).rejects.toThrow(/stopped with 1 messages/);
  });

  it('runs batches in parallel with concurrency', async () => {
    const q = await queue();
    await send(q.url, 'a', 'b', 'c', 'd');
    let running = 0;
    let peak = 0;
    const runner = run(
      q,
      async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(300);
        running--;
      },
      { batchSize: 1, maxBatchingWindowSeconds: 0, concurrency: 4 },
    );
    await sleep(100);
    await runner.idle();
    await runner.stop();
    expect(peak).toBeGreaterThan(1);
    expect(runner.stats().processed).toBe(4);
  });

  it('refuses settings Lambda would refuse', () => {
    expect(() => run({ url: 'http://x/0/q' }, ok, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => run({ url: 'http://x/0/q' }, ok, { batchSize: 50, maxBatchingWindowSeconds: 0 })).toThrow(
      /batching window|maxBatchingWindowSeconds/,
    );
  });
});
