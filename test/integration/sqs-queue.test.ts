/**
 * The SQS adapter against fauxqs: sends made close together leave as SendMessageBatch requests of
 * at most 10 entries and 256 KiB, each send settles on its own entry's result, and every body
 * is one SQS accepts.
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '#local/aws.ts';
import { SqsQueue } from '#shared/adapters/sqs-queue.ts';
import { PermanentError, TransientError } from '#shared/errors.ts';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.close();
});

/** Counts the SQS requests the client makes, by command name. */
function counted(sqs: SQSClient) {
  const calls: string[] = [];
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: `count-${Math.random()}` },
  );
  return calls;
}

async function drain(url: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const r = await aws.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );
    const messages = r.Messages ?? [];
    if (messages.length === 0) return all;
    all.push(...messages);
    await aws.clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

describe('SqsQueue', () => {
  it('sends 25 messages made together in 3 SendMessageBatch requests, bodies and attributes intact', async () => {
    const url = aws.resources.syncQueueUrl;
    const calls = counted(aws.clients.sqs);
    const queue = new SqsQueue(aws.clients.sqs, url, { lingerMs: 5 });
    await Promise.all(Array.from({ length: 25 }, (_, i) => queue.send({ n: i }, { orgId: `org-${i}` })));
    expect(calls.filter((c) => c === 'SendMessageBatchCommand')).toHaveLength(3);
    expect(calls).not.toContain('SendMessageCommand');
    const received = await drain(url);
    expect(received.map((m) => JSON.parse(m.Body!).n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, i) => i),
    );
    for (const m of received) {
      expect(m.MessageAttributes?.orgId?.StringValue).toBe(`org-${JSON.parse(m.Body!).n}`);
    }
  });

  it('keeps each request within 256 KiB, and sends each message alone without a linger', async () => {
    const url = aws.resources.syncQueueUrl;
    const calls = counted(aws.clients.sqs);
    const batched = new SqsQueue(aws.clients.sqs, url, { lingerMs: 5 });
    const big = 'x'.repeat(60 * 1024);
    await Promise.all(Array.from({ length: 6 }, (_, i) => batched.send({ i, big })));
    // Four 60 KB bodies fit under 256 KiB, the next two go in a second request.
    expect(calls.filter((c) => c === 'SendMessageBatchCommand')).toHaveLength(2);
    const direct = new SqsQueue(aws.clients.sqs, url);
    await Promise.all([direct.send({ a: 1 }), direct.send({ a: 2 })]);
    expect(calls.filter((c) => c === 'SendMessageCommand')).toHaveLength(2);
    expect(await drain(url)).toHaveLength(8);
  });

  it('sends text holding U+FFFE and U+FFFF, which SQS refuses raw, and reads it back the same', async () => {
    const url = aws.resources.syncQueueUrl;
    const queue = new SqsQueue(aws.clients.sqs, url, { lingerMs: 5 });
    const text = 'bad\uFFFF and \uFFFE chars';
    await Promise.all([queue.send({ text }), queue.send({ text: 'plain' })]);
    const bodies = (await drain(url)).map((m) => JSON.parse(m.Body!).text).sort();
    expect(bodies).toEqual([text, 'plain'].sort());
  });

  it('fails only the entry SQS refuses, as permanent when the sender is at fault', async () => {
    const fake = {
      send: async (command: unknown) => {
        if (!(command instanceof SendMessageBatchCommand)) throw new Error('unexpected command');
        return {
          Successful: [{ Id: '0', MessageId: 'm0', MD5OfMessageBody: '' }],
          Failed: [
            { Id: '1', SenderFault: true, Code: 'InvalidMessageContents', Message: 'bad' },
            { Id: '2', SenderFault: false, Code: 'InternalError', Message: 'try again' },
          ],
        };
      },
    } as unknown as SQSClient;
    const queue = new SqsQueue(fake, 'https://sqs.example/q', { lingerMs: 5 });
    const results = await Promise.allSettled([
      queue.send({ a: 0 }),
      queue.send({ a: 1 }),
      queue.send({ a: 2 }),
    ]);
    expect(results[0]!.status).toBe('fulfilled');
    const reason = (i: number) => (results[i] as PromiseRejectedResult).reason;
    expect(reason(1)).toBeInstanceOf(PermanentError);
    expect(reason(1).code).toBe('InvalidMessageContents');
    expect(reason(2)).toBeInstanceOf(TransientError);
  });

  it('fails every send of a batch SQS refuses as a whole, as retryable', async () => {
    const fake = {
      send: async () => {
        throw new Error('connection reset');
      },
    } as unknown as SQSClient;
    const queue = new SqsQueue(fake, 'https://sqs.example/q', { lingerMs: 5 });
    const results = await Promise.allSettled([queue.send({ a: 0 }), queue.send({ a: 1 })]);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TransientError);
  });
});
