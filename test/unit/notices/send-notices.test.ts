/**
 * The notices function's use case with in-memory stores and a fake clock: what a notice carries,
 * the rate limit and its folded digest, answers never held, `stop`, bounces and complaints, and
 * the admin digest at its hour (through the handler, as the schedule invokes it).
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { createNoticesHandler } from '#functions/notices/handler.ts';
import { replyTokenOf } from '#shared/domain/notices/reply-address.ts';
import type { EndingMessage } from '#shared/events/notice-message.ts';
import { handleNoticeBody, type NoticesDeps, sendDigests } from '#shared/usecases/send-notices.ts';
import { MemoryMailStore, silentLogger } from '../../support/memory-stores.ts';
import {
  countingBytes,
  fakeClock,
  MemoryNoticeQueue,
  MemoryNoticeStore,
  MemoryOutbound,
} from '../../support/notices.ts';
import { testRegistry } from '../../support/registry.ts';

const registry = testRegistry({
  domain: 'acme.example',
  acme: { notices: { adminEmails: ['admin@acme.example', 'it@acme.example'], digestHour: 8 } },
  orgs: [
    {
      id: 'globex',
      internalDomains: ['globex.example'],
      defaultOwnerEmail: 'ops@globex.example',
      addresses: [{ token: 'globex-a8s7d6f5g4h3', mode: 'bcc' }],
      notices: { adminEmails: ['admin@globex.example'], digestHour: 17 },
    },
  ],
});
const REP = 'alice@acme.example';
const MINUTE = 60_000;

let store: MemoryNoticeStore;
let mail: MemoryMailStore;
let queue: MemoryNoticeQueue;
let outbound: MemoryOutbound;
let clock: ReturnType<typeof fakeClock>;
let deps: NoticesDeps;

beforeEach(() => {
  store = new MemoryNoticeStore();
  mail = new MemoryMailStore();
  queue = new MemoryNoticeQueue();
  outbound = new MemoryOutbound();
  clock = fakeClock('2026-03-02T07:55:00.000Z');
  deps = {
    registry,
    store,
    mail,
    outbound,
    queue,
    logger: silentLogger,
    now: clock.now,
    windowSeconds: 600,
    randomBytes: countingBytes(),
  };
});

let n = 0;
function ending(partial: Partial<EndingMessage> = {}): string {
  n++;
  const message: EndingMessage = {
    type: 'ending',
    orgId: 'acme',
    sesMessageId: `ses-${n}`,
    messageId: `<m${n}@acme.example>`,
    subject: `Quote ${n}`,
    date: 'Mon, 2 Mar 2026 07:50:00 +0000',
    outcome: 'unmatched',
    reason: 'no-contact-or-lead',
    mode: 'bcc',
    rep: REP,
    notice: 'unresolved',
    answer: false,
    digest: 'unresolved',
    cutShort: [],
    taskId: null,
    parsedKey: `parsed/acme/ses-${n}.json`,
    resolution: null,
    at: clock.now().toISOString(),
    ...partial,
  };
  // Unresolved mail waits under unresolved/ (the sync stage put it there).
  if (message.digest === 'unresolved')
    mail.unresolved.set(`${message.orgId}/${message.sesMessageId}`, {
      orgId: message.orgId,
      sesMessageId: message.sesMessageId,
      parsedKey: `parsed/${message.orgId}/${message.sesMessageId}.json`,
    });
  return JSON.stringify(message);
}

describe('a notice to the rep', () => {
  it('goes to the rep alone, marked auto-replied, threaded, with a reply address for that mail', async () => {
    await handleNoticeBody(ending(), deps);
    expect(outbound.sent).toHaveLength(1);
    const [notice] = outbound.sent;
    expect(notice?.to).toEqual([REP]);
    expect(notice?.from).toBe('Capture <notices@capture.example.com>');
    expect(notice?.headers['Auto-Submitted']).toBe('auto-replied');
    expect(notice?.inReplyTo).toBe(`<m${n}@acme.example>`);
    expect(notice?.subject).toBe(`Not logged in Salesforce: Quote ${n}`);
    expect(notice?.text).toContain('nobody it was sent to or received from is a Contact or Lead');
    expect(notice?.text).toContain('reply with one of these on the first line');
    const token = replyTokenOf(notice?.replyTo ?? '', 'capture.example.com');
    expect(token).not.toBeNull();
    expect(store.replies.get(token ?? '')).toMatchObject({
      orgId: 'acme',
      sesMessageId: `ses-${n}`,
      parsedKey: `parsed/acme/ses-${n}.json`,
      rep: REP,
    });
    // And the admin digest has it.
    expect([...store.digest.values()]).toMatchObject([
      { sesMessageId: `ses-${n}`, kind: 'unresolved', rep: REP },
    ]);
  });

  it('about a failure has its own reply address, so `stop` works from any notice', async () => {
    await handleNoticeBody(
      ending({
        outcome: 'failed',
        reason: 'REQUEST_LIMIT_EXCEEDED: daily',
        notice: 'failed',
        parsedKey: null,
      }),
      deps,
    );
    const [notice] = outbound.sent;
    expect(notice?.text).toContain('REQUEST_LIMIT_EXCEEDED');
    const target = store.replies.get(replyTokenOf(notice?.replyTo ?? '', 'capture.example.com') ?? '');
    expect(target).toMatchObject({ rep: REP, sesMessageId: null, parsedKey: null });
  });
});

describe('the rate limit', () => {
  it('holds what comes within 10 minutes and sends it folded into one digest when the window ends', async () => {
    await handleNoticeBody(ending(), deps);
    expect(outbound.sent).toHaveLength(1);
    clock.advance(2 * MINUTE);
    await handleNoticeBody(ending({ subject: 'Second' }), deps);
    clock.advance(MINUTE);
    await handleNoticeBody(
      ending({ subject: 'Third', outcome: 'failed', notice: 'failed', reason: 'boom' }),
      deps,
    );
    expect(outbound.sent).toHaveLength(1);
    // One flush, at the window's end: 10 minutes after the first notice.
    expect(queue.messages).toEqual([{ body: { type: 'flush', rep: REP }, delaySeconds: 480 }]);

    // Delivered early: it waits for the window's end again.
    await handleNoticeBody(JSON.stringify({ type: 'flush', rep: REP }), deps);
    expect(outbound.sent).toHaveLength(1);
    expect(queue.messages[1]).toEqual({ body: { type: 'flush', rep: REP }, delaySeconds: 420 });

    clock.advance(7 * MINUTE);
    await handleNoticeBody(JSON.stringify({ type: 'flush', rep: REP }), deps);
    expect(outbound.sent).toHaveLength(2);
    const digest = outbound.sent[1];
    expect(digest?.to).toEqual([REP]);
    expect(digest?.subject).toBe('Capture: 2 of your mails need a look');
    expect(digest?.text).toContain('Second');
    expect(digest?.text).toContain('Third');
    // The one unresolved mail in it is named with its own reply address (the Reply-To too).
    expect(digest?.text).toMatch(/To log it, write to reply\.[a-z0-9]{24}@capture\.example\.com/);
    expect(digest?.headers['Auto-Submitted']).toBe('auto-replied');
    // Nothing held any more: a second flush sends nothing.
    await handleNoticeBody(JSON.stringify({ type: 'flush', rep: REP }), deps);
    expect(outbound.sent).toHaveLength(2);
  });

  it('never holds back the answer to a rep’s fix', async () => {
    await handleNoticeBody(ending(), deps);
    clock.advance(MINUTE);
    const resolution = { by: REP, at: 'x', whoId: null, whoEmail: null, what: 'ORD-10042' };
    await handleNoticeBody(
      ending({
        outcome: 'created',
        notice: 'logged',
        answer: true,
        digest: null,
        taskId: '00T000000000001AAA',
        resolution,
      }),
      deps,
    );
    expect(outbound.sent).toHaveLength(2);
    expect(outbound.sent[1]?.subject).toMatch(/^Logged: Quote/);
    expect(outbound.sent[1]?.text.trim().split('\n')).toEqual([
      expect.stringMatching(/^Logged in Salesforce as Task 00T000000000001AAA on ORD-10042: "Quote \d+"\.$/),
    ]);
    expect(queue.messages).toEqual([]);
  });

  it('sends at once with a zero window', async () => {
    deps.windowSeconds = 0;
    await handleNoticeBody(ending(), deps);
    await handleNoticeBody(ending(), deps);
    expect(outbound.sent).toHaveLength(2);
  });

  it('reads the rep’s state again when another invocation wrote it first', async () => {
    store.conflicts = 1;
    await handleNoticeBody(ending(), deps);
    expect(outbound.sent).toHaveLength(1);
    expect(store.recipients.get(REP)?.state.lastSentAt).toBe(clock.now().toISOString());
  });
});

describe('stop, bounces and complaints', () => {
  it('a rep who said stop hears of nothing but their own replies', async () => {
    await handleNoticeBody(JSON.stringify({ type: 'stop', rep: REP, orgId: 'acme' }), deps);
    expect(outbound.sent.map((m) => m.subject)).toEqual(['Capture notices stopped']);
    clock.advance(20 * MINUTE);
    await handleNoticeBody(ending(), deps);
    expect(outbound.sent).toHaveLength(1);
    const answer = JSON.stringify({
      type: 'answer',
      rep: REP,
      orgId: 'acme',
      answer: 'expired',
      subject: 'Quote',
      inReplyTo: '<r@acme.example>',
    });
    await handleNoticeBody(answer, deps);
    expect(outbound.sent).toHaveLength(2);
  });

  it('never writes again to an address that bounced for good or complained', async () => {
    const sns = (event: object) =>
      JSON.stringify({ Type: 'Notification', MessageId: 'm', Message: JSON.stringify(event) });
    await handleNoticeBody(
      sns({
        eventType: 'Bounce',
        bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: REP }] },
      }),
      deps,
    );
    await handleNoticeBody(ending(), deps);
    expect(outbound.sent).toHaveLength(1);
    await handleNoticeBody(
      sns({
        eventType: 'Bounce',
        bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: REP }] },
      }),
      deps,
    );
    clock.advance(20 * MINUTE);
    await handleNoticeBody(ending(), deps);
    expect(outbound.sent).toHaveLength(1);
    await handleNoticeBody(
      sns({
        eventType: 'Complaint',
        complaint: { complainedRecipients: [{ emailAddress: 'it@acme.example' }] },
      }),
      deps,
    );
    expect(store.recipients.get('it@acme.example')?.state.complainedAt).not.toBeNull();
    // Other SES events (a delivery, SES's subscription check) are acknowledged.
    await handleNoticeBody(sns({ eventType: 'Delivery' }), deps);
  });
});

describe('the admin digest', () => {
  it('goes out at the org’s hour (the schedule’s time), with counts, the mails and the commands; then not again', async () => {
    await handleNoticeBody(ending({ mode: 'forward', rep: null, notice: null }), deps);
    await handleNoticeBody(
      ending({
        outcome: 'failed',
        reason: 'REQUEST_LIMIT_EXCEEDED: x',
        notice: null,
        digest: 'failed',
        rep: null,
      }),
      deps,
    );
    await handleNoticeBody(
      ending({ outcome: 'quarantined', reason: 'virus', notice: null, digest: 'quarantined', rep: null }),
      deps,
    );
    expect(outbound.sent).toEqual([]);
    const handler = createNoticesHandler(() => deps);
    const at = (time: string) =>
      handler(
        { 'detail-type': 'Scheduled Event', source: 'aws.events', time } as ScheduledEvent,
        {} as Context,
      );

    await at('2026-03-02T07:00:00Z');
    expect(outbound.sent).toEqual([]);
    await at('2026-03-02T08:00:00Z');
    expect(outbound.sent).toHaveLength(1);
    const [digest] = outbound.sent;
    expect(digest?.to).toEqual(['admin@acme.example', 'it@acme.example']);
    expect(digest?.headers['Auto-Submitted']).toBe('auto-generated');
    expect(digest?.subject).toBe('Capture digest for acme: 3 mails not logged');
    expect(digest?.text).toMatch(/1 {2}unresolved — nobody it was sent to or received from/);
    expect(digest?.text).toMatch(/1 {2}quarantined — the mail scanner found a virus/);
    expect(digest?.text).toContain('(forward address;');
    expect(digest?.text).toContain('capture replay --unresolved --org acme');
    expect(digest?.text).toContain('capture replay --dlq');
    expect(digest?.text).toContain('capture status <Message-ID>');
    // Sent once: an hour later, or the same hour again, nothing has happened since.
    await at('2026-03-02T08:00:00Z');
    await at('2026-03-03T08:00:00Z');
    expect(outbound.sent).toHaveLength(1);
  });

  it('leaves out unresolved mail logged since (a rep’s reply, a replay)', async () => {
    await handleNoticeBody(
      ending({ mode: 'forward', rep: null, notice: null, subject: 'Logged since' }),
      deps,
    );
    await handleNoticeBody(
      ending({ mode: 'forward', rep: null, notice: null, subject: 'Still waiting' }),
      deps,
    );
    mail.unresolved.delete(`acme/ses-${n - 1}`);
    expect(await sendDigests(deps, { orgId: 'acme' })).toEqual([{ orgId: 'acme', mails: 1, sent: true }]);
    expect(outbound.sent[0]?.text).toContain('Still waiting');
    expect(outbound.sent[0]?.text).not.toContain('Logged since');
    mail.unresolved.clear();
    await handleNoticeBody(ending({ mode: 'forward', rep: null, notice: null }), deps);
    mail.unresolved.clear();
    expect(await sendDigests(deps, { orgId: 'acme' })).toEqual([{ orgId: 'acme', mails: 0, sent: false }]);
    expect(store.digest.size).toBe(0);
  });

  it('is off when nothing happened, and `capture digest` sends one org’s now', async () => {
    expect(await sendDigests(deps, { all: true })).toEqual([
      { orgId: 'acme', mails: 0, sent: false },
      { orgId: 'globex', mails: 0, sent: false },
    ]);
    await handleNoticeBody(ending({ orgId: 'globex', rep: null, notice: null }), deps);
    await handleNoticeBody(JSON.stringify({ type: 'digest', orgId: 'globex' }), deps);
    expect(outbound.sent.map((m) => m.to)).toEqual([['admin@globex.example']]);
  });

  it('skips admins whose address bounced, and keeps the mail when none is left', async () => {
    for (const admin of ['admin@acme.example', 'it@acme.example']) {
      await handleNoticeBody(
        JSON.stringify({
          Type: 'Notification',
          MessageId: admin,
          Message: JSON.stringify({
            eventType: 'Bounce',
            bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: admin }] },
          }),
        }),
        deps,
      );
    }
    await handleNoticeBody(ending({ mode: 'forward', rep: null, notice: null }), deps);
    expect(await sendDigests(deps, { orgId: 'acme' })).toEqual([
      { orgId: 'acme', mails: 1, sent: false, skipped: 'admins-unreachable' },
    ]);
    expect(store.digest.size).toBe(1);
  });
});
