/** The SMTP SES stand-in, driven by nodemailer against fauxqs: what lands in S3 and on the intake queue. */
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type ReceiveMessageCommandOutput,
} from '@aws-sdk/client-sqs';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '#local/aws.ts';
import { type SmtpInbound, type SmtpInboundOptions, startSmtpInbound } from '#local/smtp-inbound.ts';
import { parseIntakeBody, type SesNotification } from '#shared/events/ses-notification.ts';
import { testRegistry } from '../support/registry.ts';

interface Received {
  raw: { Type: string; TopicArn?: string; Subject?: string; Message: string };
  notification: SesNotification;
}

const registry = testRegistry({
  captureDomain: 'capture.localhost',
  orgs: [
    {
      id: 'off',
      enabled: false,
      internalDomains: ['off.example'],
      defaultOwnerEmail: 'ops@off.example',
      addresses: [{ token: 'off-a1b2c3d4e5f6', mode: 'bcc' }],
    },
    {
      id: 'moved',
      internalDomains: ['moved.example'],
      defaultOwnerEmail: 'ops@moved.example',
      addresses: [{ token: 'moved-a1b2c3d4e5f6', mode: 'bcc', retiresAt: '2020-01-01T00:00:00Z' }],
    },
  ],
});
const BCC = 'acme-k7q2m9x4p8w3@capture.localhost';
const INBOX = 'acme-inbox-3n8v5t2r6y1z@capture.localhost';

let aws: LocalAws;
let smtp: SmtpInbound;
const extra: SmtpInbound[] = [];

beforeAll(async () => {
  aws = await startLocalAws();
  smtp = await startSmtpInbound(serverOptions());
});
afterAll(async () => {
  for (const s of [smtp, ...extra]) await s?.close();
  await aws?.close();
});

function serverOptions(overrides: Partial<SmtpInboundOptions> = {}): SmtpInboundOptions {
  return {
    port: 0,
    registry,
    s3: aws.clients.s3,
    bucket: aws.resources.bucket,
    sns: aws.clients.sns,
    topicArn: aws.resources.topicArn,
    ...overrides,
  };
}
async function another(overrides: Partial<SmtpInboundOptions>) {
  const server = await startSmtpInbound(serverOptions(overrides));
  extra.push(server);
  return server;
}
const transport = (port = smtp.port) =>
  nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, name: 'mail.acme.example' });

/** Every notification on the intake queue right now, deleted as read. */
async function drainIntake(waitSeconds = 1): Promise<Received[]> {
  const out: Received[] = [];
  for (;;) {
    const r: ReceiveMessageCommandOutput = await aws.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: aws.resources.intakeQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: out.length === 0 ? waitSeconds : 0,
        VisibilityTimeout: 0,
      }),
    );
    if (!r.Messages?.length) return out;
    for (const m of r.Messages) {
      out.push({ raw: JSON.parse(m.Body!), notification: parseIntakeBody(m.Body!) });
      await aws.clients.sqs.send(
        new DeleteMessageCommand({
          QueueUrl: aws.resources.intakeQueueUrl,
          ReceiptHandle: m.ReceiptHandle,
        }),
      );
    }
  }
}
/** The only notification that arrived. */
async function onlyNotification(waitSeconds = 1): Promise<Received> {
  const received = await drainIntake(waitSeconds);
  expect(received).toHaveLength(1);
  return received[0]!;
}
async function rawKeys(): Promise<string[]> {
  const r = await aws.clients.s3.send(
    new ListObjectsV2Command({ Bucket: aws.resources.bucket, Prefix: 'raw/' }),
  );
  return (r.Contents ?? []).map((o) => o.Key!);
}
async function readObject(key: string): Promise<Buffer> {
  const r = await aws.clients.s3.send(new GetObjectCommand({ Bucket: aws.resources.bucket, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}
/** Sends SMTP commands one at a time on a raw connection; each command's final reply line. */
function conversation(commands: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(smtp.port, '127.0.0.1');
    const replies: string[] = [];
    let buffer = '';
    let next = 0;
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (/^\d{3}-/.test(line)) continue;
        // The greeting is not a reply to a command.
        if (next > 0) replies.push(line);
        if (next === commands.length) {
          socket.end('QUIT\r\n');
          resolve(replies);
          return;
        }
        socket.write(`${commands[next++]}\r\n`);
      }
    });
    socket.on('error', reject);
  });
}
async function sendError(promise: Promise<unknown>) {
  return promise.then(
    () => {
      throw new Error('expected the server to refuse the message');
    },
    (error: unknown) => error as { responseCode?: number; response?: string },
  );
}

describe('SMTP inbound (SES stand-in)', () => {
  it("announces SES's 40 MB SIZE limit and needs neither STARTTLS nor AUTH", async () => {
    const ehlo = await new Promise<string>((resolve, reject) => {
      const socket = connect(smtp.port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
        if (text.startsWith('220') && !text.includes('EHLO-SENT')) {
          text += 'EHLO-SENT\n';
          socket.write('EHLO client.example\r\n');
        } else if (/\n250 [^\n]*\r\n$/.test(text)) {
          socket.end('QUIT\r\n');
          resolve(text);
        }
      });
      socket.on('error', reject);
    });
    expect(ehlo).toMatch(new RegExp(`250[- ]SIZE ${40 * 1024 * 1024}\\r\\n`));
    expect(ehlo).not.toMatch(/STARTTLS|AUTH/);
  });

  it('stores the raw message with SES headers and publishes one notification for all capture recipients', async () => {
    const sentFrom = new Date();
    const info = await transport().sendMail({
      envelope: { from: 'alice@acme.example', to: [BCC, 'ACME-INBOX-3n8v5t2r6y1z@capture.localhost'] },
      from: 'Alice Example <alice@acme.example>',
      to: '"Doe, Jane" <jane@globex.example>, bob@globex.example',
      cc: 'carol@acme.example',
      subject: 'Order 4711 – confirmation ✓',
      messageId: '<two@acme.example>',
      date: new Date('2026-11-20T09:30:00Z'),
      text: 'hello',
    });
    expect(info.accepted).toHaveLength(2);

    const { raw, notification } = await onlyNotification();
    expect(raw).toMatchObject({ Type: 'Notification', TopicArn: aws.resources.topicArn });
    expect(raw.Subject).toBe('Amazon SES Email Receipt Notification');

    const { mail, receipt } = notification;
    expect(mail.messageId).toMatch(/^[a-z0-9]{20}$/);
    expect(mail.source).toBe('alice@acme.example');
    expect(mail.destination).toEqual([BCC, 'ACME-INBOX-3n8v5t2r6y1z@capture.localhost']);
    expect(receipt.recipients).toEqual([BCC, 'ACME-INBOX-3n8v5t2r6y1z@capture.localhost']);
    expect(receipt.action).toEqual({
      type: 'S3',
      topicArn: aws.resources.topicArn,
      bucketName: aws.resources.bucket,
      objectKeyPrefix: 'raw/',
      objectKey: `raw/${mail.messageId}`,
    });
    for (const verdict of ['spam', 'virus', 'spf', 'dkim', 'dmarc'] as const)
      expect(receipt[`${verdict}Verdict`]).toEqual({ status: 'PASS' });
    // The receipt time is when the SMTP server took the message: between sending and reading it.
    const receivedAt = new Date(receipt.timestamp!).getTime();
    expect(receivedAt).toBeGreaterThanOrEqual(Math.floor(sentFrom.getTime() / 1000) * 1000);
    expect(receivedAt).toBeLessThanOrEqual(Date.now());

    expect(mail.commonHeaders).toEqual({
      returnPath: 'alice@acme.example',
      from: ['Alice Example <alice@acme.example>'],
      to: ['"Doe, Jane" <jane@globex.example>', 'bob@globex.example'],
      cc: ['carol@acme.example'],
      date: expect.stringContaining('20 Nov 2026 09:30:00'),
      messageId: '<two@acme.example>',
      subject: 'Order 4711 – confirmation ✓',
    });
    const headers = JSON.parse(raw.Message).mail.headers;
    expect(headers.slice(0, 4).map((h: { name: string }) => h.name)).toEqual([
      'Return-Path',
      'Received',
      'X-SES-Spam-Verdict',
      'X-SES-Virus-Verdict',
    ]);
    expect(headers).toContainEqual({ name: 'Message-ID', value: '<two@acme.example>' });
    expect(JSON.parse(raw.Message).mail.headersTruncated).toBe(false);

    const text = (await readObject(receipt.action.objectKey)).toString('utf8');
    expect(text).toMatch(
      new RegExp(
        `^Return-Path: <alice@acme\\.example>\\r\\nReceived: from mail\\.acme\\.example \\(mail\\.acme\\.example \\[127\\.0\\.0\\.1\\]\\) by inbound-smtp\\.local with SMTP id ${mail.messageId} for ${BCC}; \\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} \\+0000 \\(UTC\\)\\r\\nX-SES-Spam-Verdict: PASS\\r\\nX-SES-Virus-Verdict: PASS\\r\\n`,
      ),
    );
    expect(text).toContain('Message-ID: <two@acme.example>');
    expect(text.trimEnd().endsWith('hello')).toBe(true);
  });

  it('takes the accepted recipients and refuses the others in the same transaction', async () => {
    const info = await transport().sendMail({
      from: 'alice@acme.example',
      to: [INBOX, 'someone@elsewhere.example'],
      subject: 'mixed',
      text: 'x',
    });
    expect(info.accepted).toEqual([INBOX]);
    expect(info.rejected).toEqual(['someone@elsewhere.example']);
    const received = await drainIntake();
    expect(received.map((r) => r.notification.receipt.recipients)).toEqual([[INBOX]]);
  });

  it('refuses other domains at RCPT TO with 550', async () => {
    const error = await sendError(
      transport().sendMail({
        from: 'a@acme.example',
        to: 'someone@elsewhere.example',
        subject: 'x',
        text: 'x',
      }),
    );
    expect(error.responseCode).toBe(550);
    expect(error.response).toMatch(/5\.7\.1 this server only receives mail for capture\.localhost/);
    expect(await drainIntake(0)).toEqual([]);
  });

  it('takes envelope senders with dots doubled or at an end of the local part, as SES receiving does', async () => {
    // Written as company directories send them (unquoted), each answered 250 at MAIL FROM.
    const replies = await conversation([
      'EHLO mail.acme.example',
      'MAIL FROM:<ruth..mallory@acme.example>',
      'RSET',
      'MAIL FROM:<ruth.@acme.example>',
      'RSET',
      'MAIL FROM:<.ruth@acme.example>',
    ]);
    expect(replies.filter((r) => r.startsWith('250 Accepted'))).toHaveLength(3);
    // nodemailer quotes such a local part (RFC 5321); the message goes through either way.
    const from = 'ruth..mallory@acme.example';
    const info = await transport().sendMail({ envelope: { from, to: [BCC] }, subject: 'x', text: 'x' });
    expect(info.accepted).toEqual([BCC]);
    const received = await drainIntake();
    expect(received.map((r) => r.notification.mail.source)).toEqual(['"ruth..mallory"@acme.example']);
  });

  it('refuses envelope senders that are no address with 501, and still takes the null sender', async () => {
    for (const from of ['ruth@acme..example', 'ruth@-acme.example', `${'r'.repeat(250)}@acme.example`]) {
      const error = await sendError(
        transport().sendMail({ envelope: { from, to: [BCC] }, subject: 'x', text: 'x' }),
      );
      expect(error.responseCode, from).toBe(501);
      expect(error.response, from).toMatch(/5\.1\.7 Bad sender address syntax/);
    }
    const bounce = await transport().sendMail({ envelope: { from: '', to: [BCC] }, subject: 'x', text: 'x' });
    expect(bounce.accepted).toEqual([BCC]);
    expect((await drainIntake()).map((r) => r.notification.mail.source)).toEqual(['']);
  });

  it('takes unknown tokens, disabled orgs and retired addresses of the capture domain, as the domain rule does', async () => {
    // SES receives for the whole capture domain; the parse stage records these as rejected.
    const recipients = [
      'acme-000000000000@capture.localhost',
      'off-a1b2c3d4e5f6@capture.localhost',
      'moved-a1b2c3d4e5f6@capture.localhost',
    ];
    const info = await transport().sendMail({
      from: 'a@acme.example',
      to: recipients,
      subject: 'x',
      text: 'x',
    });
    expect(info.accepted).toEqual(recipients);
    const received = await drainIntake();
    expect(received.map((r) => r.notification.receipt.recipients)).toEqual([recipients]);
  });

  it('refuses a message over the size limit with 552 and keeps nothing of it', async () => {
    const small = await another({ maxBytes: 64 * 1024 });
    const before = await rawKeys();
    const error = await sendError(
      transport(small.port).sendMail({
        from: 'a@acme.example',
        to: BCC,
        subject: 'big',
        text: 'x'.repeat(200 * 1024),
      }),
    );
    expect(error.responseCode).toBe(552);
    expect(await rawKeys()).toEqual(before);
    expect(await drainIntake(0)).toEqual([]);
    // The server stays usable for the next message.
    await transport(small.port).sendMail({ from: 'a@acme.example', to: BCC, subject: 'ok', text: 'ok' });
    expect(await drainIntake()).toHaveLength(1);
  });

  it('refuses an oversize message whose upload was already under way, leaving no object', async () => {
    // Over 5 MB the upload is multipart and has sent parts before the limit is crossed.
    const limited = await another({ maxBytes: 6 * 1024 * 1024 });
    const before = await rawKeys();
    const error = await sendError(
      transport(limited.port).sendMail({
        from: 'a@acme.example',
        to: BCC,
        subject: 'big',
        attachments: [{ filename: 'big.bin', content: randomBytes(6 * 1024 * 1024) }],
      }),
    );
    expect(error.responseCode).toBe(552);
    expect(await rawKeys()).toEqual(before);
    expect(await drainIntake(0)).toEqual([]);
  });

  it('streams a large message to S3 intact', async () => {
    const attachment = randomBytes(9 * 1024 * 1024);
    await transport().sendMail({
      from: 'a@acme.example',
      to: BCC,
      subject: 'large',
      text: 'see attachment',
      attachments: [{ filename: 'big.bin', content: attachment }],
    });
    const { notification } = await onlyNotification(3);
    const stored = await readObject(notification.receipt.action.objectKey);
    expect(stored.length).toBeGreaterThan(12 * 1024 * 1024);
    const parsed = await simpleParser(stored);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sha(parsed.attachments[0]!.content)).toBe(sha(attachment));
  });

  it('reports test verdicts only when allowed', async () => {
    const header = { 'X-Capture-Test-Verdicts': 'spam=FAIL, virus=FAIL, dmarc=FAIL, bogus=FAIL, spf=NOPE' };
    await transport().sendMail({ from: 'a@acme.example', to: BCC, subject: 'v', text: 'v', headers: header });
    const ignored = await onlyNotification();
    expect(ignored.notification.receipt.spamVerdict).toEqual({ status: 'PASS' });

    const testing = await another({ allowTestVerdicts: true });
    await transport(testing.port).sendMail({
      from: 'a@acme.example',
      to: BCC,
      subject: 'v',
      text: 'v',
      headers: header,
    });
    const receipt = (await onlyNotification()).notification.receipt;
    expect([receipt.spamVerdict, receipt.virusVerdict, receipt.dmarcVerdict]).toEqual([
      { status: 'FAIL' },
      { status: 'FAIL' },
      { status: 'FAIL' },
    ]);
    expect([receipt.spfVerdict, receipt.dkimVerdict]).toEqual([{ status: 'PASS' }, { status: 'PASS' }]);
    const text = (await readObject(receipt.action.objectKey)).toString('utf8');
    expect(text).toContain('X-SES-Spam-Verdict: FAIL\r\nX-SES-Virus-Verdict: FAIL\r\n');
  });

  it('answers 451 when S3 fails, so the sender keeps the message and retries', async () => {
    const errors: unknown[] = [];
    const broken = await another({ bucket: 'no-such-bucket', onError: (e) => errors.push(e) });
    const error = await sendError(
      transport(broken.port).sendMail({ from: 'a@acme.example', to: BCC, subject: 's3', text: 'x' }),
    );
    expect(error.responseCode).toBe(451);
    expect(errors).toHaveLength(1);
    expect(await drainIntake(0)).toEqual([]);
  });

  it('answers 451 when SNS fails and removes the object nobody would be told about', async () => {
    const before = await rawKeys();
    const broken = await another({
      topicArn: 'arn:aws:sns:us-east-1:000000000000:no-such-topic',
      onError: () => {},
    });
    const error = await sendError(
      transport(broken.port).sendMail({ from: 'a@acme.example', to: BCC, subject: 'sns', text: 'x' }),
    );
    expect(error.responseCode).toBe(451);
    expect(await rawKeys()).toEqual(before);
  });

  it('truncates notification headers at 10 KB like SES', async () => {
    const headers = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`X-Filler-${i}`, 'y'.repeat(400)]),
    );
    await transport().sendMail({ from: 'a@acme.example', to: BCC, subject: 'h', text: 'h', headers });
    const { raw } = await onlyNotification();
    const mail = JSON.parse(raw.Message).mail;
    expect(mail.headersTruncated).toBe(true);
    expect(JSON.stringify(mail.headers).length).toBeLessThan(12 * 1024);
    expect(mail.commonHeaders.subject).toBe('h');
  });

  it('accepts headers of any size and announces capped copies of them', async () => {
    const subject = `Big ${'s'.repeat(2 * 1024 * 1024)}`;
    const to = [BCC, ...Array.from({ length: 15_000 }, (_, i) => `p${i}@globex.example`)].join(', ');
    expect(to.length).toBeGreaterThan(300 * 1024);
    for (const message of [
      { from: 'a@acme.example', to: BCC, subject, text: 'big subject' },
      {
        from: 'a@acme.example',
        to,
        envelope: { from: 'a@acme.example', to: [BCC] },
        subject: 'big to',
        text: 'x',
      },
    ]) {
      const info = await transport().sendMail(message);
      expect(info.response).toMatch(/^250 /);
      const { raw, notification } = await onlyNotification(3);
      // SNS takes at most 256 KB per message; the notification stays well within it.
      expect(raw.Message.length).toBeLessThan(64 * 1024);
      expect(notification.mail.commonHeaders?.subject?.length ?? 0).toBeLessThanOrEqual(2048);
      const stored = await readObject(notification.receipt.action.objectKey);
      expect(stored.length).toBeGreaterThan(message.subject.length);
    }
  });
});
