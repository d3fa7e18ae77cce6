/**
 * Feeds an SQS queue to a handler with Lambda's SQS event-source semantics:
 * - messages handed out as an SQS fair queue does, by MessageGroupId (held-messages.ts,
 *   fair-share.ts): one group's backlog or slow work does not hold up the other groups;
 * - batches of up to batchSize, gathered for at most maxBatchingWindowSeconds after the first
 *   message arrived (Lambda invokes sooner when the batch is full);
 * - records shaped like Lambda's SQSEvent records;
 * - records not named in `batchItemFailures` are deleted; named ones stay for redelivery after
 *   the visibility timeout, counted from when the batch was handed out (or after
 *   `failureBackoffSeconds`, if given);
 * - a handler that throws, times out, or names an itemIdentifier that is not in the batch fails
 *   the whole batch: nothing is deleted (that is what Lambda does with an invalid response);
 * - redrive to the DLQ after maxReceiveCount is done by the queue's RedrivePolicy on receive,
 *   in fauxqs exactly as in SQS, so the runner does not move messages itself.
 * Polls with 1 s long-polls; stop() cancels the idle polls, lets in-flight batches finish and
 * gives back the messages no batch took.
 * The batching window is measured on `windowClock` (real time by default); tests pass a fake
 * clock so that a window costs them no waiting.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { describeError } from '#shared/errors.ts';
import { type Held, HeldMessages } from './held-messages.ts';

/** What Lambda calls; returning nothing means every record succeeded. */
// biome-ignore lint/suspicious/noConfusingVoidType: a Lambda handler may return nothing at all
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined | void>;

/** What a batching window is measured with. */
export interface WindowClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: WindowClock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

export interface QueueRunnerOptions {
  /** The function's name: context.functionName and log prefix. */
  name: string;
  sqs: Pick<SQSClient, 'send'>;
  queueUrl: string;
  /** eventSourceARN of the records; read from the queue's attributes when omitted. */
  queueArn?: string;
  handler: SqsHandler;
  /** Lambda allows up to 10 000; SQS hands out 10 per receive, so larger batches take several. */
  batchSize: number;
  maxBatchingWindowSeconds: number;
  /** The clock of the batching window; real time when omitted. */
  windowClock?: WindowClock;
  /** Visibility timeout for received messages; the queue's own when omitted (shorter in tests). */
  visibilityTimeoutSeconds?: number;
  /** Failed records become visible again after this many seconds instead of the full timeout. */
  failureBackoffSeconds?: number;
  /** Parallel pollers, like Lambda's concurrent invocations. Default 1. */
  concurrency?: number;
  /** Function timeout: a handler still running after it fails its batch. Default 60. */
  timeoutSeconds?: number;
  /** Default us-east-1. */
  region?: string;
  /** Handler failures and polling errors; defaults to one line on stderr. */
  onError?: (error: unknown) => void;
}

export interface QueueRunnerStats {
  /** Handler invocations (batches). */
  invocations: number;
  /** Records that succeeded and were deleted. */
  processed: number;
  /** Records left for redelivery (partial failures plus every record of failed batches). */
  failedRecords: number;
  /** Invocations that threw, timed out or answered with an invalid batchItemFailures. */
  handlerErrors: number;
  /** Batches being handled right now. */
  inFlight: number;
}

export interface QueueRunner {
  /** Stops polling and waits for the batches in flight to finish and be deleted. */
  stop(): Promise<void>;
  /**
   * Resolves when the queue holds no message (visible, in flight or, unless `delayed` is false,
   * delayed) and no batch runs. A queue whose delayed messages are timers (the end of a notice
   * window, minutes away) is idle without them.
   */
  idle(options?: { delayed?: boolean }): Promise<void>;
  stats(): QueueRunnerStats;
}

/** Lambda's own ceiling; batches above 10 need several receives. */
const MAX_BATCH_SIZE = 10_000;
const POLL_WAIT_SECONDS = 1;

/** What Lambda's event source mapping would refuse in these options, one line each. */
function optionProblems(options: QueueRunnerOptions): string[] {
  return [
    !Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > MAX_BATCH_SIZE
      ? `batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}`
      : null,
    options.maxBatchingWindowSeconds < 0 || options.maxBatchingWindowSeconds > 300
      ? 'maxBatchingWindowSeconds must be from 0 to 300'
      : null,
    // Lambda's rule: batches above 10 need a batching window to fill them.
    options.batchSize > 10 && options.maxBatchingWindowSeconds <= 0
      ? 'a batchSize above 10 needs a maxBatchingWindowSeconds above 0'
      : null,
    (options.concurrency ?? 1) < 1 ? 'concurrency must be at least 1' : null,
  ].filter((p): p is string => p !== null);
}

/** A value asked of SQS once and kept; asked again next time when the request failed. */
function askedOnce<T>(known: T | undefined, ask: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | null = known !== undefined ? Promise.resolve(known) : null;
  return () => {
    value ??= ask().catch((error: unknown) => {
      value = null;
      throw error;
    });
    return value;
  };
}

export function startQueueRunner(options: QueueRunnerOptions): QueueRunner {
  const problems = optionProblems(options);
  if (problems.length > 0) throw new Error(`startQueueRunner(${options.name}): ${problems.join('; ')}`);
  return new Runner(options);
}

/** Pollers taking batches from the queue and invoking the handler with them, as Lambda's event source mapping does. */
class Runner implements QueueRunner {
  readonly #options: QueueRunnerOptions;
  readonly #region: string;
  readonly #timeoutMs: number;
  readonly #clock: WindowClock;
  readonly #onError: (error: unknown) => void;
  readonly #held: HeldMessages;
  readonly #stats = { invocations: 0, processed: 0, failedRecords: 0, handlerErrors: 0 };
  readonly #queueArn: () => Promise<string>;
  readonly #visibilityTimeout: () => Promise<number>;
  readonly #pollers: Promise<void>[];
  #running = true;
  #inFlight = 0;
  /** Settles when the poller gathering a batch has it. */
  #gathering: Promise<void> = Promise.resolve();

  constructor(options: QueueRunnerOptions) {
    this.#options = options;
    this.#region = options.region ?? 'us-east-1';
    this.#timeoutMs = (options.timeoutSeconds ?? 60) * 1000;
    this.#clock = options.windowClock ?? realClock;
    this.#onError =
      options.onError ??
      ((error: unknown) => process.stderr.write(`[runner ${options.name}] ${describeError(error)}\n`));
    this.#held = new HeldMessages({ sqs: options.sqs, queueUrl: options.queueUrl, onError: this.#onError });
    const attribute = (name: 'QueueArn' | 'VisibilityTimeout') =>
      options.sqs
        .send(new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: [name] }))
        .then((r) => r.Attributes?.[name]);
    this.#queueArn = askedOnce(
      options.queueArn,
      async () => (await attribute('QueueArn')) ?? arnOf(options.queueUrl, this.#region),
    );
    this.#visibilityTimeout = askedOnce(options.visibilityTimeoutSeconds, async () =>
      Number((await attribute('VisibilityTimeout')) ?? 30),
    );
    this.#held.start();
    this.#pollers = Array.from({ length: options.concurrency ?? 1 }, () => this.#poll());
  }

  stats(): QueueRunnerStats {
    return { ...this.#stats, inFlight: this.#inFlight };
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#held.stop();
    await Promise.all(this.#pollers);
  }

  async idle({ delayed = true }: { delayed?: boolean } = {}): Promise<void> {
    for (;;) {
      const waiting = await this.#waiting(delayed);
      if (waiting === 0 && this.#inFlight === 0) return;
      if (!this.#running && this.#inFlight === 0)
        throw new Error(
          `runner ${this.#options.name} is stopped with ${waiting} messages still in its queue`,
        );
      await sleep(50);
    }
  }

  /** Messages in the queue: visible, in flight and (unless `delayed` is false) delayed. */
  async #waiting(delayed: boolean): Promise<number> {
    const attrs = await this.#options.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.#options.queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const a = attrs.Attributes ?? {};
    return (
      Number(a.ApproximateNumberOfMessages ?? 0) +
      Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
      (delayed ? Number(a.ApproximateNumberOfMessagesDelayed ?? 0) : 0)
    );
  }

  async #poll(): Promise<void> {
    while (this.#running) {
      try {
        // One poller gathers at a time, as Lambda's poller fills one batch before it starts the
        // next: pollers gathering side by side would split the same mail into small batches.
        const turn = this.#gathering;
        let gathered = () => {};
        this.#gathering = new Promise<void>((resolve) => {
          gathered = resolve;
        });
        let batch: Held[] | null = null;
        try {
          await turn;
          const first = await this.#held.next(POLL_WAIT_SECONDS * 1000);
          // Counted from the first message so idle() and stop() see the batch while it gathers.
          if (first) {
            this.#inFlight++;
            batch = await this.#gather(first).catch((error: unknown) => {
              this.#inFlight--;
              throw error;
            });
          }
        } finally {
          gathered();
        }
        if (!batch) continue;
        try {
          await this.#run(batch);
        } finally {
          this.#inFlight--;
        }
      } catch (error) {
        if (!this.#running) return;
        this.#onError(error);
        await sleep(200);
      }
    }
  }

  /** A batch: `first` and what else arrives before the batching window ends or the batch is full. */
  async #gather(first: Held): Promise<Held[]> {
    const batch = [first];
    const deadline = this.#clock.now() + this.#options.maxBatchingWindowSeconds * 1000;
    while (batch.length < this.#options.batchSize) {
      const more = this.#held.takeNow();
      if (more) batch.push(more);
      else if (!this.#running || this.#clock.now() >= deadline) break;
      else await this.#clock.sleep(Math.min(50, Math.max(0, deadline - this.#clock.now())));
    }
    return batch;
  }

  async #run(batch: Held[]): Promise<void> {
    const started = Date.now();
    try {
      await this.#invoke(
        batch.map((h) => h.message),
        started,
      );
    } finally {
      const perRecord = (Date.now() - started) / batch.length;
      for (const h of batch) this.#held.done(h, perRecord);
    }
  }

  #context(started: number): Context {
    const { name } = this.#options;
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${this.#region}:000000000000:function:${name}`,
      memoryLimitInMB: '1024',
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `local/${name}`,
      getRemainingTimeInMillis: () => Math.max(0, this.#timeoutMs - (Date.now() - started)),
      done: () => {},
      fail: () => {},
      succeed: () => {},
    };
  }

  async #invoke(messages: Message[], handedOut: number): Promise<void> {
    const eventSourceARN = await this.#queueArn();
    const records = messages.map((m) => toRecord(m, eventSourceARN, this.#region));
    this.#stats.invocations++;
    let failed: Set<string>;
    try {
      const response = await withTimeout(
        this.#options.handler({ Records: records }, this.#context(handedOut)),
        this.#timeoutMs,
      );
      failed = failuresOf(response as SQSBatchResponse | undefined, records);
    } catch (error) {
      // Thrown, timed out or invalid response: the whole batch stays for redelivery.
      this.#stats.handlerErrors++;
      this.#stats.failedRecords += records.length;
      this.#onError(error);
      await this.#comeBack(messages, handedOut);
      return;
    }
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    this.#stats.failedRecords += messages.length - done.length;
    await this.#comeBack(
      messages.filter((m) => failed.has(m.MessageId ?? '')),
      handedOut,
    );
    await this.#delete(done);
  }

  /** Deletes the messages handled, ten per request (Lambda batches can be larger). */
  async #delete(done: Message[]): Promise<void> {
    for (let i = 0; i < done.length; i += 10) {
      const chunk = done.slice(i, i + 10);
      const result = await this.#options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#options.queueUrl,
          Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      this.#stats.processed += result.Successful?.length ?? 0;
      // A failed delete (e.g. the visibility timeout ran out) means the message comes back:
      // at-least-once delivery, as in Lambda.
      if (result.Failed?.length)
        this.#onError(
          new Error(`${result.Failed.length} deletes failed: ${result.Failed[0]?.Message ?? ''}`),
        );
    }
  }

  /**
   * Failed records come back when their visibility timeout, counted from when the batch was handed
   * out, has run (or after `failureBackoffSeconds`). A held message is received with a long
   * timeout of its own (held-messages.ts), so the rest of the function's is set here; a record
   * that succeeds is deleted and never needs it, which spares every batch a request.
   */
  async #comeBack(messages: Message[], handedOut: number): Promise<void> {
    if (messages.length === 0) return;
    const backOff = this.#options.failureBackoffSeconds;
    const seconds =
      backOff ?? Math.max(0, Math.ceil((await this.#visibilityTimeout()) - (Date.now() - handedOut) / 1000));
    await this.#held.setVisibility(messages, seconds).catch(this.#onError); // they come back later at worst
  }
}

/**
 * Lambda's reading of a partial batch response: an empty or missing list means every record
 * succeeded; an entry that is empty or names no record of the batch fails the whole batch.
 */
function failuresOf(response: SQSBatchResponse | undefined, records: SQSRecord[]): Set<string> {
  const failures = response?.batchItemFailures ?? [];
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const f of failures) {
    if (typeof f?.itemIdentifier !== 'string' || !ids.has(f.itemIdentifier))
      throw new Error(
        `invalid batchItemFailures entry ${JSON.stringify(f?.itemIdentifier)}: the whole batch is retried`,
      );
    failed.add(f.itemIdentifier);
  }
  return failed;
}

function toRecord(m: Message, eventSourceARN: string, awsRegion: string): SQSRecord {
  const a = m.Attributes ?? {};
  const now = String(Date.now());
  return {
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? now,
      SenderId: a.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? now,
      ...(a.AWSTraceHeader ? { AWSTraceHeader: a.AWSTraceHeader } : {}),
      ...(a.SequenceNumber ? { SequenceNumber: a.SequenceNumber } : {}),
      ...(a.MessageGroupId ? { MessageGroupId: a.MessageGroupId } : {}),
      ...(a.MessageDeduplicationId ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([name, v]) => [
        name,
        {
          ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
          // Lambda hands binary attributes over base64-encoded.
          ...(v.BinaryValue ? { binaryValue: Buffer.from(v.BinaryValue).toString('base64') } : {}),
          stringListValues: v.StringListValues ?? [],
          binaryListValues: (v.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
          dataType: v.DataType ?? 'String',
        },
      ]),
    ),
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion,
  };
}

/** The ARN SQS would give a queue URL `…/<account>/<name>`, used only if the queue cannot tell. */
function arnOf(queueUrl: string, region: string): string {
  const [account, name] = new URL(queueUrl).pathname.split('/').filter(Boolean).slice(-2);
  return `arn:aws:sqs:${region}:${account ?? '000000000000'}:${name ?? 'queue'}`;
}

class HandlerTimeout extends Error {
  constructor(ms: number) {
    super(`handler did not finish within ${ms} ms (function timeout): the whole batch is retried`);
    this.name = 'HandlerTimeout';
  }
}

/** Lambda would freeze the handler; here it keeps running, but its outcome no longer counts. */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HandlerTimeout(ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
