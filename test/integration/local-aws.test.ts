/**
 * fauxqs in a thread of its own: the pipeline's resources exist with the settings the CDK stack
 * gives them, and it answers while the functions' thread is busy.
 */

import { spawnSync } from 'node:child_process';
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '#local/aws.ts';
import { pipeline } from '#shared/config/pipeline.ts';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.close();
});

async function attributes(url: string) {
  const r = await aws.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
  );
  return r.Attributes ?? {};
}

describe('local AWS (fauxqs)', () => {
  it('answers from a thread of its own, while the thread that started it is blocked', async () => {
    await aws.clients.s3.send(
      new PutObjectCommand({ Bucket: aws.resources.bucket, Key: 'thread/probe', Body: 'here' }),
    );
    // spawnSync blocks this thread until the child ends: an in-thread S3 could not answer it.
    const url = `${aws.endpoint}/${aws.resources.bucket}/thread/probe`;
    const child = spawnSync(
      process.execPath,
      ['-e', `fetch(${JSON.stringify(url)}).then(async (r) => process.stdout.write(await r.text()))`],
      { encoding: 'utf8', timeout: 15_000 },
    );
    expect(child.signal).toBeNull();
    expect(child.stdout).toBe('here');
  });

  it('creates the parse and sync queues with the visibility timeout and redrive policy of shared/config/pipeline.ts', async () => {
    const { resources } = aws;
    for (const [url, arn, dlqUrl, dlqArn, q] of [
      [
        resources.intakeQueueUrl,
        resources.intakeQueueArn,
        resources.intakeDlqUrl,
        resources.intakeDlqArn,
        pipeline.queues.intake,
      ],
      // The org lines dead-letter into the intake DLQ, as in the CDK stack.
      [
        resources.linesQueueUrl,
        resources.linesQueueArn,
        resources.intakeDlqUrl,
        resources.intakeDlqArn,
        pipeline.queues.lines,
      ],
      [
        resources.syncQueueUrl,
        resources.syncQueueArn,
        resources.syncDlqUrl,
        resources.syncDlqArn,
        pipeline.queues.sync,
      ],
    ] as const) {
      const attrs = await attributes(url);
      expect(attrs.QueueArn).toBe(arn);
      expect(arn).toMatch(new RegExp(`:${q.name}$`));
      expect(attrs.VisibilityTimeout).toBe(String(q.visibilityTimeoutSeconds));
      expect(JSON.parse(attrs.RedrivePolicy ?? '{}')).toEqual({
        deadLetterTargetArn: dlqArn,
        maxReceiveCount: q.maxReceiveCount,
      });
      const dlq = await attributes(dlqUrl);
      expect(dlq.QueueArn).toBe(dlqArn);
      expect(dlqArn).toMatch(new RegExp(`:${q.dlqName}$`));
      expect(dlq.MessageRetentionPeriod).toBe(String(14 * 24 * 3600));
      expect(dlq.RedrivePolicy).toBeUndefined();
    }
  });

  it('subscribes the intake queue to the topic without raw delivery, so bodies are SNS envelopes', async () => {
    const subs = await aws.clients.sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: aws.resources.topicArn }),
    );
    expect(subs.Subscriptions?.map((s) => [s.Protocol, s.Endpoint])).toEqual([
      ['sqs', aws.resources.intakeQueueArn],
    ]);
    const sub = await aws.clients.sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: subs.Subscriptions![0]!.SubscriptionArn }),
    );
    expect(sub.Attributes?.RawMessageDelivery ?? 'false').toBe('false');

    await aws.clients.sns.send(new PublishCommand({ TopicArn: aws.resources.topicArn, Message: '{"x":1}' }));
    const r = await aws.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: aws.resources.intakeQueueUrl, WaitTimeSeconds: 2 }),
    );
    expect(r.Messages).toHaveLength(1);
    expect(JSON.parse(r.Messages![0]!.Body!)).toMatchObject({
      Type: 'Notification',
      TopicArn: aws.resources.topicArn,
      Message: '{"x":1}',
    });
  });

  it('creates the mail bucket, reachable with path-style addressing', async () => {
    expect(aws.resources.bucket).toBe(pipeline.bucket.name);
    await aws.clients.s3.send(new HeadBucketCommand({ Bucket: aws.resources.bucket }));
    await aws.clients.s3.send(
      new PutObjectCommand({ Bucket: aws.resources.bucket, Key: 'raw/probe', Body: 'probe' }),
    );
    const got = await aws.clients.s3.send(
      new GetObjectCommand({ Bucket: aws.resources.bucket, Key: 'raw/probe' }),
    );
    expect(await got.Body!.transformToString()).toBe('probe');
  });

  it('runs side by side with another instance on its own port, and closes twice without harm', async () => {
    const other = await startLocalAws({ port: 0 });
    expect(other.endpoint).not.toBe(aws.endpoint);
    expect(other.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(other.region).toBe('us-east-1');
    const otherAttrs = await other.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: other.resources.syncQueueUrl, AttributeNames: ['QueueArn'] }),
    );
    expect(otherAttrs.Attributes?.QueueArn).toBe(other.resources.syncQueueArn);
    await other.close();
    await other.close();
  });
});
