/**
 * fauxqs in-process: S3, SNS and SQS with the names, visibility timeouts and redrive policies
 * the CDK stack uses (shared/config/pipeline.ts), and SDK v3 clients pointed at it.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { pipeline } from '#shared/config/pipeline.ts';

export interface LocalAwsOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
}

export interface LocalAws {
  /** http://127.0.0.1:<port>, for SDK clients built elsewhere. */
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Clients pointed at fauxqs; S3 with path-style addressing. Destroyed by close(). */
  clients: { s3: S3Client; sqs: SQSClient; sns: SNSClient };
  resources: {
    bucket: string;
    topicArn: string;
    intakeQueueUrl: string;
    intakeQueueArn: string;
    intakeDlqUrl: string;
    intakeDlqArn: string;
    syncQueueUrl: string;
    syncQueueArn: string;
    syncDlqUrl: string;
    syncDlqArn: string;
  };
  close(): Promise<void>;
}

const REGION = 'us-east-1';
/** SQS's longest retention: a dead letter stays two weeks for someone to look at it. */
const DLQ_RETENTION_SECONDS = String(14 * 24 * 3600);

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const startFauxqs = await loadFauxqs();
  const server = await startFauxqs({
    port: options.port ?? 0,
    ...(options.host ? { host: options.host } : {}),
    logger: false,
    defaultRegion: REGION,
  });
  try {
    const { intake, sync } = pipeline.queues;
    const dlq = (name: string) =>
      server.createQueue(name, { attributes: { MessageRetentionPeriod: DLQ_RETENTION_SECONDS } });
    const queue = (q: typeof intake | typeof sync, dlqArn: string) =>
      server.createQueue(q.name, {
        attributes: {
          VisibilityTimeout: String(q.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: q.maxReceiveCount }),
        },
      });
    const intakeDlq = dlq(intake.dlqName);
    const syncDlq = dlq(sync.dlqName);
    const intakeQueue = queue(intake, intakeDlq.queueArn);
    const syncQueue = queue(sync, syncDlq.queueArn);
    const { topicArn } = server.createTopic(pipeline.topic.name);
    // Raw message delivery stays off, as in the CDK stack: the queue body is the SNS envelope.
    server.subscribe({ topic: pipeline.topic.name, queue: intake.name });
    server.createBucket(pipeline.bucket.name);

    const endpoint = server.address;
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const common = { endpoint, region: REGION, credentials };
    const clients = {
      s3: new S3Client({ ...common, forcePathStyle: true }),
      sqs: new SQSClient(common),
      sns: new SNSClient(common),
    };
    let closed = false;
    return {
      endpoint,
      region: REGION,
      credentials,
      clients,
      resources: {
        bucket: pipeline.bucket.name,
        topicArn,
        intakeQueueUrl: intakeQueue.queueUrl,
        intakeQueueArn: intakeQueue.queueArn,
        intakeDlqUrl: intakeDlq.queueUrl,
        intakeDlqArn: intakeDlq.queueArn,
        syncQueueUrl: syncQueue.queueUrl,
        syncQueueArn: syncQueue.queueArn,
        syncDlqUrl: syncDlq.queueUrl,
        syncDlqArn: syncDlq.queueArn,
      },
      close: async () => {
        if (closed) return;
        closed = true;
        for (const client of Object.values(clients)) client.destroy();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * fauxqs keeps its state in node:sqlite, whose first import prints an ExperimentalWarning on
 * every `npm start`; that one warning is dropped, every other warning still shows.
 */
async function loadFauxqs(): Promise<typeof import('fauxqs').startFauxqs> {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return (await import('fauxqs')).startFauxqs;
  } finally {
    process.emitWarning = emitWarning;
  }
}
