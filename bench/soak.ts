/**
 * `npm run soak -- --emails N --fault-rate R [--seed S]`: pushes N emails (a quarter of them
 * hostile: huge headers, deep HTML, padded order numbers, a forged rep, bulk list mail, many
 * parts, auto-replies, strangers) through the local stack while faults fire:
 * - per request: the Salesforce emulator fails a fraction R of API requests (5xx,
 *   REQUEST_LIMIT_EXCEEDED, INVALID_SESSION_ID, UNABLE_TO_LOCK_ROW, dropped connections) and a
 *   fraction R/4 of handler invocations crash, before or after the handler did its work;
 * - per email: a fraction R of the emails meets one fault of its own, once: the SMTP stand-in
 *   fails between its S3 write and its SNS publish (the sender gets 451 and retries), the parse
 *   stage loses its acknowledgement after it sent the mail on, or the sync stage loses its
 *   acknowledgement after the Task was created.
 * Then every sent Message-ID is checked on its own: exactly one Task, or exactly one DLQ entry
 * or recorded non-Task outcome with a reason; never both, never neither.
 * Last stdout line: {"emails","tasks","dlq","lost","duplicates","faultsInjected"}. Exit code 1
 * when anything was lost or duplicated.
 */

import { parseArgs } from 'node:util';
import { type Message, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { SqsHandler } from '#local/runner.ts';
import type { LocalStack } from '#local/stack.ts';
import type { OutcomeRecord } from '#shared/domain/outcome.ts';
import { captureIdForMessageId, normaliseMessageId } from '#shared/domain/sync/capture-id.ts';

process.env.LOG_LEVEL ??= 'SILENT';
const { startLocalStack } = await import('#local/stack.ts');

const { values } = parseArgs({
  options: {
    emails: { type: 'string', default: '200' },
    'fault-rate': { type: 'string', default: '0.1' },
    seed: { type: 'string', default: '42' },
    // The soak's own test: the sync stage drops the first mail unworked and dead-letters a
    // copy of the second after making its Task; the accounting must report both.
    sabotage: { type: 'boolean', default: false },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log('usage: npm run soak -- [--emails N] [--fault-rate R] [--seed S]   (R between 0 and 0.5)');
  process.exit(0);
}
const emails = Number(values.emails);
const rate = Number(values['fault-rate']);
const seed = Number(values.seed);
if (!Number.isInteger(emails) || emails < 1 || !(rate >= 0 && rate <= 0.5) || !Number.isInteger(seed)) {
  console.error(
    'error: --emails must be a positive integer, --fault-rate between 0 and 0.5, --seed an integer',
  );
  process.exit(2);
}

const ORG = 'acme';
const MAIL_DOMAIN = 'soak.acme.example';
const KINDS = [
  'huge-headers',
  'deep-html',
  'order-padding',
  'forged-rep',
  'bulk-list',
  'many-parts',
  'auto-reply',
  'stranger',
] as const;
type Kind = 'plain' | (typeof KINDS)[number];
const EMAIL_FAULTS = ['smtp-before-publish', 'parse-lost-ack', 'sync-lost-ack'] as const;
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

/** Deterministic, so a failing run can be repeated with the same --seed. */
function mulberry32(start: number): () => number {
  let a = start >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(seed);

const plan: Planned[] = Array.from({ length: emails }, (_, index) => ({
  index,
  messageId: `soak-${index}@${MAIL_DOMAIN}`,
  // Every fourth mail is hostile, cycling through the kinds.
  kind: index % 4 === 3 ? KINDS[Math.floor(index / 4) % KINDS.length]! : 'plain',
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
  allowTestVerdicts: true,
  visibilityTimeoutSeconds: { intake: 3, sync: 3 },
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

/** Breaks the promise on purpose (--sabotage): one mail ends as nothing, one as Task and DLQ entry. */
function sabotage(handler: SqsHandler): SqsHandler {
  const [dropped, doubled] = [plan[0]?.messageId, plan[1]?.messageId];
  return async (event, context) => {
    const mentions = (body: string, id: string | undefined) =>
      id !== undefined && messageIdsIn(body).includes(id);
    const kept = event.Records.filter((r) => !mentions(r.body, dropped));
    const response = await handler({ Records: kept }, context);
    for (const r of kept.filter((k) => mentions(k.body, doubled)))
      await stack.aws.clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.aws.resources.syncDlqUrl,
          MessageBody: JSON.stringify({ stage: 'sync', reason: 'soak sabotage', body: r.body }),
        }),
      );
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
const nest = (open: string, close: string, depth: number, inner: string) =>
  open.repeat(depth) + inner + close.repeat(depth);

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
  switch (p.kind) {
    case 'plain':
      return base;
    case 'huge-headers':
      return {
        ...base,
        subject: `Soak ${p.index} ${'padding '.repeat(8_000)}`,
        headers: { 'X-Filler': 'filler '.repeat(6_000) },
      };
    case 'deep-html':
      return { ...base, html: nest('<div><b>', '</b></div>', 2_000, `Deep ${p.index}`) };
    case 'order-padding':
      return { ...base, text: `Order${' '.repeat(150)}Total: 5 EUR` };
    case 'forged-rep':
      return {
        ...base,
        envelope: { from: 'mallory@evil.example', to: [bccAddress] },
        headers: { 'X-Capture-Test-Verdicts': 'spf=FAIL,dkim=FAIL,dmarc=GRAY' },
      };
    case 'bulk-list':
      return {
        ...base,
        from: 'Globex News <news@lists.globex.example>',
        to: inboxAddress,
        bcc: undefined,
        headers: {
          Precedence: 'bulk',
          'List-Id': 'Globex news <news.lists.globex.example>',
          'List-Unsubscribe': '<mailto:leave@lists.globex.example>',
        },
      };
    case 'many-parts':
      return {
        ...base,
        attachments: Array.from({ length: 40 }, (_, k) => ({
          filename: `part-${k}.txt`,
          content: `part ${k}`,
        })),
      };
    case 'auto-reply':
      return { ...base, headers: { 'Auto-Submitted': 'auto-replied' } };
    case 'stranger':
      return { ...base, to: 'Nobody <nobody@unknown-company.example>' };
  }
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
};
console.log(JSON.stringify(result));
process.exit(result.lost > 0 || result.duplicates > 0 ? 1 : 0);

interface DeadLetter {
  messageIds: string[];
  reason: string;
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
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
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

/** A handler's DLQ entry carries its reason; a redriven one failed maxReceiveCount times. */
function deadLetterReason(m: Message): string {
  try {
    const body = JSON.parse(m.Body ?? '') as { reason?: unknown; stage?: unknown };
    if (typeof body.reason === 'string' && typeof body.stage === 'string') return body.reason;
  } catch {
    // not a wrapper: a redriven original
  }
  return 'failed on every delivery (redriven by the queue after maxReceiveCount)';
}

/** Per Message-ID: one Task, or one DLQ entry or non-Task outcome with a reason; never both. */
async function account(s: LocalStack) {
  const taskCounts = new Map<string, number>();
  let tasks = 0;
  for (const t of s.emulator!.records('Task')) {
    const id = String(t.Capture_Id__c ?? '');
    taskCounts.set(id, (taskCounts.get(id) ?? 0) + 1);
    tasks++;
  }
  const outcomes = new Map<string, OutcomeRecord[]>();
  for (const o of await s.outcomes.list()) {
    if (!o.messageId) continue;
    const id = normaliseMessageId(o.messageId);
    outcomes.set(id, [...(outcomes.get(id) ?? []), o]);
  }
  const dlqEntries = await deadLetters(s);
  const dlqFor = new Map<string, DeadLetter[]>();
  for (const d of dlqEntries) for (const id of d.messageIds) dlqFor.set(id, [...(dlqFor.get(id) ?? []), d]);

  let lost = 0;
  let duplicates = 0;
  const tally = new Map<string, number>();
  const problems: string[] = [];
  for (const p of plan) {
    const taskCount = taskCounts.get(captureIdForMessageId(ORG, p.messageId)) ?? 0;
    const dead = dlqFor.get(p.messageId) ?? [];
    const recorded = (outcomes.get(p.messageId) ?? []).filter((o) => NON_TASK.has(o.outcome) && o.reason);
    const refusal = refused.get(p.messageId);
    const endings = (taskCount > 0 ? 1 : 0) + dead.length + (recorded.length > 0 || refusal ? 1 : 0);
    duplicates += Math.max(0, taskCount - 1);
    const ending =
      taskCount > 0
        ? 'task'
        : dead.length > 0
          ? 'dlq'
          : refusal
            ? 'refused'
            : recorded.length > 0
              ? recorded[0]!.outcome
              : 'nothing';
    if (endings !== 1) {
      lost++;
      if (problems.length < 10)
        problems.push(
          `${p.messageId} (${p.kind}): ${taskCount} Tasks, ${dead.length} DLQ entries, ${recorded.length} outcomes`,
        );
    }
    const key = `${p.kind} → ${endings === 1 ? ending : 'LOST'}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  const known = new Set(plan.map((p) => captureIdForMessageId(ORG, p.messageId)));
  const strays = [...taskCounts.entries()].filter(([id]) => !known.has(id)).reduce((n, [, c]) => n + c, 0);
  duplicates += strays;
  const lines = [...tally.entries()].sort().map(([k, n]) => `  ${k}: ${n}`);
  const reasons = [...new Set(dlqEntries.map((d) => d.reason))].slice(0, 5).map((r) => `  DLQ reason: ${r}`);
  const summary = [
    `${tasks} Tasks (${strays} not from a sent mail), ${dlqEntries.length} DLQ entries, ${lost} lost, ${duplicates} duplicates`,
    ...lines,
    ...reasons,
    ...problems.map((p) => `  problem: ${p}`),
    '',
  ].join('\n');
  return { tasks, dlq: dlqEntries.length, lost, duplicates, summary };
}
