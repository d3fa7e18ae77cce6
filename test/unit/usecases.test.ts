import { describe, expect, it } from 'vitest';
import type { CapturedEmail } from '#shared/domain/captured-email.ts';
import { failed } from '#shared/domain/sync/mail-result.ts';
import { TransientError } from '#shared/errors.ts';
import type { SesNotification } from '#shared/events/ses-notification.ts';
import type { SyncMessage } from '#shared/events/sync-message.ts';
import { captureMessage, type ParseMessage } from '#shared/usecases/capture-message.ts';
import type { EmailSyncResult } from '#shared/usecases/salesforce-writes.ts';
import { syncStage } from '#shared/usecases/sync-stage.ts';
import { MemoryMailStore, MemoryQueue, queueRecord, silentLogger } from '../support/memory-stores.ts';
import { testRegistry } from '../support/registry.ts';

/** When SES received the test mail (the SES notification's timestamp). */
const RECEIVED_AT = '2026-01-01T00:00:00.000Z';

const registry = testRegistry({ domain: 'acme.com' });

function notification(
  recipients: string[],
  verdicts: Partial<Record<'spam' | 'virus' | 'dmarc', string>> = {},
) {
  return {
    notificationType: 'Received',
    mail: {
      timestamp: RECEIVED_AT,
      source: 'alice@acme.com',
      messageId: 'ses-1',
      destination: recipients,
    },
    receipt: {
      recipients,
      spamVerdict: { status: verdicts.spam ?? 'PASS' },
      virusVerdict: { status: verdicts.virus ?? 'PASS' },
      dmarcVerdict: { status: verdicts.dmarc ?? 'PASS' },
      action: { type: 'S3', bucketName: 'b', objectKey: 'raw/ses-1' },
    },
  } as SesNotification;
}

function captured(partial: Partial<CapturedEmail> = {}): CapturedEmail {
  return {
    schemaVersion: 1,
    messageId: '<m1@acme.com>',
    subject: 'Order ORD-12345',
    date: '2026-01-01T00:00:00.000Z',
    from: { address: 'alice@acme.com', name: 'Alice' },
    sender: null,
    replyTo: [],
    to: [{ address: 'buyer@customer.com', name: 'Buyer' }],
    cc: [],
    bcc: [],
    inReplyTo: null,
    references: [],
    forwarded: null,
    orderNumbers: ['ORD-12345'],
    kind: 'normal',
    attachments: [],
    warnings: [],
    text: 'hello',
    textTruncated: false,
    participants: [],
    direction: 'outbound',
    envelope: null,
    capture: null,
    excluded: null,
    size: 100,
    ...partial,
  };
}

function setup(email: CapturedEmail | Error) {
  const mail = new MemoryMailStore();
  mail.raw.set('raw/ses-1', Buffer.from('From: alice@acme.com\r\n\r\nhi'));
  const syncQueue = new MemoryQueue();
  const calls: Parameters<ParseMessage>[1][] = [];
  const parse: ParseMessage = async (_raw, request) => {
    calls.push(request);
    if (email instanceof Error) throw email;
    return { ...email, capture: request.capture };
  };
  return {
    mail,
    syncQueue,
    calls,
    deps: { registry, mail, outcomes: mail, syncQueue, parse, logger: silentLogger },
  };
}

describe('captureMessage', () => {
  it('hands an allowed message to the sync stage with its org context', async () => {
    const { deps, syncQueue, mail, calls } = setup(captured());
    const result = await captureMessage(notification(['acme-k7q2m9x4p8w3+ORD-1@capture.example.com']), deps);
    expect(result).toEqual([{ orgId: 'acme', result: 'queued', reason: null }]);
    expect(calls[0]?.capture).toEqual({
      orgId: 'acme',
      address: 'acme-k7q2m9x4p8w3+ord-1@capture.example.com',
      mode: 'bcc',
      target: 'ORD-1',
    });
    // A small email rides in the message instead of S3; the message still names its parsed/ key.
    expect(syncQueue.messages[0]?.body).toEqual({
      version: 1,
      orgId: 'acme',
      sesMessageId: 'ses-1',
      parsedKey: 'parsed/acme/ses-1.json',
      messageId: '<m1@acme.com>',
      receivedAt: RECEIVED_AT,
      email: expect.objectContaining({ subject: 'Order ORD-12345', capture: calls[0]?.capture }),
    });
    // In its org's message group (SQS fair queues).
    expect(syncQueue.messages[0]?.options).toEqual({ groupId: 'acme' });
    expect(mail.parsed.size).toBe(0);
    expect(mail.outcomes.size).toBe(0);
  });

  it('sends only the pointer for an email over the inline limit', async () => {
    const { deps, syncQueue, mail } = setup(captured({ text: 'x'.repeat(70 * 1024) }));
    await captureMessage(notification(['acme-k7q2m9x4p8w3@capture.example.com']), deps);
    const body = syncQueue.messages[0]?.body as Record<string, unknown>;
    expect(body).not.toHaveProperty('email');
    expect(body.parsedKey).toBe('parsed/acme/ses-1.json');
    expect(mail.parsed.get('parsed/acme/ses-1.json')?.text).toHaveLength(70 * 1024);
  });

  it('records a rejection for unknown tokens without reading the message', async () => {
    const { deps, syncQueue, mail, calls } = setup(captured());
    await captureMessage(notification(['acme-nottherealtoken@capture.example.com']), deps);
    expect(calls).toHaveLength(0);
    expect(syncQueue.messages).toHaveLength(0);
    expect(mail.outcomes.get('null/ses-1')).toMatchObject({ outcome: 'rejected', reason: 'unknown-token' });
  });

  it('quarantines virus verdicts and rejects outsiders on bcc addresses', async () => {
    const a = setup(captured());
    await captureMessage(notification(['acme-k7q2m9x4p8w3@capture.example.com'], { virus: 'FAIL' }), a.deps);
    expect(a.mail.outcomes.get('acme/ses-1')).toMatchObject({ outcome: 'quarantined', reason: 'virus' });

    const b = setup(captured({ from: { address: 'mallory@evil.com', name: '' } }));
    await captureMessage(notification(['acme-k7q2m9x4p8w3@capture.example.com']), b.deps);
    expect(b.mail.outcomes.get('acme/ses-1')).toMatchObject({
      outcome: 'rejected',
      reason: 'sender-not-allowed',
    });
    expect(b.syncQueue.messages).toHaveLength(0);
  });

  it('records auto-replies and privacy exclusions as outcomes', async () => {
    const a = setup(captured({ kind: 'auto-reply' }));
    await captureMessage(notification(['acme-inbox-3n8v5t2r6y1z@capture.example.com']), a.deps);
    expect(a.mail.outcomes.get('acme/ses-1')).toMatchObject({ outcome: 'rejected', reason: 'auto-reply' });

    const b = setup(captured({ excluded: { reason: 'private-tag' } }));
    await captureMessage(notification(['acme-inbox-3n8v5t2r6y1z@capture.example.com']), b.deps);
    expect(b.mail.outcomes.get('acme/ses-1')).toMatchObject({ outcome: 'excluded', reason: 'private-tag' });
  });

  it('lets transient failures propagate so the queue retries', async () => {
    const { deps } = setup(new TransientError('S3_ERROR', 'slow down'));
    await expect(
      captureMessage(notification(['acme-inbox-3n8v5t2r6y1z@capture.example.com']), deps),
    ).rejects.toBeInstanceOf(TransientError);
  });
});

describe('syncMessages', () => {
  function pointer(sesMessageId: string): SyncMessage {
    return {
      version: 1,
      orgId: 'acme',
      sesMessageId,
      parsedKey: `parsed/acme/${sesMessageId}.json`,
      messageId: null,
    };
  }

  it('syncs one batch per org and records one outcome per message', async () => {
    const mail = new MemoryMailStore();
    for (const id of ['s1', 's2', 's3', 's4']) await mail.putParsed(`parsed/acme/${id}.json`, captured());
    const batches: number[] = [];
    const results: EmailSyncResult[] = [
      { captureId: 'c1', outcome: 'created', taskId: '00T000000000001AAA' },
      { captureId: 'c2', outcome: 'unmatched', reason: 'no-contact' },
      failed('c3', 'UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access', true),
      failed('c4', 'STRING_TOO_LONG', 'Subject: data value too large', false),
    ];
    const dlq = new MemoryQueue();
    const statuses = await syncStage(
      [
        queueRecord('q1', pointer('s1')),
        queueRecord('q2', pointer('s2')),
        queueRecord('q3', pointer('s3')),
        queueRecord('q4', pointer('s4')),
        queueRecord('q5', pointer('s1')), // redelivered copy of s1
      ],
      {
        registry,
        mail,
        outcomes: mail,
        deadLetterQueue: dlq,
        maxReceiveCount: 5,
        logger: silentLogger,
        syncOrgBatch: async (_org, emails) => {
          batches.push(emails.length);
          return results.slice(0, emails.length);
        },
      },
    );
    expect(batches).toEqual([4]);
    expect(Object.fromEntries(statuses)).toEqual({
      q1: 'done',
      q2: 'done',
      q3: 'retry',
      q4: 'done',
      q5: 'done',
    });
    // The failure no retry can fix is dead-lettered with its original body and recorded as failed.
    expect(dlq.messages).toEqual([
      {
        body: JSON.stringify(pointer('s4')),
        attributes: expect.objectContaining({
          'capture.stage': 'sync',
          'capture.reason': 'STRING_TOO_LONG: Subject: data value too large',
        }),
      },
    ]);
    expect(mail.outcomes.get('acme/s4')).toMatchObject({
      outcome: 'failed',
      retryable: false,
      stage: 'sync',
    });
    expect(mail.outcomes.get('acme/s1')).toMatchObject({ outcome: 'created', taskId: '00T000000000001AAA' });
    expect(mail.unresolved.has('acme/s2')).toBe(true);
    expect(mail.outcomes.get('acme/s3')).toMatchObject({ outcome: 'failed', retryable: true });
  });

  it('keeps the first created outcome when a redelivery finds its Task (duplicate)', async () => {
    const mail = new MemoryMailStore();
    await mail.putParsed('parsed/acme/s1.json', captured());
    const run = (result: EmailSyncResult) =>
      syncStage([queueRecord('q1', pointer('s1'))], {
        registry,
        mail,
        outcomes: mail,
        deadLetterQueue: new MemoryQueue(),
        maxReceiveCount: 5,
        logger: silentLogger,
        syncOrgBatch: async () => [result],
      });
    await run({ captureId: 'c1', outcome: 'created', taskId: '00T000000000001AAA' });
    const again = await run({
      captureId: 'c1',
      outcome: 'duplicate',
      taskId: '00T000000000001AAA',
      reason: 'already-in-salesforce',
    });
    expect(again.get('q1')).toBe('done');
    expect(mail.outcomes.get('acme/s1')).toMatchObject({ outcome: 'created', taskId: '00T000000000001AAA' });
  });

  it('syncs the email a message carries without reading S3, and reads S3 when the copy does not validate', async () => {
    const mail = new MemoryMailStore();
    await mail.putParsed('parsed/acme/s2.json', captured({ subject: 'from S3' }));
    const reads: string[] = [];
    const getParsed = mail.getParsed.bind(mail);
    mail.getParsed = async (key) => {
      reads.push(key);
      return getParsed(key);
    };
    const subjects: (string | null)[] = [];
    await syncStage(
      [
        // s1 exists only inline: S3 has no copy, so reading it would fail the message.
        queueRecord('q1', { ...pointer('s1'), email: captured({ subject: 'carried' }) }),
        queueRecord('q2', { ...pointer('s2'), email: { schemaVersion: 1, subject: 42 } }),
      ],
      {
        registry,
        mail,
        outcomes: mail,
        deadLetterQueue: new MemoryQueue(),
        maxReceiveCount: 5,
        logger: silentLogger,
        syncOrgBatch: async (_org, emails) => {
          subjects.push(...emails.map((e) => e.subject));
          return emails.map((_e, i) => ({
            captureId: `c${i}`,
            outcome: 'created' as const,
            taskId: '00T000000000001AAA',
          }));
        },
      },
    );
    expect(subjects.sort()).toEqual(['carried', 'from S3']);
    expect(reads).toEqual(['parsed/acme/s2.json']);
    expect(mail.outcomes.get('acme/s1')).toMatchObject({ outcome: 'created' });
  });

  it('writes a carried email to its parsed/ key when it ends unresolved, for the re-link', async () => {
    const mail = new MemoryMailStore();
    const message = { ...pointer('s9'), email: captured({ subject: 'nobody known' }) };
    await syncStage([queueRecord('q1', message)], {
      registry,
      mail,
      outcomes: mail,
      deadLetterQueue: new MemoryQueue(),
      maxReceiveCount: 5,
      logger: silentLogger,
      syncOrgBatch: async () => [{ captureId: 'c9', outcome: 'unmatched', reason: 'no-contact' }],
    });
    expect(mail.unresolved.get('acme/s9')).toEqual({
      orgId: 'acme',
      sesMessageId: 's9',
      parsedKey: 'parsed/acme/s9.json',
    });
    expect(mail.parsed.get('parsed/acme/s9.json')?.subject).toBe('nobody known');
  });

  it('dead-letters a pointer whose CapturedEmail is gone', async () => {
    const mail = new MemoryMailStore();
    const dlq = new MemoryQueue();
    const statuses = await syncStage([queueRecord('q1', pointer('missing'))], {
      registry,
      mail,
      outcomes: mail,
      deadLetterQueue: dlq,
      maxReceiveCount: 5,
      logger: silentLogger,
      syncOrgBatch: async () => [],
    });
    expect(statuses.get('q1')).toBe('done');
    expect(dlq.messages).toHaveLength(1);
    expect(mail.outcomes.get('acme/missing')).toMatchObject({ outcome: 'failed', retryable: false });
  });

  it('retries a retryable failure until the last receive, then dead-letters it as retryable', async () => {
    const mail = new MemoryMailStore();
    await mail.putParsed('parsed/acme/s1.json', captured());
    const dlq = new MemoryQueue();
    const deps = {
      registry,
      mail,
      outcomes: mail,
      deadLetterQueue: dlq,
      maxReceiveCount: 3,
      logger: silentLogger,
      syncOrgBatch: async () => [
        failed('c1', 'UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access', true),
      ],
    };
    expect((await syncStage([queueRecord('q1', pointer('s1'), 2)], deps)).get('q1')).toBe('retry');
    expect(dlq.messages).toEqual([]);
    expect((await syncStage([queueRecord('q1', pointer('s1'), 3)], deps)).get('q1')).toBe('done');
    expect(dlq.messages).toHaveLength(1);
    expect(mail.outcomes.get('acme/s1')).toMatchObject({ outcome: 'failed', retryable: true });
  });

  it('dead-letters a body that is not a sync pointer, without an outcome', async () => {
    const mail = new MemoryMailStore();
    const dlq = new MemoryQueue();
    const statuses = await syncStage([queueRecord('q1', 'not json')], {
      registry,
      mail,
      outcomes: mail,
      deadLetterQueue: dlq,
      maxReceiveCount: 5,
      logger: silentLogger,
      syncOrgBatch: async () => [],
    });
    expect(statuses.get('q1')).toBe('done');
    expect(dlq.messages[0]).toMatchObject({
      body: 'not json',
      attributes: { 'capture.reason': 'invalid queue message' },
    });
    expect(mail.outcomes.size).toBe(0);
  });
});
