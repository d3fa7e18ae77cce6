/** The local AWS stand-ins: fauxqs resources, the SMTP SES stand-in and the Lambda-like runner. */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '#local/aws.ts';
import { startQueueRunner } from '#local/runner.ts';
import { type SmtpInbound, startSmtpInbound } from '#local/smtp-inbound.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import { parseRegistry } from '#shared/config/registry.ts';

let aws: LocalAws;
let smtp: SmtpInbound;
const registry = parseRegistry({
  captureDomain: 'capture.localhost',
  orgs: [
    {
      id: 'acme',
      internalDomains: ['acme.example'],
      defaultOwnerEmail: 'ops@acme.example',
      addresses: [
        { token: 'acme-k7q2m9x4p8w3', mode: 'bcc' },
        { token: 'acme-inbox-3n8v5t2r6y1z', mode: 'forward' },
      ],
    },
    {
      id: 'off',
      enabled: false,
      internalDomains: ['off.example'],
      defaultOwnerEmail: 'ops@off.example',
      addresses: [{ token: 'off-a1b2c3d4e5f6', mode: 'bcc' }],
    },
  ],
});

beforeAll(async () => {
  aws = await startLocalAws();
  smtp = await startSmtpInbound({
    port: 0,
    registry,
    s3: aws.clients.s3,
    bucket: aws.resources.bucket,
    sns: aws.clients.sns,
    topicArn: aws.resources.topicArn,
    maxBytes: 64 * 1024,
  });
});
afterAll(async () => {
  await smtp?.close();
  await aws?.close();
});

const transport = () => nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false });

async function receiveAll(queueUrl: string, wait = 2) {
  const r = await aws.clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: wait,
      MessageAttributeNames: ['All'],
    }),
  );
  return r.Messages ?? [];
}

describe('fauxqs resources', () => {
  it('creates the queues with the redrive policies the CDK stack uses', async () => {
    for (const [url, q] of [
      [aws.resources.intakeQueueUrl, pipeline.queues.intake],
      [aws.resources.syncQueueUrl, pipeline.queues.sync],
    ] as const) {
      const attrs =
        (
          await aws.clients.sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
          )
        ).Attributes ?? {};
      expect(attrs.VisibilityTimeout).toBe(String(q.visibilityTimeoutSeconds));
      expect(JSON.parse(attrs.RedrivePolicy ?? '{}')).toMatchObject({
        maxReceiveCount: q.maxReceiveCount,
        deadLetterTargetArn: expect.stringContaining(q.dlqName),
      });
    }
  });
});

describe('SMTP inbound (SES stand-in)', () => {
  it('stores raw mail with SES headers and publishes one notification listing every capture recipient', async () => {
    await transport().sendMail({
      envelope: {
        from: 'alice@acme.example',
        to: ['acme-k7q2m9x4p8w3@capture.localhost', 'ACME-INBOX-3n8v5t2r6y1z@capture.localhost'],
      },
      from: 'Alice <alice@acme.example>',
      to: 'jane@globex.example',
      subject: 'Two capture addresses',
      messageId: '<two@acme.example>',
      text: 'hello',
    });
    const [message] = await receiveAll(aws.resources.intakeQueueUrl);
    const envelope = JSON.parse(message!.Body!);
    expect(envelope.Type).toBe('Notification');
    const notification = JSON.parse(envelope.Message);
    expect(notification.notificationType).toBe('Received');
    expect(notification.receipt.recipients).toEqual([
      'acme-k7q2m9x4p8w3@capture.localhost',
      'ACME-INBOX-3n8v5t2r6y1z@capture.localhost',
    ]);
    expect(notification.receipt.action).toMatchObject({
      type: 'S3',
      bucketName: aws.resources.bucket,
      objectKey: `raw/${notification.mail.messageId}`,
    });
    expect(notification.mail.commonHeaders).toMatchObject({
      subject: 'Two capture addresses',
      messageId: '<two@acme.example>',
    });
    expect(notification.receipt.spamVerdict).toEqual({ status: 'PASS' });
    const raw = await aws.clients.s3.send(
      new GetObjectCommand({ Bucket: aws.resources.bucket, Key: notification.receipt.action.objectKey }),
    );
    const text = await raw.Body!.transformToString();
    expect(text).toMatch(
      /^Return-Path: <alice@acme.example>\r\nReceived: from .* by inbound-smtp.local with SMTP id \w+ for acme-k7q2m9x4p8w3@capture.localhost;/,
    );
    expect(text).toContain('Subject: Two capture addresses');
  });

  it('refuses unknown tokens, disabled orgs and other domains at RCPT TO', async () => {
    for (const to of [
      'acme-000000000000@capture.localhost',
      'off-a1b2c3d4e5f6@capture.localhost',
      'someone@elsewhere.example',
    ]) {
      const error = await transport()
        .sendMail({ from: 'a@acme.example', to, subject: 'x', text: 'x' })
        .catch((e: unknown) => e);
      expect(error, to).toMatchObject({ responseCode: 550 });
    }
  });

  it('refuses messages over the size limit', async () => {
    const error = await transport()
      .sendMail({
        from: 'a@acme.example',
        to: 'acme-k7q2m9x4p8w3@capture.localhost',
        subject: 'big',
        text: 'x'.repeat(100 * 1024),
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ responseCode: 552 });
  });
});

describe('queue runner', () => {
  async function queue(name: string, maxReceiveCount = 2) {
    const dlq = await aws.clients.sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const dlqArn = (
      await aws.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes!.QueueArn!;
    const q = await aws.clients.sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: '1',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
        },
      }),
    );
    return { url: q.QueueUrl!, dlqUrl: dlq.QueueUrl! };
  }

  it('delivers Lambda-shaped batches, deletes successes, redelivers failures and dead-letters poison', async () => {
    const { url, dlqUrl } = await queue('runner-test');
    for (const body of ['ok-1', 'ok-2', 'flaky', 'poison'])
      await aws.clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    const seen: string[] = [];
    let flakyFailures = 0;
    const runner = startQueueRunner({
      name: 'test',
      sqs: aws.clients.sqs,
      queueUrl: url,
      batchSize: 10,
      maxBatchingWindowSeconds: 0.2,
      visibilityTimeoutSeconds: 1,
      handler: async (event, context) => {
        expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
        const failures: string[] = [];
        for (const r of event.Records) {
          expect(r).toMatchObject({
            eventSource: 'aws:sqs',
            eventSourceARN: expect.stringContaining('runner-test'),
            attributes: { ApproximateReceiveCount: expect.any(String) },
          });
          seen.push(r.body);
          if (r.body === 'poison') failures.push(r.messageId);
          if (r.body === 'flaky' && flakyFailures++ === 0) failures.push(r.messageId);
        }
        return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
      },
    });
    const deadline = Date.now() + 15_000;
    let dead: Awaited<ReturnType<typeof receiveAll>> = [];
    while (Date.now() < deadline && dead.length === 0) dead = await receiveAll(dlqUrl, 1);
    await runner.idle();
    await runner.stop();
    expect(dead.map((m) => m.Body)).toEqual(['poison']);
    expect(seen.filter((b) => b === 'ok-1')).toHaveLength(1);
    expect(seen.filter((b) => b === 'flaky')).toHaveLength(2);
    expect(seen.filter((b) => b === 'poison')).toHaveLength(2);
    expect(runner.stats().processed).toBe(3);
  });

  it('redelivers the whole batch when the handler throws', async () => {
    const { url } = await queue('runner-crash', 5);
    for (const body of ['a', 'b'])
      await aws.clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    let calls = 0;
    const handled: string[] = [];
    const runner = startQueueRunner({
      name: 'crash',
      sqs: aws.clients.sqs,
      queueUrl: url,
      batchSize: 10,
      maxBatchingWindowSeconds: 0.3,
      visibilityTimeoutSeconds: 1,
      handler: async (event) => {
        if (calls++ === 0) throw new Error('crash');
        handled.push(...event.Records.map((r) => r.body));
        return { batchItemFailures: [] };
      },
    });
    await new Promise((r) => setTimeout(r, 300));
    await runner.idle();
    await runner.stop();
    expect(runner.stats().handlerErrors).toBe(1);
    expect(handled.sort()).toEqual(['a', 'b']);
  });

  it('deletes batches larger than SQS allows in one DeleteMessageBatch', async () => {
    const { url } = await queue('runner-large', 5);
    for (let i = 0; i < 15; i++)
      await aws.clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
    const sizes: number[] = [];
    const runner = startQueueRunner({
      name: 'large',
      sqs: aws.clients.sqs,
      queueUrl: url,
      batchSize: 15,
      maxBatchingWindowSeconds: 0.5,
      visibilityTimeoutSeconds: 30,
      handler: async (event) => {
        sizes.push(event.Records.length);
        return { batchItemFailures: [] };
      },
    });
    await new Promise((r) => setTimeout(r, 200));
    await runner.idle();
    await runner.stop();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(15);
    expect(Math.max(...sizes)).toBeGreaterThan(10);
    expect(runner.stats().processed).toBe(15);
  });
});
