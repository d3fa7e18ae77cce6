import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TransientError } from '../errors.ts';
import type { DeadLetterQueue, MessageQueue } from '../ports/mail-store.ts';

/** SQS allows 10 message attributes; names and values are kept within these bounds. */
const MAX_ATTRIBUTES = 10;
const MAX_VALUE_CHARS = 1024;

export class SqsQueue implements MessageQueue, DeadLetterQueue {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;

  constructor(sqs: SQSClient, queueUrl: string) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
  }

  async send(body: unknown, attributes: Record<string, string> = {}): Promise<void> {
    await this.sendOriginal(JSON.stringify(body), attributes);
  }

  async sendOriginal(body: string, attributes: Record<string, string>): Promise<void> {
    const entries = Object.entries(attributes)
      .filter(([, v]) => v !== '')
      .slice(-MAX_ATTRIBUTES)
      .map(([k, v]) => [k, { DataType: 'String', StringValue: v.slice(0, MAX_VALUE_CHARS) }]);
    try {
      await this.#sqs.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: body,
          MessageAttributes: Object.fromEntries(entries),
        }),
      );
    } catch (error) {
      throw new TransientError('SQS_ERROR', `sending to ${this.#queueUrl} failed`, { cause: error });
    }
  }
}
