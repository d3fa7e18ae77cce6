/**
 * The whole pipeline through its real interfaces: mail goes in over SMTP (nodemailer) to the
 * local stack, Tasks are read back from the Salesforce emulator over REST (jsforce).
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { useE2e } from '../support/e2e.ts';

let crashes = 0;
let publishCrashes = 0;
let inlineSeen = 0;
const BCC = 'acme-k7q2m9x4p8w3@capture.localhost';
const INBOX = 'acme-inbox-3n8v5t2r6y1z@capture.localhost';

const e2e = useE2e({
  allowTestVerdicts: true,
  visibilityTimeoutSeconds: { intake: 2, sync: 2 },
  wrapHandler: (name, handler) => async (event, context) => {
    // Crash the sync function on its first batch that carries a message marked for it.
    if (name === 'sync' && crashes === 0 && event.Records.some((r) => r.body.includes('e2e-crash'))) {
      crashes++;
      throw new Error('simulated crash mid-batch');
    }
    // A small email rides in the sync message, and S3 holds no copy of it.
    for (const r of name === 'sync' ? event.Records : []) {
      if (!r.body.includes('e2e-inline')) continue;
      const { parsedKey, email } = JSON.parse(r.body) as { parsedKey: string; email?: unknown };
      const { aws } = e2e.stack;
      const stored = await aws.clients.s3
        .send(new HeadObjectCommand({ Bucket: aws.resources.bucket, Key: parsedKey }))
        .then(
          () => true,
          () => false,
        );
      inlineSeen += email !== undefined && !stored ? 1 : 0;
    }
    return handler(event, context);
  },
  // The SES stand-in fails once between its S3 write and its SNS publish for a marked mail.
  beforePublish: ({ messageId }) => {
    if (messageId?.includes('e2e-publish-crash') && publishCrashes++ === 0)
      throw new Error('simulated crash before the SNS publish');
  },
});
const send = e2e.send.bind(e2e);
const outcomeFor = e2e.outcomesOf.bind(e2e);

async function idOf(soql: string): Promise<string> {
  const records = await e2e.records<{ Id: string }>(soql);
  expect(records).toHaveLength(1);
  return records[0]?.Id ?? '';
}

async function tasksFor(subject: string) {
  const r = await e2e.sf.query<Record<string, unknown>>(
    `SELECT Id, Subject, OwnerId, WhoId, WhatId, TaskSubtype, Status, ActivityDate, Capture_Id__c FROM Task WHERE Subject = 'Email: ${subject.replace(/'/g, "\\'")}'`,
  );
  return r.records;
}

describe('the local pipeline', () => {
  it('prints nothing it should not and exposes the capture addresses', () => {
    expect(e2e.stack.captureAddresses.map((a) => a.address)).toEqual([
      BCC,
      INBOX,
      'acme-mail-h6j2k9l4m8n3@capture.localhost',
    ]);
  });

  it("logs a rep's BCC to a contact as a Task on the order it names", async () => {
    await send({
      from: 'Alice Rep <alice@acme.example>',
      to: 'Jane Doe <jane.doe@globex.example>',
      bcc: BCC,
      subject: 'Your order ORD-10042 ships Monday',
      messageId: '<e2e-bcc@acme.example>',
      date: new Date('2026-11-18T10:00:00Z'),
    });
    const [outcome] = await outcomeFor('<e2e-bcc@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'created' });
    const [task] = await tasksFor('Your order ORD-10042 ships Monday');
    expect(task).toMatchObject({
      Id: outcome!.taskId,
      OwnerId: await idOf("SELECT Id FROM User WHERE Email = 'alice@acme.example'"),
      WhoId: await idOf("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'"),
      WhatId: await idOf("SELECT Id FROM Order WHERE OrderNumber = 'ORD-10042'"),
      TaskSubtype: 'Email',
      Status: 'Completed',
      ActivityDate: '2026-11-18',
    });
  });

  it('carries a small email in its sync message instead of S3, and syncs it', async () => {
    await send({
      from: 'Alice Rep <alice@acme.example>',
      to: 'Jane Doe <jane.doe@globex.example>',
      bcc: BCC,
      subject: 'Inline copy for ORD-10042',
      messageId: '<e2e-inline@acme.example>',
    });
    const [outcome] = await outcomeFor('<e2e-inline@acme.example>');
    expect(inlineSeen).toBe(1);
    expect(outcome).toMatchObject({ outcome: 'created' });
    expect(await tasksFor('Inline copy for ORD-10042')).toHaveLength(1);
  });

  it('makes one Task when a second rep BCCs the same message', async () => {
    const message = {
      to: 'Jane Doe <jane.doe@globex.example>',
      bcc: BCC,
      subject: 'Two reps, one message',
      messageId: '<e2e-two-reps@acme.example>',
    };
    await send({ ...message, from: 'Alice Rep <alice@acme.example>' });
    await e2e.stack.idle();
    await send({ ...message, from: 'Bob Rep <bob@acme.example>' });
    const outcomes = await outcomeFor('<e2e-two-reps@acme.example>');
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['created', 'duplicate']);
    expect(await tasksFor('Two reps, one message')).toHaveLength(1);
  });

  it('credits the original sender of an inline forward', async () => {
    await send({
      from: 'Alice Rep <alice@acme.example>',
      to: INBOX,
      subject: 'Fwd: Where is my delivery?',
      messageId: '<e2e-fwd@acme.example>',
      text: "See below.\n\n---------- Forwarded message ---------\nFrom: Sean O'Brien <o'brien@globex.example>\nDate: Mon, 16 Nov 2026 at 10:12\nSubject: Where is my delivery?\nTo: Alice Rep <alice@acme.example>\n\nHi Alice, where is it?",
    });
    const [outcome] = await outcomeFor('<e2e-fwd@acme.example>');
    expect(outcome?.outcome).toBe('created');
    const [task] = await tasksFor('Fwd: Where is my delivery?');
    // The address with a quote in it matched through an escaped SOQL literal.
    expect(task?.WhoId).toBe(await idOf("SELECT Id FROM Contact WHERE Email = 'o\\'brien@globex.example'"));
    expect(task?.OwnerId).toBe(await idOf("SELECT Id FROM User WHERE Email = 'ops@acme.example'"));
  });

  it('matches a lead and gives shared-inbox mail to the default owner', async () => {
    await send({
      envelope: { from: 'lena.lead@initech.example', to: [INBOX] },
      from: 'Lena Lead <lena.lead@initech.example>',
      to: 'orders@acme.example',
      subject: 'Request for a quote',
      messageId: '<e2e-lead@initech.example>',
    });
    const [outcome] = await outcomeFor('<e2e-lead@initech.example>');
    expect(outcome?.outcome).toBe('created');
    const [task] = await tasksFor('Request for a quote');
    expect(task).toMatchObject({
      WhoId: await idOf("SELECT Id FROM Lead WHERE Email = 'lena.lead@initech.example'"),
      OwnerId: await idOf("SELECT Id FROM User WHERE Email = 'ops@acme.example'"),
      WhatId: null,
    });
  });

  it('makes no Task for auto-replies and bounces', async () => {
    await send({
      from: 'jane.doe@globex.example',
      to: INBOX,
      subject: 'Automatic reply: hello',
      messageId: '<e2e-ooo@globex.example>',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    await send({
      envelope: { from: '', to: [INBOX] },
      from: 'MAILER-DAEMON@mail.globex.example',
      to: INBOX,
      subject: 'Undelivered Mail Returned to Sender',
      messageId: '<e2e-bounce@globex.example>',
    });
    expect(await outcomeFor('<e2e-ooo@globex.example>')).toEqual([
      expect.objectContaining({ outcome: 'rejected', reason: 'auto-reply' }),
    ]);
    expect(await outcomeFor('<e2e-bounce@globex.example>')).toEqual([
      expect.objectContaining({ outcome: 'rejected', reason: 'bounce' }),
    ]);
    expect(await tasksFor('Automatic reply: hello')).toHaveLength(0);
  });

  it('takes mail to an unknown capture token, as SES does for the whole domain, and records it as rejected', async () => {
    await send({
      from: 'alice@acme.example',
      to: 'acme-guessed0000000@capture.localhost',
      subject: 'x',
      messageId: '<e2e-guessed@acme.example>',
    });
    expect(await outcomeFor('<e2e-guessed@acme.example>')).toEqual([
      expect.objectContaining({ outcome: 'rejected', reason: 'unknown-token', orgId: null }),
    ]);
  });

  it('makes no Task when an outsider writes to a bcc address, and quarantines viruses', async () => {
    await send({
      from: 'mallory@evil.example',
      to: BCC,
      subject: 'Let me in',
      messageId: '<e2e-outsider@evil.example>',
    });
    await send({
      from: 'alice@acme.example',
      to: 'jane.doe@globex.example',
      bcc: BCC,
      subject: 'Infected',
      messageId: '<e2e-virus@acme.example>',
      headers: { 'X-Capture-Test-Verdicts': 'virus=FAIL' },
    });
    expect(await outcomeFor('<e2e-outsider@evil.example>')).toEqual([
      expect.objectContaining({ outcome: 'rejected', reason: 'sender-not-allowed' }),
    ]);
    expect(await outcomeFor('<e2e-virus@acme.example>')).toEqual([
      expect.objectContaining({ outcome: 'quarantined', reason: 'virus' }),
    ]);
    expect(await tasksFor('Let me in')).toHaveLength(0);
    expect(await tasksFor('Infected')).toHaveLength(0);
  });

  it('keeps mail to an unknown person as unresolved instead of making a Task', async () => {
    await send({
      from: 'alice@acme.example',
      to: 'stranger@nowhere.example',
      bcc: BCC,
      subject: 'Cold outreach',
      messageId: '<e2e-unmatched@acme.example>',
    });
    const [outcome] = await outcomeFor('<e2e-unmatched@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'unmatched', reason: 'no-contact-or-lead' });
    expect(await tasksFor('Cold outreach')).toHaveLength(0);
    const unresolved = await e2e.stack.outcomes.listUnresolved('acme');
    expect(unresolved.map((u) => u.sesMessageId)).toContain(outcome!.sesMessageId);
  });

  it('loses nothing when the sync function crashes mid-batch', async () => {
    const subjects = ['crash-test one', 'crash-test two', 'crash-test three'];
    for (const [i, subject] of subjects.entries()) {
      await send({
        from: 'bob@acme.example',
        to: 'carl@globex.example',
        bcc: BCC,
        subject,
        messageId: `<e2e-crash-${i}@acme.example>`,
      });
    }
    await e2e.stack.idle();
    expect(crashes).toBe(1);
    for (const [i, subject] of subjects.entries()) {
      expect(await outcomeFor(`<e2e-crash-${i}@acme.example>`)).toEqual([
        expect.objectContaining({ outcome: 'created' }),
      ]);
      expect(await tasksFor(subject)).toHaveLength(1);
    }
  });

  it('answers 451 when the notification cannot be published, and the retried mail is one Task', async () => {
    const mail = {
      from: 'bob@acme.example',
      to: 'carl@globex.example',
      bcc: BCC,
      subject: 'publish-crash test',
      messageId: '<e2e-publish-crash@acme.example>',
    };
    await expect(send(mail)).rejects.toMatchObject({ responseCode: 451 });
    await e2e.stack.idle();
    expect(await tasksFor('publish-crash test')).toHaveLength(0);
    await send(mail); // the sender retries, as MTAs do after a 4xx
    expect(await outcomeFor('<e2e-publish-crash@acme.example>')).toEqual([
      expect.objectContaining({ outcome: 'created' }),
    ]);
    expect(await tasksFor('publish-crash test')).toHaveLength(1);
    expect(publishCrashes).toBe(2);
  });

  it('dead-letters a message no retry can fix, with its reason', async () => {
    await e2e.stack.aws.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: e2e.stack.aws.resources.intakeQueueUrl,
        MessageBody: '{"not":"an SNS envelope"}',
      }),
    );
    await e2e.stack.idle();
    const dead = await e2e.stack.aws.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: e2e.stack.aws.resources.intakeDlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    expect(dead.Messages).toHaveLength(1);
    // The body as it was; stage and reason are message attributes.
    expect(dead.Messages?.[0]?.MessageAttributes?.['capture.reason']?.StringValue).toBe(
      'invalid queue message',
    );
    expect(dead.Messages?.[0]?.MessageAttributes?.['capture.stage']?.StringValue).toBe('parse');
    expect(dead.Messages![0]!.Body).toBe('{"not":"an SNS envelope"}');
  });

  it('shows Tasks and outcomes on the status page at the emulator root', async () => {
    await send({
      from: 'Alice Rep <alice@acme.example>',
      to: 'Jane Doe <jane.doe@globex.example>',
      bcc: BCC,
      subject: 'Status page order ORD-10042',
      messageId: '<e2e-page@acme.example>',
    });
    await send({
      from: 'mallory@evil.example',
      to: BCC,
      subject: 'Page outsider',
      messageId: '<e2e-page@evil.example>',
    });
    await e2e.stack.idle();
    const html = await (await fetch(`${e2e.stack.salesforceUrl}/`)).text();
    expect(html).toContain('<h1>Capture — local stack</h1>');
    expect(html).toContain('Email: Status page order ORD-10042');
    expect(html).toContain('alice@acme.example (User)');
    expect(html).toMatch(/<b>rejected<\/b><\/td>\s*<td>sender-not-allowed/);
    expect(html).not.toContain('<script');
  });
});
