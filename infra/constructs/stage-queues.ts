import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { pipeline } from '#shared/config/pipeline.ts';

type QueueSettings = (typeof pipeline.queues)[keyof typeof pipeline.queues];

/** A stage's queue and its DLQ: encrypted, TLS only, redrive after maxReceiveCount, DLQ kept 14 days. */
export function stageQueues(
  scope: Construct,
  settings: QueueSettings,
): { queue: Queue; deadLetterQueue: Queue } {
  const deadLetterQueue = new Queue(scope, 'Dlq', {
    queueName: settings.dlqName,
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  return { queue: stageQueue(scope, 'Queue', settings, deadLetterQueue), deadLetterQueue };
}

/** A stage's queue redriving into `deadLetterQueue` after maxReceiveCount: encrypted, TLS only. */
export function stageQueue(
  scope: Construct,
  id: string,
  settings: QueueSettings,
  deadLetterQueue: Queue,
): Queue {
  return new Queue(scope, id, {
    queueName: settings.name,
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
  });
}
