/**
 * Notices through the whole local stack (SMTP in, the emulator, the outbox folder out), windows at
 * zero: a rep's mail naming nobody known gets a notice in the outbox; an outsider's reply to its
 * reply address changes nothing and is `rejected` / `reply-not-from-sender` (`capture status`);
 * the rep's reply naming an order, or a contact, logs the original mail as a Task there and is
 * answered in one line; a forwarded mail that ends unresolved notifies nobody and appears in the
 * admin digest `capture digest` sends; the local page lists the outbox.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#local/stack.ts';
import { listOutbox, readOutboxFile } from '#shared/adapters/outbox-outbound-mail.ts';
import type { OutcomeRecord } from '#shared/domain/outcome.ts';
import { localAwsEnv, runCapture } from '../support/cli.ts';
import { startTestStack } from '../support/stack.ts';

const BCC = 'acme-k7q2m9x4p8w3@capture.localhost';
const FORWARD = 'acme-inbox-3n8v5t2r6y1z@capture.localhost';
const ALICE = 'alice@acme.example';
let stack: LocalStack;
let transport: Transporter;
let dir: string;
let seen = 0;

beforeAll(async () => {
  process.env.LOG_LEVEL = 'ERROR';
  dir = mkdtempSync(join(tmpdir(), 'capture-notices-'));
  const config = JSON.parse(readFileSync(new URL('../../local/demo/orgs.json', import.meta.url), 'utf8'));
  config.orgs[0].notices = { adminEmails: ['admin@acme.example'], digestHour: 8 };
  const configPath = join(dir, 'orgs.json');
  writeFileSync(configPath, JSON.stringify(config));
  stack = await startTestStack({ configPath, dataDir: join(dir, 'data'), noticeWindowSeconds: 0 });
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false });
}, 60_000);

afterAll(async () => {
  transport?.close();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const send = async (message: SendMailOptions & { envelope: { from: string; to: string[] } }) => {
  await transport.sendMail({ text: 'Hello', ...message });
  await stack.idle();
};

/** Outbox messages written since the last call, oldest first. */
async function newInOutbox(): Promise<(ParsedMail & { file: string; raw: string })[]> {
  const files = (await listOutbox(stack.outboxDir)).map((f) => f.file).sort();
  const fresh = files.slice(seen);
  seen = files.length;
  return Promise.all(
    fresh.map(async (file) => {
      const raw = (await readOutboxFile(stack.outboxDir, file)) ?? Buffer.alloc(0);
      return Object.assign(await simpleParser(raw), { file, raw: raw.toString('utf8') });
    }),
  );
}

const address = (field: ParsedMail['to'] | ParsedMail['replyTo']) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address));

async function outcomeOf(messageId: string): Promise<OutcomeRecord | undefined> {
  return (await stack.outcomes.list()).find((o) => o.messageId === messageId);
}

/** `npx capture …` against the local stack's AWS stand-in. */
const capture = (args: string[]) => runCapture(args, { env: localAwsEnv(stack.aws) });

const tasks = (subject: string) =>
  (stack.emulator?.records('Task') ?? []).filter((t) => t.Subject === subject);
const idOf = (type: string, field: string, value: string) =>
  stack.emulator?.records(type).find((r) => r[field] === value)?.Id;

describe('notices through the local stack', () => {
  let replyAddress = '';
  let noticeRaw = '';
  let noticeId = '';

  it('tells the rep whose mail names nobody known, in the outbox, with a reply address', async () => {
    await send({
      from: `Alice Rep <${ALICE}>`,
      to: 'Nobody <nobody@unknown.example>',
      subject: 'Pump quote',
      messageId: '<pump-1@acme.example>',
      envelope: { from: ALICE, to: [BCC] },
    });
    expect(await outcomeOf('<pump-1@acme.example>')).toMatchObject({ outcome: 'unmatched' });
    const [notice, ...more] = await newInOutbox();
    expect(more).toEqual([]);
    expect(address(notice?.to)).toEqual([ALICE]);
    expect(notice?.raw).toMatch(/^Auto-Submitted: auto-replied\r?$/m);
    expect(notice?.subject).toBe('Not logged in Salesforce: Pump quote');
    expect(notice?.inReplyTo).toBe('<pump-1@acme.example>');
    expect(notice?.text).toContain('nobody it was sent to or received from is a Contact or Lead');
    [replyAddress = ''] = address(notice?.replyTo);
    expect(replyAddress).toMatch(/^reply\.[a-z0-9]{24}@capture\.localhost$/);
    noticeRaw = notice?.raw ?? '';
    noticeId = notice?.messageId ?? '';
  });

  it('never logs or answers its own notice when it comes back to a capture address', async () => {
    await transport.sendMail({ envelope: { from: ALICE, to: [BCC] }, raw: noticeRaw });
    await stack.idle();
    expect(await outcomeOf(noticeId)).toMatchObject({ outcome: 'rejected', reason: 'auto-reply' });
    expect(await newInOutbox()).toEqual([]);
  });

  it('ignores an outsider’s reply to that address: nothing logged, nothing sent, `capture status` says why', async () => {
    await send({
      from: 'Mallory <mallory@globex.example>',
      to: replyAddress,
      subject: 'Re: Not logged in Salesforce: Pump quote',
      messageId: '<mallory-1@globex.example>',
      text: 'ORD-10042',
      envelope: { from: 'mallory@globex.example', to: [replyAddress] },
    });
    const status = await capture(['status', '<mallory-1@globex.example>', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ outcome: 'rejected', reason: 'reply-not-from-sender' });
    expect(tasks('Email: Pump quote')).toEqual([]);
    expect(await outcomeOf('<pump-1@acme.example>')).toMatchObject({ outcome: 'unmatched' });
    expect(await newInOutbox()).toEqual([]);
  });

  it('logs the mail on the order the rep names in their reply, and answers in one line', async () => {
    await send({
      from: `Alice Rep <${ALICE}>`,
      to: replyAddress,
      subject: 'Re: Not logged in Salesforce: Pump quote',
      messageId: '<alice-reply-1@acme.example>',
      inReplyTo: '<notice@capture.localhost>',
      text: 'ORD-10042\n\nOn Monday Capture wrote:\n> Not logged in Salesforce',
      envelope: { from: ALICE, to: [replyAddress] },
    });
    const [task, ...others] = tasks('Email: Pump quote');
    expect(others).toEqual([]);
    expect(task).toMatchObject({
      WhatId: idOf('Order', 'OrderNumber', 'ORD-10042'),
      WhoId: null,
      OwnerId: idOf('User', 'Email', ALICE),
    });
    expect(await outcomeOf('<pump-1@acme.example>')).toMatchObject({ outcome: 'created', taskId: task?.Id });
    // The reply itself is never a Task.
    expect(await outcomeOf('<alice-reply-1@acme.example>')).toMatchObject({
      outcome: 'excluded',
      reason: 'notice-reply',
    });
    const [answer, ...rest] = await newInOutbox();
    expect(rest).toEqual([]);
    expect(address(answer?.to)).toEqual([ALICE]);
    expect(answer?.subject).toBe('Logged: Pump quote');
    expect(answer?.text?.trim()).toBe(`Logged in Salesforce as Task ${task?.Id} on ORD-10042: "Pump quote".`);
    expect(answer?.raw).toMatch(/^Auto-Submitted: auto-replied\r?$/m);
  });

  it('logs a mail with the contact the rep names', async () => {
    await send({
      from: `Alice Rep <${ALICE}>`,
      to: 'Someone <someone@unknown.example>',
      subject: 'Valve quote',
      messageId: '<valve-1@acme.example>',
      envelope: { from: ALICE, to: [BCC] },
    });
    const [notice] = await newInOutbox();
    const [to = ''] = address(notice?.replyTo);
    await send({
      from: `Alice Rep <${ALICE}>`,
      to,
      subject: 'Re: Not logged in Salesforce: Valve quote',
      text: 'jane.doe@globex.example',
      envelope: { from: ALICE, to: [to] },
    });
    expect(tasks('Email: Valve quote')).toMatchObject([
      { WhoId: idOf('Contact', 'Email', 'jane.doe@globex.example') },
    ]);
    expect((await newInOutbox()).map((m) => m.subject)).toEqual(['Logged: Valve quote']);
  });

  it('tells no outsider about forwarded mail; the admin digest from `capture digest` lists it', async () => {
    await send({
      from: 'Olga Outsider <olga@unknown.example>',
      to: 'orders@acme.example',
      subject: 'Where is my order?',
      messageId: '<olga-1@unknown.example>',
      envelope: { from: 'olga@unknown.example', to: [FORWARD] },
    });
    expect(await outcomeOf('<olga-1@unknown.example>')).toMatchObject({ outcome: 'unmatched' });
    expect(await newInOutbox()).toEqual([]);

    const asked = await capture(['digest', '--org', 'acme']);
    expect(asked.code, asked.stderr).toBe(0);
    await stack.idle();
    const [digest, ...rest] = await newInOutbox();
    expect(rest).toEqual([]);
    expect(address(digest?.to)).toEqual(['admin@acme.example']);
    expect(digest?.subject).toBe('Capture digest for acme: 1 mail not logged');
    expect(digest?.text).toContain('"Where is my order?" (forward address;');
    expect(digest?.text).toContain('capture replay --unresolved --org acme');
    // The outsider is named nowhere but in the mail's own subject line.
    expect(digest?.raw).not.toContain('olga@unknown.example');
  });

  it('lists the outbox on the local page, each message as its .eml', async () => {
    const page = await (await fetch(stack.salesforceUrl)).text();
    expect(page).toContain('Outbox (5)');
    expect(page).toContain('Not logged in Salesforce: Pump quote');
    const [first] = await listOutbox(stack.outboxDir);
    const eml = await fetch(`${stack.salesforceUrl}/outbox/${first?.file}`);
    expect(eml.headers.get('content-type')).toBe('message/rfc822');
    expect(await eml.text()).toContain('Auto-Submitted:');
    expect((await fetch(`${stack.salesforceUrl}/outbox/..%2Fsalesforce.json`)).status).toBe(404);
  });
});
