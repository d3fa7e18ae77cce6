/**
 * The notices' seams in the two stages, with in-memory stores: replies to a reply address in the
 * parse stage (only the proven rep acts; everyone else is rejected and hears nothing), endings
 * the parse stage queues (quarantine), and the sync stage's report of each email's end.
 */
import { describe, expect, it } from 'vitest';
import type { CapturedEmail } from '#shared/domain/captured-email.ts';
import type { SesNotification } from '#shared/events/ses-notification.ts';
import type { SyncMessage } from '#shared/events/sync-message.ts';
import { captureMessage, type ParseMessage } from '#shared/usecases/capture-message.ts';
import { reportSyncEnding } from '#shared/usecases/report-ending.ts';
import type { EmailSyncResult } from '#shared/usecases/salesforce-writes.ts';
import { syncStage } from '#shared/usecases/sync-stage.ts';
import { MemoryMailStore, MemoryQueue, queueRecord, silentLogger } from '../../support/memory-stores.ts';
import { MemoryNoticeQueue, MemoryNoticeStore } from '../../support/notices.ts';
import { testRegistry } from '../../support/registry.ts';
import { email } from '../sync/support.ts';

const registry = testRegistry({
  acme: {
    notices: { adminEmails: ['admin@acme.example'] },
    orderNumbers: { patterns: ['\\bORD-\\d{5,8}\\b'] },
  },
});
const TOKEN = 'abcdefghijklmnopqrstuvwx';
const REPLY = `reply.${TOKEN}@capture.example.com`;
const REP = 'alice@acme.example';

function notification(recipients: string[], verdicts: Record<string, string> = {}): SesNotification {
  const status = (name: string) => ({ status: verdicts[name] ?? 'PASS' });
  return {
    notificationType: 'Received',
    mail: {
      timestamp: '2026-03-02T08:00:00Z',
      source: 'alice@acme.example',
      messageId: 'ses-reply',
      destination: recipients,
      commonHeaders: {
        from: ['Alice Rep <alice@acme.example>'],
        subject: 'Re: Not logged',
        messageId: '<r1@acme.example>',
      },
    },
    receipt: {
      recipients,
      spamVerdict: status('spam'),
      virusVerdict: status('virus'),
      spfVerdict: status('spf'),
      dkimVerdict: status('dkim'),
      dmarcVerdict: status('dmarc'),
      action: { type: 'S3', bucketName: 'b', objectKey: 'raw/ses-reply' },
    },
  } as SesNotification;
}

/** A pending unresolved mail, its reply address, and a parse stage whose MIME reader returns `reply`. */
function setup(reply: CapturedEmail | null) {
  const mail = new MemoryMailStore();
  mail.raw.set('raw/ses-reply', Buffer.from('x'));
  const original = email({ mode: 'bcc', to: ['Nobody <nobody@unknown.example>'], subject: 'Quote' });
  mail.parsed.set('parsed/acme/ses-orig.json', original);
  mail.unresolved.set('acme/ses-orig', {
    orgId: 'acme',
    sesMessageId: 'ses-orig',
    parsedKey: 'parsed/acme/ses-orig.json',
  });
  const replies = new MemoryNoticeStore();
  replies.replies.set(TOKEN, {
    orgId: 'acme',
    sesMessageId: 'ses-orig',
    parsedKey: 'parsed/acme/ses-orig.json',
    rep: REP,
    subject: 'Quote',
    messageId: '<m1@acme.example>',
    createdAt: '2026-03-02T07:55:00Z',
  });
  const syncQueue = new MemoryQueue();
  const noticeQueue = new MemoryNoticeQueue();
  const parse: ParseMessage = async (_raw, request) => ({ ...(reply ?? email()), capture: request.capture });
  const deps = {
    registry,
    mail,
    outcomes: mail,
    syncQueue,
    parse,
    logger: silentLogger,
    notices: { queue: noticeQueue, replies },
  };
  return { mail, syncQueue, noticeQueue, deps };
}

const replyFrom = (from: string, text: string, extra: Partial<CapturedEmail> = {}) => ({
  ...email({
    from,
    to: [REPLY],
    subject: 'Re: Not logged in Salesforce: Quote',
    messageId: '<r1@acme.example>',
    text,
  }),
  ...extra,
});

describe('a reply to a notice (parse stage)', () => {
  it('from the rep, naming an order: replays the mail there and is not logged itself', async () => {
    const { deps, mail, syncQueue, noticeQueue } = setup(
      replyFrom(`Alice <${REP}>`, 'ORD-10042\n\n> quoted'),
    );
    const results = await captureMessage(notification([REPLY]), deps);
    expect(results).toEqual([{ orgId: 'acme', result: 'excluded', reason: 'notice-reply' }]);
    expect(syncQueue.messages.map((m) => m.body)).toEqual([
      {
        version: 1,
        orgId: 'acme',
        sesMessageId: 'ses-orig',
        parsedKey: 'parsed/acme/ses-orig.json',
        messageId: '<m1@acme.example>',
      },
    ]);
    // In the org's message group, as the parse stage sends mail: shared out fairly with other orgs'.
    expect(syncQueue.messages[0]?.options).toEqual({ groupId: 'acme' });
    const fixed = mail.parsed.get('parsed/acme/ses-orig.json');
    expect(fixed?.capture?.target).toBe('ORD-10042');
    expect(fixed?.resolution).toMatchObject({ by: REP, what: 'ORD-10042', whoId: null, whoEmail: null });
    expect(mail.unresolved.size).toBe(0);
    expect(mail.outcomes.get('acme/ses-reply')).toMatchObject({
      outcome: 'excluded',
      reason: 'notice-reply',
      messageId: '<r1@acme.example>',
    });
    expect(noticeQueue.messages).toEqual([]);
  });

  it('from anyone else changes nothing, answers nothing, and is rejected / reply-not-from-sender', async () => {
    const cases: { from: string; verdicts: Record<string, string> }[] = [
      { from: 'Mallory <mallory@globex.example>', verdicts: {} },
      // A colleague of the rep, proven: still not the rep the notice went to.
      { from: 'Bob <bob@acme.example>', verdicts: {} },
      // The rep's address, unproven: no DMARC, SPF or DKIM pass for it.
      { from: `Alice <${REP}>`, verdicts: { dmarc: 'GRAY', spf: 'FAIL', dkim: 'FAIL' } },
      // The rep's address, forged: DMARC says so before the mail is read.
      { from: `Alice <${REP}>`, verdicts: { dmarc: 'FAIL' } },
    ];
    for (const { from, verdicts } of cases) {
      const { deps, mail, syncQueue, noticeQueue } = setup(replyFrom(from, 'ORD-10042'));
      const results = await captureMessage(notification([REPLY], verdicts), deps);
      expect(results, from).toEqual([{ orgId: 'acme', result: 'rejected', reason: 'reply-not-from-sender' }]);
      expect(syncQueue.messages, from).toEqual([]);
      expect(noticeQueue.messages, from).toEqual([]);
      expect(mail.unresolved.size, from).toBe(1);
      expect(mail.parsed.get('parsed/acme/ses-orig.json')?.resolution, from).toBeUndefined();
    }
  });

  it('that is an auto-reply (an out-of-office to the notice) is rejected as one, unanswered', async () => {
    const { deps, noticeQueue, syncQueue } = setup(
      replyFrom(`Alice <${REP}>`, 'I am away', { kind: 'auto-reply' }),
    );
    expect(await captureMessage(notification([REPLY]), deps)).toEqual([
      { orgId: 'acme', result: 'rejected', reason: 'auto-reply' },
    ]);
    expect(noticeQueue.messages).toEqual([]);
    expect(syncQueue.messages).toEqual([]);
  });

  it('saying stop stops the rep’s notices', async () => {
    const { deps, noticeQueue } = setup(replyFrom(`Alice <${REP}>`, 'Stop'));
    expect(await captureMessage(notification([REPLY]), deps)).toEqual([
      { orgId: 'acme', result: 'excluded', reason: 'notice-reply-stop' },
    ]);
    expect(noticeQueue.take()).toEqual([{ type: 'stop', rep: REP, orgId: 'acme' }]);
  });

  it('naming nothing gets a short answer the rep can reply to again', async () => {
    const { deps, noticeQueue, mail } = setup(replyFrom(`Alice <${REP}>`, 'Not sure, sorry'));
    expect(await captureMessage(notification([REPLY]), deps)).toEqual([
      { orgId: 'acme', result: 'rejected', reason: 'reply-not-understood' },
    ]);
    expect(noticeQueue.take()).toEqual([
      expect.objectContaining({ type: 'answer', rep: REP, answer: 'unreadable', replyTo: REPLY }),
    ]);
    expect(mail.unresolved.size).toBe(1);
  });

  it('for mail no longer waiting is answered so, and a reply address nobody made is rejected', async () => {
    const a = setup(replyFrom(`Alice <${REP}>`, 'ORD-10042'));
    a.mail.unresolved.clear();
    expect(await captureMessage(notification([REPLY]), a.deps)).toEqual([
      { orgId: 'acme', result: 'rejected', reason: 'reply-expired' },
    ]);
    expect(a.noticeQueue.take()).toEqual([expect.objectContaining({ type: 'answer', answer: 'expired' })]);

    const b = setup(replyFrom(`Alice <${REP}>`, 'ORD-10042'));
    const unknown = 'reply.zzzzzzzzzzzzzzzzzzzzzzzz@capture.example.com';
    expect(await captureMessage(notification([unknown]), b.deps)).toEqual([
      { orgId: null, result: 'rejected', reason: 'unknown-reply-address' },
    ]);
    expect(b.noticeQueue.messages).toEqual([]);
  });
});

describe('endings the parse stage reports', () => {
  it('tells a proven BCC rep their mail was quarantined; a forward address’s sender never', async () => {
    const bcc = setup(null);
    await captureMessage(
      notification(['acme-k7q2m9x4p8w3@capture.example.com'], { virus: 'FAIL' }),
      bcc.deps,
    );
    expect(bcc.noticeQueue.take()).toEqual([
      expect.objectContaining({
        type: 'ending',
        outcome: 'quarantined',
        reason: 'virus',
        notice: 'quarantined',
        rep: REP,
        digest: 'quarantined',
      }),
    ]);
    const forward = setup(null);
    await captureMessage(
      notification(['acme-inbox-3n8v5t2r6y1z@capture.example.com'], { virus: 'FAIL' }),
      forward.deps,
    );
    expect(forward.noticeQueue.take()).toEqual([
      expect.objectContaining({
        type: 'ending',
        outcome: 'quarantined',
        notice: null,
        rep: null,
        digest: 'quarantined',
      }),
    ]);
  });

  it('puts unproven BCC senders in the digest only, and queues nothing for rejected mail', async () => {
    const unproven = setup(email({ mode: 'bcc' }));
    await captureMessage(
      notification(['acme-k7q2m9x4p8w3@capture.example.com'], { dmarc: 'GRAY', spf: 'FAIL', dkim: 'FAIL' }),
      unproven.deps,
    );
    expect(unproven.noticeQueue.take()).toEqual([
      expect.objectContaining({
        reason: 'sender-not-authenticated',
        notice: null,
        rep: null,
        digest: 'quarantined',
      }),
    ]);
    const outsider = setup(email({ mode: 'bcc', from: 'Mallory <mallory@globex.example>' }));
    await captureMessage(notification(['acme-k7q2m9x4p8w3@capture.example.com']), outsider.deps);
    expect(outsider.noticeQueue.messages).toEqual([]);
  });
});

describe('the sync stage’s report', () => {
  const org = registry.orgs[0]!;
  const message = (id: string, mail: CapturedEmail): SyncMessage => ({
    version: 1,
    orgId: 'acme',
    sesMessageId: id,
    parsedKey: `parsed/acme/${id}.json`,
    messageId: mail.messageId,
    email: mail,
  });

  it('hears each email’s end once settled: unresolved, created, a failure still retried', async () => {
    const store = new MemoryMailStore();
    const noticeQueue = new MemoryNoticeQueue();
    const mails = [email({ subject: 'A' }), email({ subject: 'B' }), email({ subject: 'C' })];
    const results: EmailSyncResult[] = [
      { captureId: 'a', outcome: 'unmatched', reason: 'no-contact-or-lead' },
      { captureId: 'b', outcome: 'created', taskId: '00T1' },
      {
        captureId: 'c',
        outcome: 'failed',
        reason: 'UNABLE_TO_LOCK_ROW',
        code: 'UNABLE_TO_LOCK_ROW',
        retryable: true,
      },
    ];
    await syncStage(
      mails.map((m, i) => queueRecord(`q${i}`, message(`ses-${i}`, m))),
      {
        registry,
        mail: store,
        outcomes: store,
        deadLetterQueue: new MemoryQueue(),
        logger: silentLogger,
        maxReceiveCount: 5,
        syncOrgBatch: async () => results,
        onEnding: (ending) => reportSyncEnding({ noticeQueue, logger: silentLogger }, ending),
      },
    );
    expect(noticeQueue.take()).toEqual([
      expect.objectContaining({
        type: 'ending',
        sesMessageId: 'ses-0',
        subject: 'A',
        notice: 'unresolved',
        rep: REP,
        digest: 'unresolved',
        parsedKey: 'parsed/acme/ses-0.json',
      }),
    ]);
    expect(store.unresolved.get('acme/ses-0')).toBeDefined();
  });

  it('tells of a failure once it is dead-lettered', async () => {
    const noticeQueue = new MemoryNoticeQueue();
    const mail = email({ subject: 'D' });
    await reportSyncEnding(
      { noticeQueue, logger: silentLogger },
      {
        org,
        email: mail,
        message: message('ses-9', mail),
        result: {
          captureId: 'd',
          outcome: 'failed',
          reason: 'INVALID_FIELD',
          code: 'INVALID_FIELD',
          retryable: false,
        },
        settled: true,
      },
    );
    expect(noticeQueue.take()).toEqual([
      expect.objectContaining({
        notice: 'failed',
        digest: 'failed',
        reason: 'INVALID_FIELD',
        parsedKey: null,
      }),
    ]);
  });
});
