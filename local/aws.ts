/**
 * fauxqs in-process: S3, SNS and SQS with the names, visibility timeouts and redrive policies
 * the CDK stack uses (shared/config/pipeline.ts), and SDK v3 clients pointed at it.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { pipeline } from '#shared/config/pipeline.ts';

export interface LocalAws {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  clients: { s3: S3Client; sqs: SQSClient; sns: SNSClient };
  resources: {
    bucket: string;
    topicArn: string;
    intakeQueueUrl: string;
    intakeQueueArn: string;
    intakeDlqUrl: string;
    syncQueueUrl: string;
    syncQueueArn: string;
    syncDlqUrl: string;
  };
  close(): Promise<void>;
}

export async function startLocalAws(options: { port?: number } = {}): Promise<LocalAws> {
  const region = 'us-east-1';
  const server = await startFauxqs({
    port: options.port ?? 0,
    logger: false,
    defaultRegion: region,
  } as Parameters<typeof startFauxqs>[0]);
  const { intake, sync } = pipeline.queues;
  const dlq = (name: string) =>
    server.createQueue(name, { attributes: { MessageRetentionPeriod: '1209600' } });
  const intakeDlq = dlq(intake.dlqName);
  const syncDlq = dlq(sync.dlqName);
  const queue = (q: typeof intake | typeof sync, dlqArn: string) =>
    server.createQueue(q.name, {
      attributes: {
        VisibilityTimeout: String(q.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: q.maxReceiveCount }),
      },
    });
  const intakeQueue = queue(intake, intakeDlq.queueArn);
  const syncQueue = queue(sync, syncDlq.queueArn);
  const { topicArn } = server.createTopic(pipeline.topic.name);
  // Raw message delivery stays off, as in the CDK stack: the queue body is the SNS envelope.
  server.subscribe({ topic: pipeline.topic.name, queue: intake.name });
  server.createBucket(pipeline.bucket.name);

  const endpoint = server.address;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const common = { endpoint, region, credentials };
  const clients = {
    s3: new S3Client({ ...common, forcePathStyle: true }),
    sqs: new SQSClient(common),
    sns: new SNSClient(common),
  };
  return {
    endpoint,
    region,
    credentials,
    clients,
    resources: {
      bucket: pipeline.bucket.name,
      topicArn,
      intakeQueueUrl: intakeQueue.queueUrl,
      intakeQueueArn: intakeQueue.queueArn,
      intakeDlqUrl: intakeDlq.queueUrl,
      syncQueueUrl: syncQueue.queueUrl,
      syncQueueArn: syncQueue.queueArn,
      syncDlqUrl: syncDlq.queueUrl,
    },
    close: async () => {
      for (const client of Object.values(clients)) client.destroy();
      await server.stop();
    },
  };
}
