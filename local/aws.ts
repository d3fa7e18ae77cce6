/**
 * fauxqs in-process: S3, SNS and SQS with the names, visibility timeouts and redrive policies
 * the CDK stack uses (shared/config/pipeline.ts), and SDK v3 clients pointed at it, which keep
 * the rules fauxqs leaves out (aws-rules.ts: fair-queue message groups, S3 conditional writes).
 * With a data directory fauxqs writes every change through to SQLite before it answers, so
 * queues, messages (in flight too) and objects survive a crash of the process.
 */
import { mkdirSync } from 'node:fs';
import { Server as HttpServer } from 'node:http';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityBatchCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { FauxqsServer } from 'fauxqs';
import { pipeline } from '#shared/config/pipeline.ts';
import { enforceConditionalWrites, keepMessageGroups } from './aws-rules.ts';
import { bindingTo, DEFAULT_LISTEN_HOST, guardHost, hostAllowed } from './loopback.ts';

export interface LocalAwsOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Interface to listen on; defaults to 127.0.0.1 (fauxqs itself would take every interface). */
  host?: string;
  /** More Host header names to answer besides loopback ones (`*`: any). */
  allowedHosts?: string[];
  /** Keeps queues, messages and objects here (SQLite); in memory when omitted. */
  dataDir?: string;
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
    noticesQueueUrl: string;
    noticesQueueArn: string;
    noticesDlqUrl: string;
  };
  /** Messages a previous run had received and not finished (0 without a data directory). */
  restoredInFlight: number;
  close(): Promise<void>;
}

const REGION = 'us-east-1';
/** SQS's longest retention: a dead letter stays two weeks for someone to look at it. */
const DLQ_RETENTION_SECONDS = String(14 * 24 * 3600);

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const startFauxqs = await loadFauxqs();
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const host = options.host ?? DEFAULT_LISTEN_HOST;
  const { result: server, servers } = await bindingTo(host, () =>
    startFauxqs({
      port: options.port ?? 0,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      logger: false,
      defaultRegion: REGION,
    }),
  );
  for (const bound of servers) {
    if (bound instanceof HttpServer)
      guardHost(bound, (h) => hostAllowed(h, host, options.allowedHosts ?? []));
  }
  try {
    const endpoint = server.address;
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const { clients, release } = localClients({ endpoint, region: REGION, credentials });
    const { intake } = pipeline.queues;
    const { intakeDlq, syncDlq, intakeQueue, syncQueue, noticesDlq, noticesQueue } = await pipelineQueues(
      server,
      clients.sqs,
    );
    // Topic, subscription and bucket creation are idempotent in fauxqs, as in AWS.
    const { topicArn } = server.createTopic(pipeline.topic.name);
    // Raw message delivery stays off, as in the CDK stack: the queue body is the SNS envelope.
    server.subscribe({ topic: pipeline.topic.name, queue: intake.name });
    server.createBucket(pipeline.bucket.name);
    const restoredInFlight = options.dataDir
      ? (await releaseInFlight(server, clients.sqs, intakeQueue)) +
        (await releaseInFlight(server, clients.sqs, syncQueue)) +
        (await releaseInFlight(server, clients.sqs, noticesQueue))
      : 0;
    if (options.dataDir) await releaseLeases(clients.s3, pipeline.bucket.name);
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
        noticesQueueUrl: noticesQueue.queueUrl,
        noticesQueueArn: noticesQueue.queueArn,
        noticesDlqUrl: noticesDlq.queueUrl,
      },
      restoredInFlight,
      close: async () => {
        if (closed) return;
        closed = true;
        for (const client of Object.values(clients)) client.destroy();
        release();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * The AWS SDK clients on the stand-in, with the rules fauxqs leaves out and the pipeline relies
 * on: fair-queue groups, conditional writes. `release` frees the conditional checks' connections.
 */
function localClients(common: {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}) {
  const clients = {
    s3: new S3Client({ ...common, forcePathStyle: true }),
    sqs: new SQSClient(common),
    sns: new SNSClient(common),
  };
  keepMessageGroups(clients.sqs);
  const release = enforceConditionalWrites(clients.s3, common.endpoint);
  return { clients, release };
}

/** The pipeline's queues and their DLQs, with the CDK stack's visibility timeouts and redrive policies. */
async function pipelineQueues(server: FauxqsServer, sqs: SQSClient) {
  const { intake, sync, notices } = pipeline.queues;
  const ensure = (name: string, attributes: Record<string, string>) =>
    ensureQueue(server, sqs, name, attributes);
  const dlq = (name: string) => ensure(name, { MessageRetentionPeriod: DLQ_RETENTION_SECONDS });
  const queue = (q: typeof intake | typeof sync | typeof notices, dlqArn: string) =>
    ensure(q.name, {
      VisibilityTimeout: String(q.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: q.maxReceiveCount }),
    });
  const intakeDlq = await dlq(intake.dlqName);
  const syncDlq = await dlq(sync.dlqName);
  const intakeQueue = await queue(intake, intakeDlq.queueArn);
  const syncQueue = await queue(sync, syncDlq.queueArn);
  const noticesDlq = await dlq(notices.dlqName);
  const noticesQueue = await queue(notices, noticesDlq.queueArn);
  return { intakeDlq, syncDlq, intakeQueue, syncQueue, noticesDlq, noticesQueue };
}

interface QueueRef {
  queueUrl: string;
  queueArn: string;
  queueName: string;
}

/**
 * Creates the queue, or keeps the one restored from the data directory with its messages
 * (fauxqs' createQueue would replace it, messages and all) and brings its settings up to date.
 */
async function ensureQueue(
  server: FauxqsServer,
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<QueueRef> {
  const existing = server.inspectQueue(name);
  if (!existing) return server.createQueue(name, { attributes });
  // The stored URL names the port of the run that created the queue; say this run's port.
  const url = new URL(existing.url);
  url.port = String(server.port);
  const queueUrl = url.toString();
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: attributes }));
  return { queueUrl, queueArn: existing.arn, queueName: name };
}

/**
 * Messages a crashed run had received are still in flight until their visibility timeout
 * (3 to 5 minutes). Nobody can be working on them any more, since this process is the only
 * consumer and has not started polling yet, so they come back after a second: the same
 * redelivery SQS would make, without the wait. (Not 0 s: fauxqs 2.4.1 cannot store a
 * visibility of 0 with a data directory; it writes NULL into a NOT NULL column.) Returns how
 * many there were.
 */
async function releaseInFlight(server: FauxqsServer, sqs: SQSClient, queue: QueueRef): Promise<number> {
  const handles = (server.inspectQueue(queue.queueName)?.messages.inflight ?? []).map((m) => m.receiptHandle);
  for (let i = 0; i < handles.length; i += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queue.queueUrl,
        Entries: handles
          .slice(i, i + 10)
          .map((h, j) => ({ Id: String(j), ReceiptHandle: h, VisibilityTimeout: 1 })),
      }),
    );
  }
  return handles.length;
}

/**
 * The sync stage's per-org write slots (S3 leases) that an earlier run on the same data directory
 * still held when it stopped: that run is gone (the data lock proves it), so its slots are freed
 * now rather than after the lease lapses, which would keep each of its orgs waiting for minutes.
 */
async function releaseLeases(s3: S3Client, bucket: string): Promise<void> {
  for (let token: string | undefined; ; ) {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: pipeline.keys.leases, ContinuationToken: token }),
    );
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length > 0)
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    token = page.NextContinuationToken;
    if (!page.IsTruncated || !token) return;
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
