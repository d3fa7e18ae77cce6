/**
 * fauxqs, in a thread of its own (aws-server.ts): S3, SNS and SQS with the names, visibility
 * timeouts and redrive policies the CDK stack uses (shared/config/pipeline.ts), and SDK v3 clients
 * pointed at it, which keep the rules fauxqs leaves out (aws-rules.ts: fair-queue message groups,
 * S3 conditional writes).
 * With a data directory fauxqs writes every change through to SQLite before it answers, so
 * queues, messages (in flight too) and objects survive a crash of the process.
 */
import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityBatchCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { pipeline } from '#shared/config/pipeline.ts';
import { describeError } from '#shared/errors.ts';
import { enforceConditionalWrites, keepMessageGroups } from './aws-rules.ts';
import type {
  AwsServerMessage,
  AwsServerOptions,
  AwsServerReady,
  AwsServerRequest,
  ServedQueue,
} from './aws-server.ts';
import { DEFAULT_LISTEN_HOST } from './loopback.ts';

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
    /** Each org's line: the parse function routes mail from the intake queue to it. */
    linesQueueUrl: string;
    linesQueueArn: string;
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

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const served = await serveAws({
    port: options.port ?? 0,
    host: options.host ?? DEFAULT_LISTEN_HOST,
    allowedHosts: options.allowedHosts ?? [],
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  const { ready } = served;
  const endpoint = ready.endpoint;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const { clients, release } = localClients({ endpoint, region: REGION, credentials });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const client of Object.values(clients)) client.destroy();
    release();
    await served.stop();
  };
  try {
    const { intakeDlq, syncDlq, intakeQueue, linesQueue, syncQueue, noticesDlq, noticesQueue } = ready.queues;
    for (const queue of Object.values(ready.queues)) await applyRestoredSettings(clients.sqs, queue);
    const restoredInFlight = options.dataDir
      ? (await releaseInFlight(clients.sqs, intakeQueue)) +
        (await releaseInFlight(clients.sqs, linesQueue)) +
        (await releaseInFlight(clients.sqs, syncQueue)) +
        (await releaseInFlight(clients.sqs, noticesQueue))
      : 0;
    if (options.dataDir) await releaseLeases(clients.s3, pipeline.bucket.name);
    return {
      endpoint,
      region: REGION,
      credentials,
      clients,
      resources: {
        bucket: pipeline.bucket.name,
        topicArn: ready.topicArn,
        intakeQueueUrl: intakeQueue.queueUrl,
        intakeQueueArn: intakeQueue.queueArn,
        linesQueueUrl: linesQueue.queueUrl,
        linesQueueArn: linesQueue.queueArn,
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
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The thread every stand-in of this process answers from (aws-server.ts), started on first use. */
let awsThread: { worker: Worker; waiting: Map<number, (message: AwsServerMessage) => void> } | null = null;
let nextServerId = 0;

function awsThreadAsk(request: AwsServerRequest, id: number): Promise<AwsServerMessage> {
  if (!awsThread) {
    const worker = new Worker(new URL('./aws-server.ts', import.meta.url));
    const thread = { worker, waiting: new Map<number, (message: AwsServerMessage) => void>() };
    worker.on('message', (message: AwsServerMessage) => {
      thread.waiting.get(message.id)?.(message);
      thread.waiting.delete(message.id);
      // A thread with nothing asked of it does not keep the process alive; the servers it runs
      // answer all the same.
      if (thread.waiting.size === 0) worker.unref();
    });
    // A thread that fails ends every server in it: whoever waits is told, and the next start
    // begins a new thread.
    let ended = false;
    const lost = (error: Error) => {
      if (ended) return; // an error is followed by the exit
      ended = true;
      if (awsThread === thread) awsThread = null;
      process.stderr.write(`[local aws] ${describeError(error)}\n`);
      for (const [waitingId, resolve] of thread.waiting)
        resolve({ id: waitingId, ok: false, error: error.message, code: null });
      thread.waiting.clear();
    };
    worker.on('error', lost);
    worker.on('exit', () => lost(new Error('the local AWS thread ended')));
    awsThread = thread;
  }
  const { worker, waiting } = awsThread;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    worker.ref();
    worker.postMessage(request);
  });
}

/**
 * Starts a fauxqs server in the stand-ins' thread and waits for its resources. `stop` stops the
 * server (fauxqs writes its data directory through before it answers).
 */
async function serveAws(
  options: AwsServerOptions,
): Promise<{ ready: AwsServerReady; stop: () => Promise<void> }> {
  const id = nextServerId++;
  const answer = await awsThreadAsk({ start: id, options }, id);
  if (!('ok' in answer) || !answer.ok) {
    const failed = 'error' in answer ? answer : { error: 'no answer', code: null };
    // The code (EADDRINUSE…) travels with it, so a port in use is told as such.
    throw Object.assign(new Error(`the local AWS stand-in did not start: ${failed.error}`), {
      ...(failed.code ? { code: failed.code } : {}),
    });
  }
  let stopping: Promise<void> | null = null;
  return {
    ready: answer,
    stop: () => {
      stopping ??= awsThreadAsk({ stop: id }, id).then(() => {});
      return stopping;
    },
  };
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

/** A queue restored from the data directory keeps its messages; its settings are this run's. */
async function applyRestoredSettings(sqs: SQSClient, queue: ServedQueue): Promise<void> {
  if (!queue.restored) return;
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queue.queueUrl, Attributes: queue.restored }));
}

/**
 * Messages a crashed run had received and not finished are still in flight until their visibility timeout
 * (3 to 5 minutes). Nobody can be working on them any more, since this process is the only
 * consumer and has not started polling yet, so they come back after a second: the same
 * redelivery SQS would make, without the wait. (Not 0 s: fauxqs 2.4.1 cannot store a
 * visibility of 0 with a data directory; it writes NULL into a NOT NULL column.) Returns how
 * many there were.
 */
async function releaseInFlight(sqs: SQSClient, queue: ServedQueue): Promise<number> {
  const handles = queue.inFlight;
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
