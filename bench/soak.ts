/**
 * `npm run soak -- --emails N --fault-rate R [--seed S] [--hostile-every K]`: pushes N emails
 * (every K-th one hostile, at full size: a forged rep, padded order numbers, 5 MB of nested
 * HTML, 20,000 MIME parts, a 2 MB Subject, a 300 KB To header, bulk and list mail on the
 * forward address, mail from a capture subdomain, auto-replies, strangers) through the local
 * stack while faults fire:
 * - per request: the Salesforce emulator fails a fraction R of API requests (5xx,
 *   REQUEST_LIMIT_EXCEEDED, INVALID_SESSION_ID, UNABLE_TO_LOCK_ROW, dropped connections) and a
 *   fraction R/4 of handler invocations crash, before or after the handler did its work;
 * - per email: a fraction R of the emails meets one fault of its own, once: the SMTP stand-in
 *   fails between its S3 write and its SNS publish (the sender gets 451 and retries), the parse
 *   stage loses its acknowledgement after it sent the mail on, the sync stage loses its
 *   acknowledgement after the Task was created, or the raw object is gone when the parse stage
 *   reads it (the mail must then end as a DLQ entry with its reason).
 * Then every sent Message-ID is checked on its own: exactly one Task, or exactly one DLQ entry
 * with its reason (`capture.reason`), or a recorded non-Task outcome with a reason; never both,
 * never neither. That one ending must also be the one its kind expects (EXPECTED).
 * With --poison P, a fraction P of the other mails is poisoned (POISON): a charset, token or
 * sub-address named like a property every object has, lone surrogates, terminal escapes, a mail
 * from 1601, invites lasting billions of days or with time zones that expand for minutes, a
 * private invite. Each must end once, as its kind must, its Task free of escapes.
 * Last stdout line: {"emails","tasks","dlq","lost","duplicates","faultsInjected"}, with
 * "poisoned" and "poisonOutcomes" after them when --poison is given. Exit code 1 when anything was lost, duplicated or ended the wrong way.
 */

import { parseArgs } from 'node:util';
import { type Message, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { SqsHandler } from '#local/runner.ts';
import { mulberry32 } from '#local/salesforce/faults.ts';
import type { LocalStack } from '#local/stack.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import type { OutcomeRecord } from '#shared/domain/outcome.ts';
import { captureIdForMessageId, normaliseMessageId } from '#shared/domain/sync/capture-id.ts';

process.env.LOG_LEVEL ??= 'SILENT';
const { startLocalStack } = await import('#local/stack.ts');

const { values } = parseArgs({
  options: {
    emails: { type: 'string', default: '200' },
    'fault-rate': { type: 'string', default: '0.1' },
    seed: { type: 'string', default: '42' },
    // Every Nth mail is hostile (1: all of them, cycling through the kinds).
    'hostile-every': { type: 'string', default: '4' },
    // A fraction of the mails (chosen at random, --seed) is poisoned: input built to crash or
    // hold the parse stage, or to smuggle escapes into Salesforce (POISON below).
    poison: { type: 'string', default: '0' },
    // The soak's own test: the sync stage drops the first mail unworked, dead-letters a copy of
    // the second after making its Task and dead-letters the third without a reason, and the stack
    // ignores test verdicts so a forged rep passes; the accounting must report all four.
    sabotage: { type: 'boolean', default: false },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(
    'usage: npm run soak -- [--emails N] [--fault-rate R] [--seed S] [--hostile-every N] [--poison P]   (R between 0 and 0.5, P between 0 and 1)',
  );
  process.exit(0);
}
const emails = Number(values.emails);
const rate = Number(values['fault-rate']);
const seed = Number(values.seed);
const hostileEvery = Number(values['hostile-every']);
const poisonRate = Number(values.poison);
if (
  !Number.isInteger(emails) ||
  emails < 1 ||
  !(rate >= 0 && rate <= 0.5) ||
  !Number.isInteger(seed) ||
  !Number.isInteger(hostileEvery) ||
  hostileEvery < 1 ||
  !(poisonRate >= 0 && poisonRate <= 1)
) {
  console.error(
    'error: --emails and --hostile-every must be positive integers, --fault-rate between 0 and 0.5, --poison between 0 and 1, --seed an integer',
  );
  process.exit(2);
}

const ORG = 'acme';
const MAIL_DOMAIN = 'soak.acme.example';
/** How each hostile kind must end when no fault got in its way; the issue's own cases, full size. */
const EXPECTED = {
  // From an internal domain, SPF FAIL + DKIM FAIL + DMARC GRAY, on the bcc address.
  'forged-rep': { ending: 'quarantined', reason: 'sender-not-authenticated' },
  // Backtracked for 96 s before the order-number patterns were bounded.
  'order-padding': { ending: 'task' },
  // 5 MB: 262,144 nested <div><b>, HTML only, so the HTML is what becomes the text.
  'deep-html': { ending: 'task', warning: /^html-depth:/ },
  // 20,000 inline text parts (~0.9 MB): read up to the parts budget, the rest said to be cut.
  'many-parts': { ending: 'task', warning: /^mime-parts:/ },
  'huge-subject': { ending: 'task', warning: /^subject-truncated:/ },
  'huge-to': { ending: 'task', warning: /^recipients-truncated:/ },
  'bulk-forward': { ending: 'rejected', reason: 'bulk-mail' },
  'list-forward': { ending: 'rejected', reason: 'list-mail' },
  'capture-subdomain': { ending: 'rejected', reason: 'loop-own-domain' },
  'auto-reply': { ending: 'rejected', reason: 'auto-reply' },
  stranger: { ending: 'unmatched' },
} as const satisfies Record<string, { ending: string; reason?: string; warning?: RegExp }>;
type HostileKind = keyof typeof EXPECTED;
const KINDS = Object.keys(EXPECTED) as HostileKind[];
/**
 * Poisoned mails and how each must end: a Task or Event with the warning that says what was cut,
 * or an outcome with its reason. None may crash or hold the parse stage, fail a neighbour, or put
 * an escape sequence, control or bidi character into a Task.
 */
const POISON = {
  // A charset named like a property every object has, in raw 8-bit headers, and <constructor> tags.
  'inherited-charset': { ending: 'task', warning: /^raw 8-bit header bytes decoded as windows-1252/ },
  // Sent to the token "constructor": an unknown capture address, as any other.
  'inherited-token': { ending: 'rejected', reason: 'unknown-token' },
  // A sub-address target named like one: not a record, the Task is still made.
  'inherited-target': { ending: 'task' },
  // UTF-7 encoded words that decode to lone surrogates in the From name and Subject.
  'lone-surrogate': { ending: 'task' },
  // Terminal escapes, C1 controls and bidi overrides in Subject, From name and body.
  'escape-subject': { ending: 'task' },
  'date-1601': { ending: 'task', warning: /^Date header is before 1970/ },
  // An invite lasting three billion days: ran for seconds to minutes before DURATION was bounded.
  'duration-billions': { ending: 'event', warning: /^calendar-cut: a DURATION over/ },
  // A custom time zone with 366 onsets a year from 1601, twenty times over.
  'vtimezone-expansion': { ending: 'event', warning: /^calendar-cut: time zone/ },
  'private-invite': { ending: 'excluded', reason: 'private-tag' },
} as const satisfies Record<string, { ending: string; reason?: string; warning?: RegExp }>;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding what must not reach Salesforce is the point
const UNCLEAN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
type PoisonKind = keyof typeof POISON;
const POISON_KINDS = Object.keys(POISON) as PoisonKind[];
type Kind = 'plain' | HostileKind | PoisonKind;
const isPoison = (kind: Kind): kind is PoisonKind => kind in POISON;
const EMAIL_FAULTS = ['smtp-before-publish', 'parse-lost-ack', 'sync-lost-ack', 'raw-missing'] as const;
type EmailFault = (typeof EMAIL_FAULTS)[number];
/** Outcomes that end a mail without a Task; they must carry a reason. */
const NON_TASK = new Set(['unmatched', 'excluded', 'quarantined', 'rejected']);

interface Planned {
  index: number;
  /** Normalised (no angle brackets), as outcomes and capture ids use it. */
  messageId: string;
  kind: Kind;
  fault: EmailFault | null;
}

// Deterministic, so a failing run can be repeated with the same --seed.
const random = mulberry32(seed);

const plan: Planned[] = Array.from({ length: emails }, (_, index) => ({
  index,
  messageId: `soak-${index}@${MAIL_DOMAIN}`,
  // Every Nth mail is hostile, cycling through the kinds.
  kind:
    index % hostileEvery === hostileEvery - 1
      ? KINDS[Math.floor(index / hostileEvery) % KINDS.length]!
      : poisonRate > 0 && random() < poisonRate
        ? POISON_KINDS[index % POISON_KINDS.length]!
        : 'plain',
  fault: random() < rate ? EMAIL_FAULTS[Math.floor(random() * EMAIL_FAULTS.length)]! : null,
}));

/** Faults each email still has to meet; an email meets its fault once. */
const pendingFaults = new Map(plan.filter((p) => p.fault).map((p) => [p.messageId, p.fault!]));
const fired = { emailFaults: new Map<EmailFault, number>(), requestCrashes: 0 };
function fire(messageId: string, fault: EmailFault): boolean {
  if (pendingFaults.get(messageId) !== fault) return false;
  pendingFaults.delete(messageId);
  fired.emailFaults.set(fault, (fired.emailFaults.get(fault) ?? 0) + 1);
  return true;
}

const SOAK_ID = new RegExp(`soak-(\\d+)@${MAIL_DOMAIN.replace(/\./g, '\\.')}`, 'g');
/** The soak Message-IDs a queue body (SNS envelope, sync pointer or DLQ wrapper) speaks of. */
function messageIdsIn(body: string): string[] {
  return [...new Set([...body.matchAll(SOAK_ID)].map((m) => m[0]))];
}

const stack = await startLocalStack({
  smtpPort: 0,
  sfPort: 0,
  awsPort: 0,
  allowTestVerdicts: !values.sabotage,
  // Lost acknowledgements come back after the visibility timeout: short while faults are injected,
  // but above a busy machine's slowest handler, or a message would be taken again while it is still
  // being worked on and go to the DLQ by receive count. Without faults, the pipeline's own.
  ...(rate > 0 ? { visibilityTimeoutSeconds: { intake: 8, sync: 8 } } : {}),
  failureBackoffSeconds: 1,
  wrapHandler: injectFaults,
  onHandlerError: () => {}, // expected by the hundred; the accounting below is what counts
  beforePublish: ({ messageId }) => {
    if (messageId && fire(normaliseMessageId(messageId), 'smtp-before-publish'))
      throw new Error('soak: crashed between the S3 write and the SNS publish');
  },
});

/**
 * Per invocation: a crash before or after the handler ran (after: Tasks exist, nothing is
 * acknowledged). Per email: the acknowledgement of that one record is lost after its work.
 */
function injectFaults(name: 'parse' | 'sync', handler: SqsHandler): SqsHandler {
  const lostAck: EmailFault = name === 'parse' ? 'parse-lost-ack' : 'sync-lost-ack';
  const sabotaged = name === 'sync' && values.sabotage ? sabotage(handler) : handler;
  return async (event, context) => {
    const crash = random() < rate / 4 ? (random() < 0.5 ? 'before' : 'after') : null;
    if (crash === 'before') {
      fired.requestCrashes++;
      throw new Error(`soak: ${name} crashed before its work`);
    }
    if (name === 'parse') event = { Records: event.Records.map(loseRawObject) };
    const response = ((await sabotaged(event, context)) ?? undefined) as SQSBatchResponse | undefined;
    if (crash === 'after') {
      fired.requestCrashes++;
      throw new Error(`soak: ${name} crashed after its work, before acknowledging it`);
    }
    const failures = [...(response?.batchItemFailures ?? [])];
    const failed = new Set(failures.map((f) => f.itemIdentifier));
    // A record the handler failed anyway keeps its fault for a delivery where it does harm.
    for (const record of event.Records.filter((r) => !failed.has(r.messageId))) {
      if (messageIdsIn(record.body).some((id) => fire(id, lostAck)))
        failures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures: failures };
  };
}

/**
 * Per email (raw-missing): the notification points at a raw object that is not there, as if it
 * had been deleted, on this and every later delivery. No retry can help; the parse stage itself
 * must dead-letter the mail with its reason, which is how the soak sees DLQ entries made by the
 * real handler.
 */
const rawLost = new Set<string>();
function loseRawObject(record: SQSRecord): SQSRecord {
  const ids = messageIdsIn(record.body);
  for (const id of ids) if (fire(id, 'raw-missing')) rawLost.add(id);
  if (!ids.some((id) => rawLost.has(id))) return record;
  // The key sits in the SES notification, itself a JSON string inside the SNS envelope.
  const body = record.body.replace(/(objectKey\\?"\s*:\s*\\?")([^"\\]+)/, '$1$2.missing');
  return { ...record, body };
}

/**
 * Breaks the promise on purpose (--sabotage): the first mail ends as nothing, the second as a
 * Task and a DLQ entry, the third as a DLQ entry without a reason (as a queue's own redrive
 * leaves it).
 */
function sabotage(handler: SqsHandler): SqsHandler {
  const [dropped, doubled, reasonless] = [plan[0]?.messageId, plan[1]?.messageId, plan[2]?.messageId];
  const mentions = (body: string, id: string | undefined) =>
    id !== undefined && messageIdsIn(body).includes(id);
  const toDlq = (body: string, attributes: Record<string, string>) =>
    stack.aws.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.aws.resources.syncDlqUrl,
        MessageBody: body,
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
      }),
    );
  return async (event, context) => {
    const kept = event.Records.filter((r) => !mentions(r.body, dropped) && !mentions(r.body, reasonless));
    const response = await handler({ Records: kept }, context);
    for (const r of event.Records.filter((k) => mentions(k.body, reasonless))) await toDlq(r.body, {});
    for (const r of kept.filter((k) => mentions(k.body, doubled)))
      await toDlq(r.body, {
        [pipeline.deadLetterAttributes.stage]: 'sync',
        [pipeline.deadLetterAttributes.reason]: 'soak sabotage',
      });
    return response;
  };
}

stack.emulator!.setFaults({
  rates: {
    SERVER_ERROR: rate / 5,
    REQUEST_LIMIT_EXCEEDED: rate / 5,
    INVALID_SESSION_ID: rate / 5,
    UNABLE_TO_LOCK_ROW: rate / 5,
    DROP_CONNECTION: rate / 5,
  },
  seed,
});

const [bccAddress, inboxAddress] = [stack.captureAddresses[0]!.address, stack.captureAddresses[1]!.address];
const captureDomain = bccAddress.slice(bccAddress.indexOf('@') + 1);
// The big hostile payloads, built once: 5 MB of nesting, a 2 MB Subject, a 313 KB To header.
const DEEP_HTML_LEVELS = 262_144;
const deepHtml = `${'<div><b>'.repeat(DEEP_HTML_LEVELS)}Deep${'</b></div>'.repeat(DEEP_HTML_LEVELS)}`;
const hugeSubject = 'padding '.repeat(256 * 1024);
const hugeTo = [
  'Jane Doe <jane.doe@globex.example>',
  ...Array.from({ length: 12_000 }, (_, k) => `guest${k}@globex.example`),
].join(', ');
const MIME_PARTS = 20_000;

/** The mail for one planned email; every kind is something the pipeline must survive. */
function mailFor(p: Planned): SendMailOptions {
  const base: SendMailOptions = {
    from: 'Alice Rep <alice@acme.example>',
    to: ['Jane Doe <jane.doe@globex.example>', 'carl@globex.example', 'peter@initech.example'][p.index % 3],
    bcc: bccAddress,
    subject: `Soak ${p.index} (${p.kind})`,
    messageId: `<${p.messageId}>`,
    text: `Soak test message ${p.index}.`,
  };
  const toInbox = { to: inboxAddress, bcc: undefined };
  if (isPoison(p.kind)) return poisonMail(p, p.kind);
  switch (p.kind) {
    case 'plain':
      return base;
    case 'order-padding':
      return { ...base, text: `Order${' '.repeat(1_000)}Total: 5 EUR` };
    case 'deep-html':
      return { ...base, text: undefined, html: deepHtml };
    case 'many-parts':
      return { envelope: { from: 'alice@acme.example', to: [bccAddress] }, raw: manyParts(p) };
    case 'huge-subject':
      return { ...base, subject: `Soak ${p.index} ${hugeSubject}` };
    case 'huge-to':
      return { ...base, to: hugeTo, envelope: { from: 'alice@acme.example', to: [bccAddress] } };
    case 'forged-rep':
      return {
        ...base,
        envelope: { from: 'mallory@evil.example', to: [bccAddress] },
        headers: { 'X-Capture-Test-Verdicts': 'spf=FAIL,dkim=FAIL,dmarc=GRAY' },
      };
    case 'bulk-forward':
      return {
        ...base,
        ...toInbox,
        from: 'Globex News <news@globex.example>',
        headers: { Precedence: 'bulk' },
      };
    case 'list-forward':
      return {
        ...base,
        ...toInbox,
        from: 'Globex News <news@lists.globex.example>',
        headers: {
          'List-Id': 'Globex news <news.lists.globex.example>',
          'List-Unsubscribe': '<mailto:leave@lists.globex.example>',
        },
      };
    case 'capture-subdomain':
      return { ...base, ...toInbox, from: `Capture Robot <robot@notify.${captureDomain}>` };
    case 'auto-reply':
      return { ...base, headers: { 'Auto-Submitted': 'auto-replied' } };
    case 'stranger':
      return { ...base, to: 'Nobody <nobody@unknown-company.example>' };
  }
}

/** A poisoned mail, written byte by byte (nodemailer would encode its headers properly). */
function poisonMail(p: Planned, kind: PoisonKind): SendMailOptions {
  const [token, domain] = bccAddress.split('@') as [string, string];
  const envelope = { from: 'alice@acme.example', to: [bccAddress] };
  const head = (subject: string, extra: string[] = []) =>
    [
      'From: Alice Rep <alice@acme.example>',
      'To: Jane Doe <jane.doe@globex.example>',
      `Subject: ${subject}`,
      `Message-ID: <${p.messageId}>`,
      'Date: Mon, 2 Mar 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      ...extra,
      '',
      '',
    ].join('\r\n');
  const raw = (text: string) => ({ envelope, raw: Buffer.from(text, 'latin1') });
  switch (kind) {
    case 'inherited-charset':
      return raw(
        `${head(`Soak ${p.index} Gr\xfc\xdfe`, ['Content-Type: text/html; charset=constructor'])}<constructor>Soak</constructor> <p>poisoned</p>\r\n`,
      );
    case 'inherited-token':
      return {
        ...raw(`${head(`Soak ${p.index} (${kind})`)}Hello\r\n`),
        envelope: { ...envelope, to: [`constructor@${domain}`] },
      };
    case 'inherited-target':
      return {
        ...raw(`${head(`Soak ${p.index} (${kind})`)}Hello\r\n`),
        envelope: { ...envelope, to: [`${token}+__proto__@${domain}`] },
      };
    case 'lone-surrogate':
      return raw(
        head(`=?utf-7?Q?Soak_${p.index}_+2D3-?=`).replace(
          'From: Alice Rep',
          'From: =?utf-7?Q?Alice_+2D3-Rep?=',
        ) + 'Body +2D3- end\r\n',
      );
    case 'escape-subject': {
      const word = (text: string) => `=?utf-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
      return raw(
        `${head(word(`Soak ${p.index} \u001b]0;owned\u0007\u001b[2J\u009b31m\u202eexe.pdf`))}Body \u001b[31mred\u001b[0m\r\n`,
      );
    }
    case 'date-1601':
      return raw(head(`Soak ${p.index} (${kind})`).replace('Mon, 2 Mar 2026', 'Mon, 1 Jan 1601') + 'Old\r\n');
    case 'duration-billions':
      return raw(inviteMail(p, head, ['DTSTART:20260310T100000Z', 'DURATION:P3000000000D']));
    case 'vtimezone-expansion':
      return raw(
        inviteMail(p, head, ['DTSTART;TZID=Custom:20260310T100000', 'DURATION:PT1H'], hostileZone()),
      );
    case 'private-invite':
      return raw(inviteMail(p, head, ['DTSTART:20260310T100000Z', 'DURATION:PT1H'], '', 'Lunch #private'));
  }
}

function inviteMail(
  p: Planned,
  head: (subject: string, extra: string[]) => string,
  when: string[],
  zone = '',
  summary = `Soak ${p.index} meeting`,
): string {
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'METHOD:REQUEST',
    ...(zone ? [zone] : []),
    'BEGIN:VEVENT',
    `UID:soak-${p.index}@${MAIL_DOMAIN}`,
    `SUMMARY:${summary}`,
    ...when,
    'ORGANIZER;CN=Alice Rep:mailto:alice@acme.example',
    'ATTENDEE;CN=Jane Doe;PARTSTAT=NEEDS-ACTION:mailto:jane.doe@globex.example',
    'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');
  return `${head(`Soak ${p.index} invite`, ['Content-Type: text/calendar; method=REQUEST; charset=utf-8'])}${ics}\r\n`;
}

function hostileZone(): string {
  const days = Array.from({ length: 366 }, (_, k) => k + 1).join(',');
  const rules = Array.from({ length: 20 }, (_, k) => {
    const kind = k % 2 ? 'DAYLIGHT' : 'STANDARD';
    return `BEGIN:${kind}\r\nDTSTART:16010101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nRRULE:FREQ=YEARLY;BYYEARDAY=${days}\r\nEND:${kind}`;
  });
  return ['BEGIN:VTIMEZONE', 'TZID:Custom', ...rules, 'END:VTIMEZONE'].join('\r\n');
}

/** 20,000 inline text parts in one multipart/mixed: far past the parts budget. */
function manyParts(p: Planned): string {
  const head = [
    'From: Alice Rep <alice@acme.example>',
    'To: Jane Doe <jane.doe@globex.example>',
    `Subject: Soak ${p.index} (many-parts)`,
    `Message-ID: <${p.messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="soak-part"',
    '',
    '',
  ].join('\r\n');
  const parts = Array.from(
    { length: MIME_PARTS },
    (_, k) => `--soak-part\r\nContent-Type: text/plain\r\n\r\npart ${k}\r\n`,
  );
  return `${head}${parts.join('')}--soak-part--\r\n`;
}

/** An SMTP sender: 4xx and dropped connections are retried, as an MTA would; 5xx is final. */
async function deliver(transport: Transporter, p: Planned): Promise<string | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      await transport.sendMail(mailFor(p));
      return null;
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      if (code !== undefined && code >= 500) return `refused by SMTP: ${(error as Error).message}`;
      if (attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

const transport = nodemailer.createTransport({
  host: '127.0.0.1',
  port: stack.smtpPort,
  secure: false,
  pool: true,
  maxConnections: 4,
});
const started = Date.now();
const refused = new Map<string, string>();
// Twenty senders at once, each taking the next planned email when it is done with one.
let next = 0;
let sent = 0;
await Promise.all(
  Array.from({ length: 20 }, async () => {
    for (let p = plan[next++]; p; p = plan[next++]) {
      const refusal = await deliver(transport, p);
      if (refusal) refused.set(p.messageId, refusal);
      if (++sent % 20 === 0 || sent === emails) process.stderr.write(`sent ${sent}/${emails}\r`);
    }
  }),
);
transport.close();
process.stderr.write(`\nsent in ${Date.now() - started} ms; waiting for the pipeline to settle…\n`);
await stack.idle();
stack.emulator!.setFaults({});

const report = await account(stack);
const faultsInjected =
  stack.emulator!.faultsInjected() +
  fired.requestCrashes +
  [...fired.emailFaults.values()].reduce((a, b) => a + b, 0);
process.stderr.write(
  `${emails} emails in ${((Date.now() - started) / 1000).toFixed(1)} s; faults: ${stack.emulator!.faultsInjected()} Salesforce requests, ${fired.requestCrashes} handler crashes, per email ${JSON.stringify(Object.fromEntries(fired.emailFaults))}\n${report.summary}`,
);
await stack.stop();
const result = {
  emails,
  tasks: report.tasks,
  dlq: report.dlq,
  lost: report.lost,
  duplicates: report.duplicates,
  faultsInjected,
  // With --poison: poisoned mails sent, and those that ended exactly once, the way their kind must.
  ...(poisonRate > 0
    ? { poisoned: plan.filter((p) => isPoison(p.kind)).length, poisonOutcomes: report.poisonOutcomes }
    : {}),
};
console.log(JSON.stringify(result));
process.exit(result.lost > 0 || result.duplicates > 0 || report.unexpected > 0 ? 1 : 0);

interface DeadLetter {
  messageIds: string[];
  /** From the `capture.reason` message attribute; null for an entry that came without one. */
  reason: string | null;
}

/** Reads both DLQs without deleting anything: every entry once, with its reason. */
async function deadLetters(s: LocalStack): Promise<DeadLetter[]> {
  const entries: DeadLetter[] = [];
  for (const queueUrl of [s.aws.resources.intakeDlqUrl, s.aws.resources.syncDlqUrl]) {
    const seen = new Set<string>();
    for (;;) {
      const { Messages = [] } = await s.aws.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 600,
          MessageAttributeNames: ['All'],
        }),
      );
      const fresh = Messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const m of fresh) {
        seen.add(m.MessageId!);
        entries.push({ messageIds: messageIdsIn(m.Body ?? ''), reason: deadLetterReason(m) });
      }
    }
  }
  return entries;
}

/**
 * The handlers keep the original body and add the reason as a message attribute. An entry
 * without one (redriven by the queue after maxReceiveCount, or put there by anything else)
 * says nothing about why the mail was given up: it counts as lost.
 */
function deadLetterReason(m: Message): string | null {
  const value = m.MessageAttributes?.[pipeline.deadLetterAttributes.reason]?.StringValue;
  return value ? value : null;
}

type Ending = 'task' | 'event' | 'dlq' | 'refused' | 'nothing' | OutcomeRecord['outcome'];

/** What the pipeline left behind for one sent mail. */
interface Evidence {
  tasks: number;
  /** The mail's Task (the first, when there are several). */
  task: Record<string, unknown> | null;
  /** Its recorded outcome names an Event (an invite). */
  event: boolean;
  dead: DeadLetter[];
  /** Recorded outcomes of this Message-ID (one per org it was captured for). */
  outcomes: OutcomeRecord[];
  refusal: string | undefined;
}

/**
 * Exactly one ending or the mail is lost: one Task, or one DLQ entry with its reason, or a
 * recorded non-Task outcome with its reason (or a final SMTP refusal); none, or more than one.
 */
function endingOf(e: Evidence): { ending: Ending; endings: number } {
  const withReason = e.dead.filter((d) => d.reason);
  const recorded = e.outcomes.filter((o) => NON_TASK.has(o.outcome) && o.reason);
  // A DLQ entry without a reason says nothing about why the mail was given up: lost, whatever else.
  const reasonless = e.dead.length - withReason.length;
  const endings =
    reasonless > 0
      ? 0
      : (e.tasks > 0 || e.event ? 1 : 0) + withReason.length + (recorded.length > 0 || e.refusal ? 1 : 0);
  const ending: Ending =
    e.tasks > 0
      ? 'task'
      : e.event
        ? 'event'
        : withReason.length > 0
          ? 'dlq'
          : e.refusal
            ? 'refused'
            : recorded.length > 0
              ? recorded[0]!.outcome
              : 'nothing';
  return { ending, endings };
}

/**
 * Whether a mail that ended once ended the way its kind must. A DLQ entry with its reason is an
 * honest ending for any kind while faults fire (five bad deliveries in a row); anything else has
 * to be the kind's own outcome, with its reason, and a Task's outcome must carry the warning of
 * what was cut short. A Task's recorded outcome is `created`, or `duplicate` when an earlier
 * try made the Task but failed before it could say so.
 */
function unexpectedEnding(p: Planned, ending: Ending, e: Evidence): string | null {
  if (rawLost.has(p.messageId)) {
    // Its raw object is gone: only the parse stage's own DLQ entry, saying so, is right.
    const said = e.dead.some((d) => d.reason?.startsWith('NOT_FOUND'));
    return ending === 'dlq' && said ? null : `raw object gone, yet ended ${ending}`;
  }
  if (ending === 'dlq' && rate > 0) return null;
  const expected: { ending: string; reason?: string; warning?: RegExp } =
    p.kind === 'plain' ? { ending: 'task' } : isPoison(p.kind) ? POISON[p.kind] : EXPECTED[p.kind];
  if (ending !== expected.ending) return `ended ${ending}, expected ${expected.ending}`;
  if (ending === 'task' && e.task && isPoison(p.kind)) {
    const unclean = ['Subject', 'Description'].find((f) => UNCLEAN.test(String(e.task?.[f] ?? '')));
    if (unclean) return `its Task's ${unclean} holds control, escape or bidi characters`;
  }
  if (ending === 'task' || ending === 'event') {
    const outcome = e.outcomes.find((o) => o.outcome === 'created' || o.outcome === 'duplicate');
    if (!outcome)
      return `${ending} without a created outcome (${e.outcomes.map((o) => o.outcome).join(', ')})`;
    if (expected.warning && !outcome.warnings?.some((w) => expected.warning!.test(w)))
      return `outcome lacks the warning ${expected.warning} (${(outcome.warnings ?? []).join('; ')})`;
    return null;
  }
  const recorded = e.outcomes.find((o) => o.outcome === ending);
  if (expected.reason && recorded?.reason !== expected.reason)
    return `${ending} for ${recorded?.reason}, expected ${expected.reason}`;
  return null;
}

/** Per Message-ID: one ending, the one its kind expects; never both, never neither. */
async function account(s: LocalStack) {
  const taskCounts = new Map<string, number>();
  const taskOf = new Map<string, Record<string, unknown>>();
  let tasks = 0;
  for (const t of s.emulator!.records('Task')) {
    const id = String(t.Capture_Id__c ?? '');
    taskCounts.set(id, (taskCounts.get(id) ?? 0) + 1);
    if (!taskOf.has(id)) taskOf.set(id, t);
    tasks++;
  }
  const eventIds = new Set(s.emulator!.records('Event').map((e) => String(e.Id)));
  const outcomes = groupBy(await s.outcomes.list(), (o) =>
    o.messageId ? [normaliseMessageId(o.messageId)] : [],
  );
  const dlqEntries = await deadLetters(s);
  const dlqFor = groupBy(dlqEntries, (d) => d.messageIds);

  let [lost, duplicates, unexpected, poisonOutcomes] = [0, 0, 0, 0];
  const tally = new Map<string, number>();
  const problems: string[] = [];
  for (const p of plan) {
    const captureId = captureIdForMessageId(ORG, p.messageId);
    const mailOutcomes = outcomes.get(p.messageId) ?? [];
    const evidence: Evidence = {
      tasks: taskCounts.get(captureId) ?? 0,
      task: taskOf.get(captureId) ?? null,
      event: mailOutcomes.some(
        (o) => (o.outcome === 'created' || o.outcome === 'duplicate') && o.taskId && eventIds.has(o.taskId),
      ),
      dead: dlqFor.get(p.messageId) ?? [],
      outcomes: mailOutcomes,
      refusal: refused.get(p.messageId),
    };
    duplicates += Math.max(0, evidence.tasks - 1);
    const { ending, endings } = endingOf(evidence);
    const wrong = endings === 1 ? unexpectedEnding(p, ending, evidence) : null;
    if (endings !== 1) lost++;
    if (wrong) unexpected++;
    if (isPoison(p.kind) && endings === 1 && !wrong) poisonOutcomes++;
    if ((endings !== 1 || wrong) && problems.length < 10) {
      const reasonless = evidence.dead.filter((d) => !d.reason).length;
      problems.push(
        `${p.messageId} (${p.kind}): ${evidence.tasks} Tasks, ${evidence.dead.length} DLQ entries (${reasonless} without a reason), ${evidence.outcomes.length} outcomes${wrong ? `; ${wrong}` : ''}`,
      );
    }
    const key = `${p.kind} → ${endings === 1 ? ending : 'LOST'}${wrong ? ' (UNEXPECTED)' : ''}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  const known = new Set(plan.map((p) => captureIdForMessageId(ORG, p.messageId)));
  const strays = [...taskCounts.entries()].filter(([id]) => !known.has(id)).reduce((n, [, c]) => n + c, 0);
  duplicates += strays;
  const lines = [...tally.entries()].sort().map(([k, n]) => `  ${k}: ${n}`);
  const reasonCounts = new Map<string, number>();
  for (const d of dlqEntries) {
    const reason = (d.reason ?? '(no reason)').replace(/raw\/\S+/g, 'raw/…');
    reasonCounts.set(reason, (reasonCounts.get(reason) ?? 0) + 1);
  }
  const reasons = [...reasonCounts].slice(0, 8).map(([r, n]) => `  DLQ reason: ${r} (${n})`);
  const summary = [
    `${tasks} Tasks (${strays} not from a sent mail), ${dlqEntries.length} DLQ entries, ${lost} lost, ${duplicates} duplicates, ${unexpected} unexpected endings`,
    ...lines,
    ...reasons,
    ...problems.map((p) => `  problem: ${p}`),
    '',
  ].join('\n');
  return { tasks, dlq: dlqEntries.length, lost, duplicates, unexpected, poisonOutcomes, summary };
}

function groupBy<T>(items: T[], keys: (item: T) => string[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) for (const key of keys(item)) out.set(key, [...(out.get(key) ?? []), item]);
  return out;
}
