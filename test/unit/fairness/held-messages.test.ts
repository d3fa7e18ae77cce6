/** The local runner's held messages: setting visibility for many at once. */
import type { ChangeMessageVisibilityBatchCommand, Message, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { HeldMessages } from '#local/held-messages.ts';

const messages = (n: number): Message[] =>
  Array.from({ length: n }, (_, i) => ({ MessageId: `m${i}`, ReceiptHandle: `h${i}`, Body: 'x' }));

describe('held messages', () => {
  it('sets visibility ten per request, and one failed request keeps none of the others from being made', async () => {
    const requests: string[][] = [];
    const sqs = {
      send: (async (command: ChangeMessageVisibilityBatchCommand) => {
        const handles = (command.input.Entries ?? []).map((e) => e.ReceiptHandle ?? '');
        requests.push(handles);
        if (requests.length === 1) throw new Error('first request refused');
        return { Successful: [], Failed: [] };
      }) as unknown as SQSClient['send'],
    };
    const held = new HeldMessages({ sqs, queueUrl: 'http://q.example/000000000000/q', onError: () => {} });
    await expect(held.setVisibility(messages(25), 7)).rejects.toThrow('first request refused');
    expect(requests.map((r) => r.length)).toEqual([10, 10, 5]);
    expect(requests.flat()).toEqual(messages(25).map((m) => m.ReceiptHandle));
  });
});
