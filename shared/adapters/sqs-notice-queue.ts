/** The notices queue on SQS, with per-message delays (SQS allows 0 to 900 seconds). */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TransientError } from '../errors.ts';
import type { NoticeQueue } from '../ports/notice-store.ts';

export const MAX_DELAY_SECONDS = 900;

export class SqsNoticeQueue implements NoticeQueue {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;

  constructor(sqs: SQSClient, queueUrl: string) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
  }

  async send(body: unknown, options: { delaySeconds?: number } = {}): Promise<void> {
    const delay = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(options.delaySeconds ?? 0)));
    try {
      await this.#sqs.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: JSON.stringify(body),
          ...(delay > 0 ? { DelaySeconds: delay } : {}),
        }),
      );
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      throw new TransientError('SQS_ERROR', `sending to the notices queue failed (${name})`, {
        cause: error,
      });
    }
  }
}
