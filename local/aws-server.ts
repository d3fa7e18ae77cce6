/**
 * The thread fauxqs runs in (local/aws.ts starts it). In AWS, S3, SNS and SQS answer on their
 * own machines; in one thread with the pipeline, their side of every request (HTTP parsing,
 * routing, storage) would be charged to the functions being run and measured. Here they answer
 * from a thread of their own, over the same loopback HTTP as before.
 *
 * One thread serves every stand-in a process starts (tests start many), so fauxqs is loaded once.
 * For each `start` it creates what the CDK stack creates (queues with their visibility timeouts
 * and redrive policies, the topic and its subscription, the bucket) and reports it; `stop` stops
 * that server, and fauxqs writes its data directory through before it answers.
 */
import { Server as HttpServer } from 'node:http';
import { type MessagePort, parentPort } from 'node:worker_threads';
import type { FauxqsServer } from 'fauxqs';
import { pipeline } from '#shared/config/pipeline.ts';
import { bindingTo, guardHost, hostAllowed } from './loopback.ts';

export interface AwsServerOptions {
  port: number;
  host: string;
  allowedHosts: string[];
  dataDir?: string;
}

/** A queue as the stack needs it; `restored` when it came back from the data directory. */
export interface ServedQueue {
  queueUrl: string;
  queueArn: string;
  queueName: string;
  /** Settings to apply with SetQueueAttributes (a restored queue keeps its messages and old ones). */
  restored: Record<string, string> | null;
  /** Receipt handles of the messages a previous run had received and not finished. */
  inFlight: string[];
}

export type AwsServerReady = {
  ok: true;
  endpoint: string;
  topicArn: string;
  queues: Record<
    'intakeDlq' | 'syncDlq' | 'intakeQueue' | 'linesQueue' | 'syncQueue' | 'noticesDlq' | 'noticesQueue',
    ServedQueue
  >;
};

/** A failure to start, with the error's code (EADDRINUSE…) so the caller can say what to do. */
export type AwsServerFailure = { ok: false; error: string; code: string | null };

/** What the thread is asked: `id` names one server, chosen by the caller. */
export type AwsServerRequest = { start: number; options: AwsServerOptions } | { stop: number };

/** Its answers, each naming the server it is about. */
export type AwsServerMessage = { id: number } & (AwsServerReady | AwsServerFailure | { stopped: true });

/** SQS's longest retention: a dead letter stays two weeks for someone to look at it. */
const DLQ_RETENTION_SECONDS = String(14 * 24 * 3600);

async function serve(options: AwsServerOptions): Promise<FauxqsServer> {
  const startFauxqs = await loadFauxqs();
  const { result: server, servers } = await bindingTo(options.host, () =>
    startFauxqs({
      port: options.port,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      logger: false,
      defaultRegion: 'us-east-1',
    }),
  );
  for (const bound of servers) {
    if (bound instanceof HttpServer)
      guardHost(bound, (h) => hostAllowed(h, options.host, options.allowedHosts));
  }
  return server;
}

/** The pipeline's queues and their DLQs, with the CDK stack's visibility timeouts and redrive policies. */
function pipelineQueues(server: FauxqsServer): AwsServerReady['queues'] {
  const { intake, lines, sync, notices } = pipeline.queues;
  const dlq = (name: string) => ensureQueue(server, name, { MessageRetentionPeriod: DLQ_RETENTION_SECONDS });
  const queue = (q: typeof intake | typeof lines | typeof sync | typeof notices, dlqArn: string) =>
    ensureQueue(server, q.name, {
      VisibilityTimeout: String(q.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: q.maxReceiveCount }),
    });
  const intakeDlq = dlq(intake.dlqName);
  const syncDlq = dlq(sync.dlqName);
  const noticesDlq = dlq(notices.dlqName);
  return {
    intakeDlq,
    syncDlq,
    noticesDlq,
    intakeQueue: queue(intake, intakeDlq.queueArn),
    // The org lines redrive into the intake DLQ, as in the CDK stack.
    linesQueue: queue(lines, intakeDlq.queueArn),
    syncQueue: queue(sync, syncDlq.queueArn),
    noticesQueue: queue(notices, noticesDlq.queueArn),
  };
}

/**
 * Creates the queue, or keeps the one restored from the data directory with its messages
 * (fauxqs' createQueue would replace it, messages and all); its settings are then brought up
 * to date by the caller.
 */
function ensureQueue(server: FauxqsServer, name: string, attributes: Record<string, string>): ServedQueue {
  const existing = server.inspectQueue(name);
  if (!existing) return { ...server.createQueue(name, { attributes }), restored: null, inFlight: [] };
  // The stored URL names the port of the run that created the queue; say this run's port.
  const url = new URL(existing.url);
  url.port = String(server.port);
  return {
    queueUrl: url.toString(),
    queueArn: existing.arn,
    queueName: name,
    restored: attributes,
    inFlight: existing.messages.inflight.map((m) => m.receiptHandle),
  };
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

function failure(error: unknown): AwsServerFailure {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return {
    ok: false,
    error: error instanceof Error ? error.message : String(error),
    code: typeof code === 'string' ? code : null,
  };
}

/** A server up with the pipeline's resources, or why not (the server, if any, stopped again). */
async function start(options: AwsServerOptions): Promise<{ server: FauxqsServer; ready: AwsServerReady }> {
  const server = await serve(options);
  try {
    const queues = pipelineQueues(server);
    // Topic, subscription and bucket creation are idempotent in fauxqs, as in AWS.
    const { topicArn } = server.createTopic(pipeline.topic.name);
    // Raw message delivery stays off, as in the CDK stack: the queue body is the SNS envelope.
    server.subscribe({ topic: pipeline.topic.name, queue: pipeline.queues.intake.name });
    server.createBucket(pipeline.bucket.name);
    return { server, ready: { ok: true, endpoint: server.address, topicArn, queues } };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

function answerRequests(port: MessagePort): void {
  const servers = new Map<number, FauxqsServer>();
  const answer = (message: AwsServerMessage) => port.postMessage(message);
  port.on('message', (request: AwsServerRequest) => {
    if ('start' in request) {
      const id = request.start;
      start(request.options).then(
        ({ server, ready }) => {
          servers.set(id, server);
          answer({ id, ...ready });
        },
        (error: unknown) => answer({ id, ...failure(error) }),
      );
    } else {
      const id = request.stop;
      const server = servers.get(id);
      servers.delete(id);
      void (server?.stop() ?? Promise.resolve()).finally(() => answer({ id, stopped: true }));
    }
  });
}

if (parentPort) answerRequests(parentPort);
