import {
  type BatchResultErrorEntry,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { PermanentError, TransientError } from '../errors.ts';
import { inGroups } from '../grouping.ts';
import type { DeadLetterQueue, MessageQueue, SendOptions } from '../ports/mail-store.ts';

/** SQS allows 10 message attributes; names and values are kept within these bounds. */
const MAX_ATTRIBUTES = 10;
const MAX_VALUE_CHARS = 1024;
/** SendMessageBatch: at most 10 entries (SQS API Reference, SendMessageBatch). */
const MAX_BATCH_ENTRIES = 10;
/**
 * Bytes of bodies and attributes in one SendMessageBatch. SQS now allows 1 MiB; the older 256 KiB
 * is kept so a queue created with a smaller MaximumMessageSize, or an older endpoint, accepts it.
 */
const MAX_BATCH_BYTES = 256 * 1024;

export interface SqsQueueOptions {
  /**
   * Sends made within this many milliseconds of the first go out together in one SendMessageBatch
   * (each send still resolves or fails on its own). 0, the default: every send is its own request.
   */
  lingerMs?: number;
}

interface Entry {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  bytes: number;
  /** MessageGroupId and DelaySeconds, when given. */
  options: { MessageGroupId?: string; DelaySeconds?: number };
}

interface Waiting extends Entry {
  resolve: () => void;
  reject: (error: Error) => void;
}

export class SqsQueue implements MessageQueue, DeadLetterQueue {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #lingerMs: number;
  #waiting: Waiting[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(sqs: SQSClient, queueUrl: string, options: SqsQueueOptions = {}) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
    this.#lingerMs = options.lingerMs ?? 0;
  }

  send(body: unknown, attributes: Record<string, string> = {}, options: SendOptions = {}): Promise<void> {
    return this.#enqueue(toEntry(sqsSafeJson(body), attributes, options));
  }

  /** A body as it is (a DLQ keeps the failed message unchanged), batched as `send` is. */
  sendOriginal(body: string, attributes: Record<string, string>, options: SendOptions = {}): Promise<void> {
    return this.#enqueue(toEntry(body, attributes, options));
  }

  #enqueue(entry: Entry): Promise<void> {
    if (this.#lingerMs <= 0) return this.#sendOne(entry);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ ...entry, resolve, reject });
      if (this.#waiting.length >= MAX_BATCH_ENTRIES) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.#lingerMs);
    });
  }

  async #sendOne(entry: Entry): Promise<void> {
    try {
      await this.#sqs.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: entry.body,
          MessageAttributes: entry.attributes,
          ...entry.options,
        }),
      );
    } catch (error) {
      throw new TransientError('SQS_ERROR', `sending to ${this.#queueUrl} failed`, { cause: error });
    }
  }

  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const waiting = this.#waiting;
    this.#waiting = [];
    const groups = inGroups(waiting, {
      maxItems: MAX_BATCH_ENTRIES,
      maxWeight: MAX_BATCH_BYTES,
      weight: (e) => e.bytes,
    });
    for (const group of groups) void this.#sendBatch(group);
  }

  /** One SendMessageBatch; each entry's promise settles with its own result. */
  async #sendBatch(group: Waiting[]): Promise<void> {
    if (group.length === 1) {
      const [only] = group as [Waiting];
      await this.#sendOne(only).then(only.resolve, only.reject);
      return;
    }
    let failed: BatchResultErrorEntry[] | undefined;
    try {
      const response = await this.#sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: group.map((e, i) => ({
            Id: String(i),
            MessageBody: e.body,
            MessageAttributes: e.attributes,
            ...e.options,
          })),
        }),
      );
      failed = response.Failed;
    } catch (error) {
      const failure = new TransientError('SQS_ERROR', `sending to ${this.#queueUrl} failed`, {
        cause: error,
      });
      for (const e of group) e.reject(failure);
      return;
    }
    const failures = new Map((failed ?? []).map((f) => [f.Id, f]));
    for (const [i, e] of group.entries()) {
      const f = failures.get(String(i));
      if (!f) e.resolve();
      else e.reject(entryError(this.#queueUrl, f));
    }
  }
}

/** A refused entry: the sender's fault (its content) will not pass on a retry; SQS's own may. */
function entryError(queueUrl: string, f: BatchResultErrorEntry): Error {
  const message = `sending to ${queueUrl} failed: ${f.Code ?? 'error'}: ${f.Message ?? ''}`.trim();
  return f.SenderFault
    ? new PermanentError(f.Code ?? 'SQS_ENTRY_REFUSED', message)
    : new TransientError(f.Code ?? 'SQS_ERROR', message);
}

/** SQS: a MessageGroupId is 1 to 128 letters, digits and punctuation. */
const GROUP_ID = /^[\x21-\x7e]{1,128}$/;

function toEntry(body: string, attributes: Record<string, string>, options: SendOptions): Entry {
  if (options.groupId !== undefined && !GROUP_ID.test(options.groupId))
    throw new PermanentError('INVALID_GROUP_ID', 'a message group id is 1 to 128 printable ASCII characters');
  const sendOptions = {
    ...(options.groupId !== undefined ? { MessageGroupId: options.groupId } : {}),
    ...(options.delaySeconds !== undefined
      ? { DelaySeconds: Math.min(900, Math.max(0, Math.round(options.delaySeconds))) }
      : {}),
  };
  const entries = Object.entries(attributes)
    .filter(([, v]) => v !== '')
    .slice(-MAX_ATTRIBUTES)
    .map(([k, v]): [string, MessageAttributeValue] => [
      k,
      { DataType: 'String', StringValue: v.slice(0, MAX_VALUE_CHARS) },
    ]);
  const bytes =
    Buffer.byteLength(body) +
    entries.reduce((n, [k, v]) => n + Buffer.byteLength(k) + 6 + Buffer.byteLength(v.StringValue ?? ''), 0);
  return { body, attributes: Object.fromEntries(entries), bytes, options: sendOptions };
}

/**
 * JSON that SQS accepts as a message body. SQS takes #x9, #xA, #xD, #x20–#xD7FF and #xE000–#xFFFD;
 * JSON.stringify already escapes control characters and lone surrogates, but leaves U+FFFE and
 * U+FFFF (which hostile mail can hold) as they are: those are escaped too, and read back the same.
 */
export function sqsSafeJson(body: unknown): string {
  return JSON.stringify(body).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}
