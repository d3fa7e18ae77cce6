/**
 * fauxqs with a data directory: a second start on the same directory finds the objects and
 * messages of the first, hands back what the first had received and not finished, and
 * keeps one subscription (the pipeline is wired once, not once per start).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListSubscriptionsByTopicCommand, PublishCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '#local/aws.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'capture-aws-'));
const open: LocalAws[] = [];
afterAll(async () => {
  for (const aws of open) await aws.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<LocalAws> {
  const aws = await startLocalAws({ dataDir });
  open.push(aws);
  return aws;
}

async function receive(aws: LocalAws, waitSeconds: number) {
  const r = await aws.clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: aws.resources.intakeQueueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: waitSeconds,
    }),
  );
  return r.Messages ?? [];
}

describe('local AWS with a data directory', () => {
  it('keeps objects and messages, in flight ones included, across a restart', async () => {
    const first = await start();
    expect(first.restoredInFlight).toBe(0);
    const { bucket, topicArn } = first.resources;
    await first.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'raw/kept', Body: 'mail' }));
    for (const n of ['taken', 'waiting'])
      await first.clients.sns.send(new PublishCommand({ TopicArn: topicArn, Message: n }));
    // One message is received (in flight, with the queue's 3-minute visibility) and never deleted.
    const taken = await first.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: first.resources.intakeQueueUrl, MaxNumberOfMessages: 1 }),
    );
    expect(taken.Messages).toHaveLength(1);
    await first.close();

    const second = await start();
    expect(second.restoredInFlight).toBe(1);
    const body = await second.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'raw/kept' }));
    expect(await body.Body?.transformToString()).toBe('mail');
    const bodies: string[] = [];
    while (bodies.length < 2) {
      for (const m of await receive(second, 2)) bodies.push(JSON.parse(m.Body ?? '{}').Message);
    }
    expect(bodies.sort()).toEqual(['taken', 'waiting']);
    const subs = await second.clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(subs.Subscriptions).toHaveLength(1);
    // The queue URL names this run's port, and the queue keeps its redrive policy.
    expect(new URL(second.resources.intakeQueueUrl).port).toBe(new URL(second.endpoint).port);
    const attrs = await second.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: second.resources.intakeQueueUrl, AttributeNames: ['All'] }),
    );
    expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? '{}').deadLetterTargetArn).toBe(
      second.resources.intakeDlqArn,
    );
    await second.close();
  });
});
