/**
 * What stands in for SQS's fair queues in front of fauxqs (which hands out a standard queue's
 * messages strictly in order): the runner receives every visible message as soon as it is there,
 * holds it out of sight, and hands it to its pollers in the order a fair queue would (FairShare),
 * by each message's MessageGroupId. A message's visibility timeout counts from when a poller takes
 * it, as from a receive from SQS: a record that fails is given the rest of it then (runner.ts), one
 * that succeeds is deleted, so no request is made for it in between. While held it stays in
 * flight, so the queue counts it as work, and a crash gives it back like any unfinished receive.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { FairShare } from './fair-share.ts';

/** How long a held message stays out of sight before it is handed out (SQS's longest, 12 h). */
const HOLD_SECONDS = 12 * 3600;
/** Messages held at most; beyond it the rest wait in the queue. */
const MAX_HELD = 20_000;
const POLL_WAIT_SECONDS = 1;

export interface Held {
  message: Message;
  group: string;
}

export interface HeldMessagesOptions {
  sqs: Pick<SQSClient, 'send'>;
  queueUrl: string;
  onError: (error: unknown) => void;
  now?: () => number;
}

export class HeldMessages {
  readonly #options: HeldMessagesOptions;
  readonly #fair: FairShare<Message>;
  readonly #stopping = new AbortController();
  #waiters: (() => void)[] = [];
  #fetching: Promise<void> | null = null;

  constructor(options: HeldMessagesOptions) {
    this.#options = options;
    this.#fair = new FairShare<Message>(options.now ? { now: options.now } : {});
  }

  /** Starts receiving: every visible message is held for the pollers. */
  start(): void {
    this.#fetching ??= this.#fetch();
  }

  /** The next message a fair queue would hand out, waiting up to `waitMs` for one. */
  async next(waitMs: number): Promise<Held | null> {
    const now = this.takeNow();
    if (now || waitMs <= 0 || this.#stopping.signal.aborted) return now;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, waitMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#waiters.push(done);
    });
    return this.takeNow();
  }

  takeNow(): Held | null {
    const taken = this.#fair.take();
    return taken && { message: taken.message, group: taken.group };
  }

  /**
   * Sets the messages' visibility timeout (their own receipt handles), ten per request. A request
   * that fails does not keep the others from being made; the first failure is thrown at the end.
   */
  async setVisibility(messages: Message[], seconds: number): Promise<void> {
    let failure: unknown = null;
    for (let i = 0; i < messages.length; i += 10) {
      await this.#options.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.#options.queueUrl,
            Entries: messages.slice(i, i + 10).map((m, j) => ({
              Id: String(j),
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: seconds,
            })),
          }),
        )
        .catch((error: unknown) => {
          failure ??= error;
        });
    }
    if (failure !== null) throw failure;
  }

  /** A handed-out message is finished after `processingMs`: its group's share is updated. */
  done(held: Held, processingMs: number): void {
    this.#fair.done(held.group, processingMs);
  }

  /** Stops receiving; held messages not handed out go back to the queue. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    for (const wake of this.#waiters.splice(0)) wake();
    await this.#fetching;
    // fauxqs with a data directory cannot store a visibility of 0; a restart gives them back then.
    await this.setVisibility(this.#fair.drain(), 0).catch(() => {});
  }

  async #fetch(): Promise<void> {
    const signal = this.#stopping.signal;
    while (!signal.aborted) {
      try {
        if (this.#fair.size >= MAX_HELD) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const response = await this.#options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#options.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: POLL_WAIT_SECONDS,
            VisibilityTimeout: HOLD_SECONDS,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: signal },
        );
        const received = response.Messages ?? [];
        for (const m of received) this.#fair.add(m, m.Attributes?.MessageGroupId);
        if (received.length > 0) for (const wake of this.#waiters.splice(0)) wake();
      } catch (error) {
        if (signal.aborted) return;
        this.#options.onError(error);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}
