/**
 * Hostile mail through the whole local pipeline (SMTP in, Tasks read back over REST with
 * jsforce): forged reps, loop guards, huge headers and messages cut short by parse budgets.
 */
import { describe, expect, it } from 'vitest';
import { useE2e } from '../support/e2e.ts';

const BCC = 'acme-k7q2m9x4p8w3@capture.localhost';
const INBOX = 'acme-inbox-3n8v5t2r6y1z@capture.localhost';

const e2e = useE2e({ allowTestVerdicts: true, visibilityTimeoutSeconds: { intake: 30, sync: 30 } });
const send = e2e.send.bind(e2e);
const outcomesFor = e2e.outcomesOf.bind(e2e);

async function task(id: string | null | undefined) {
  const r = await e2e.sf.query<{ Id: string; Subject: string; Description: string; OwnerId: string }>(
    `SELECT Id, Subject, Description, OwnerId FROM Task WHERE Id = '${id}'`,
  );
  expect(r.records).toHaveLength(1);
  return r.records[0]!;
}

const rep = 'Alice Rep <alice@acme.example>';
const customer = 'Jane Doe <jane.doe@globex.example>';

describe('no forged reps on the bcc address', () => {
  it('quarantines an internal From that SPF, DKIM and DMARC do not prove', async () => {
    await send({
      envelope: { from: 'mallory@evil.example', to: [BCC] },
      from: rep,
      to: customer,
      bcc: BCC,
      subject: 'Forged rep',
      messageId: '<hostile-forged@evil.example>',
      headers: { 'X-Capture-Test-Verdicts': 'spf=FAIL,dkim=FAIL,dmarc=GRAY,spam=PASS,virus=PASS' },
    });
    const outcomes = await outcomesFor('<hostile-forged@evil.example>');
    expect(outcomes).toEqual([
      expect.objectContaining({ outcome: 'quarantined', reason: 'sender-not-authenticated', stage: 'parse' }),
    ]);
  });

  it('accepts SPF PASS from the rep own domain when DMARC is GRAY', async () => {
    await send({
      envelope: { from: 'alice@acme.example', to: [BCC] },
      from: rep,
      to: customer,
      bcc: BCC,
      subject: 'Real rep, no DMARC record',
      messageId: '<hostile-spf-pass@acme.example>',
      headers: { 'X-Capture-Test-Verdicts': 'spf=PASS,dkim=FAIL,dmarc=GRAY' },
    });
    const [outcome] = await outcomesFor('<hostile-spf-pass@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'created' });
  });

  it('does not count SPF PASS for an outsider envelope sender', async () => {
    await send({
      envelope: { from: 'mallory@evil.example', to: [BCC] },
      from: rep,
      to: customer,
      bcc: BCC,
      subject: 'Outsider with SPF',
      messageId: '<hostile-spf-outsider@evil.example>',
      headers: { 'X-Capture-Test-Verdicts': 'spf=PASS,dkim=FAIL,dmarc=GRAY' },
    });
    const [outcome] = await outcomesFor('<hostile-spf-outsider@evil.example>');
    expect(outcome).toMatchObject({ outcome: 'quarantined', reason: 'sender-not-authenticated' });
  });
});

describe('loop guards', () => {
  it('rejects list mail on the shared inbox with its reason', async () => {
    await send({
      from: customer,
      to: INBOX,
      subject: 'Newsletter',
      messageId: '<hostile-list@globex.example>',
      headers: { 'List-Id': '<news.globex.example>', 'List-Unsubscribe': '<mailto:leave@globex.example>' },
    });
    expect(await outcomesFor('<hostile-list@globex.example>')).toEqual([
      expect.objectContaining({ outcome: 'rejected', reason: 'list-mail' }),
    ]);
  });

  it('keeps parse warnings on an outcome recorded by the parse stage', async () => {
    await send({
      from: customer,
      to: INBOX,
      subject: 'Long newsletter',
      messageId: '<hostile-list-long@globex.example>',
      text: 'news '.repeat(50_000),
      headers: { 'List-Id': '<news.globex.example>' },
    });
    const [outcome] = await outcomesFor('<hostile-list-long@globex.example>');
    expect(outcome).toMatchObject({ outcome: 'rejected', reason: 'list-mail', stage: 'parse' });
    expect(outcome!.warnings).toContain('text-truncated: the body text was cut at 200000 characters');
  });

  it('rejects Precedence: bulk mail with its reason', async () => {
    await send({
      from: customer,
      to: INBOX,
      subject: 'Bulk',
      messageId: '<hostile-bulk@globex.example>',
      headers: { Precedence: 'bulk' },
    });
    expect(await outcomesFor('<hostile-bulk@globex.example>')).toEqual([
      expect.objectContaining({ outcome: 'rejected', reason: 'bulk-mail' }),
    ]);
  });

  it('rejects mail from a subdomain of the capture domain', async () => {
    await send({
      from: 'notices@eu.capture.localhost',
      to: INBOX,
      subject: 'Our own notice',
      messageId: '<hostile-own@eu.capture.localhost>',
    });
    expect(await outcomesFor('<hostile-own@eu.capture.localhost>')).toEqual([
      expect.objectContaining({ outcome: 'rejected', reason: 'loop-own-domain' }),
    ]);
  });
});

describe('huge headers', () => {
  it('takes a 2 MB Subject and keeps 255 characters of it on the Task', async () => {
    const subject = `Huge ${'s'.repeat(2 * 1024 * 1024)}`;
    const info = await send({
      from: rep,
      to: customer,
      bcc: BCC,
      subject,
      messageId: '<hostile-subject@acme.example>',
    });
    expect(info.response).toMatch(/^250 /);
    const [outcome] = await outcomesFor('<hostile-subject@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'created' });
    expect(outcome!.subject!.length).toBe(2048);
    expect(outcome!.warnings).toContain('subject-truncated: the Subject was cut at 2048 characters');
    const t = await task(outcome!.taskId);
    expect(t.Subject).toHaveLength(255);
    expect(t.Subject.startsWith('Email: Huge sss')).toBe(true);
  });

  it('takes a 300 KB To header', async () => {
    const to = [customer, ...Array.from({ length: 15_000 }, (_, i) => `p${i}@globex.example`)].join(', ');
    expect(to.length).toBeGreaterThan(300 * 1024);
    const info = await send({
      envelope: { from: 'alice@acme.example', to: [BCC] },
      from: rep,
      to,
      subject: 'Many recipients',
      messageId: '<hostile-to@acme.example>',
    });
    expect(info.response).toMatch(/^250 /);
    const [outcome] = await outcomesFor('<hostile-to@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'created' });
    expect(outcome!.warnings).toContain(
      'recipients-truncated: only the first 1000 addresses of a header were kept',
    );
  });
});

describe('captures cut short say so', () => {
  it('2,000 MIME parts (four times the bound): a Task with the body, a visible note, and warnings in the outcome', async () => {
    const attachments = Array.from({ length: 2_000 }, (_, i) => ({
      filename: `f${i}.txt`,
      content: `x${i}`,
      contentType: 'text/csv',
    }));
    await send({
      from: rep,
      to: customer,
      bcc: BCC,
      subject: 'Two thousand parts',
      messageId: '<hostile-parts@acme.example>',
      text: 'The body comes first.',
      attachments,
    });
    const [outcome] = await outcomesFor('<hostile-parts@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'created', stage: 'sync' });
    expect(outcome!.warnings).toContain(
      'mime-parts: more than 500 MIME parts: the rest of the message was not read',
    );
    const t = await task(outcome!.taskId);
    expect(t.Description).toContain(
      'Capture cut short: more than 500 MIME parts: the rest of the message was not read',
    );
    expect(t.Description).toContain('The body comes first.');
  }, 120_000);
});

describe('HTML tables', () => {
  it('puts the Task on the order named in a table cell of an HTML-only mail', async () => {
    await send({
      from: customer,
      to: INBOX,
      subject: 'Order status',
      messageId: '<hostile-html-table@globex.example>',
      text: undefined,
      html: '<table><tr><th>Order</th><th>Status</th></tr><tr><td>ORD-10042</td><td>Shipped</td></tr></table>',
    });
    const [outcome] = await outcomesFor('<hostile-html-table@globex.example>');
    expect(outcome).toMatchObject({ outcome: 'created' });
    const order = await e2e.sf.query<{ Id: string }>("SELECT Id FROM Order WHERE OrderNumber = 'ORD-10042'");
    const t = await e2e.sf.query<{ WhatId: string; Description: string }>(
      `SELECT WhatId, Description FROM Task WHERE Id = '${outcome!.taskId}'`,
    );
    expect(t.records[0]?.WhatId).toBe(order.records[0]?.Id);
    expect(t.records[0]?.Description).toContain('Order | Status\nORD-10042 | Shipped');
  });
});
