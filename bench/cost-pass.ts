/**
 * The cost pass: the labelled mailbox (test/fixtures/mailbox: reps' BCCs, forwards, shared-inbox
 * mail, auto-replies, strangers, rejected senders…) sent through the local stack at the rate of
 * one million emails a day, with its envelopes, while everything that costs money is counted:
 * AWS requests on the SDK clients (by who made them: a function, or SES and the event source
 * outside them), bytes written per prefix, function invocations and their durations, the
 * functions' log bytes at their deployed level (INFO), and Salesforce requests and the bytes of
 * the records written. bench/cost.ts turns that into dollars.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SQSEvent } from 'aws-lambda';
import nodemailer from 'nodemailer';
import { type LocalStack, startLocalStack } from '#local/stack.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import { logger } from '#shared/observability.ts';
import { type CostMeasurement, MODEL } from './cost.ts';
import { log, round } from './stats.ts';

type Who = 'parse' | 'sync' | 'outside' | 'bench';

const mailbox = (name: string) => fileURLToPath(new URL(`../test/fixtures/mailbox/${name}`, import.meta.url));

interface Label {
  file: string;
  mailFrom: string;
  rcpt: string[];
}

/** Record types Capture writes to Salesforce; their JSON is what travels out of AWS. */
const WRITTEN_TYPES = [
  'Task',
  'TaskRelation',
  'Event',
  'EventRelation',
  'EmailMessage',
  'EmailMessageRelation',
  'ContentVersion',
  'Lead',
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The slice of the SDK's middleware stack the counter uses (one type for the S3, SQS and SNS clients). */
type Next = (args: { input: unknown; request: unknown }) => Promise<unknown>;
interface CountingStack {
  add(
    middleware: (next: Next, context: { clientName?: string; commandName?: string }) => Next,
    options: { step: 'finalizeRequest'; name: string },
  ): void;
}

/** Counts every AWS request the stack's SDK clients send, and the bytes each PutObject stores. */
function countRequests(stack: LocalStack, stage: AsyncLocalStorage<Who>, m: CostMeasurement) {
  for (const client of Object.values(stack.aws.clients)) {
    (client.middlewareStack as unknown as CountingStack).add(
      (next, context) => async (args) => {
        const service = String(context.clientName ?? '').replace(/Client$/, '');
        const operation = String(context.commandName ?? '').replace(/Command$/, '');
        const who = stage.getStore() ?? 'outside';
        if (who === 'bench') return next(args);
        const key = `${service}.${operation}`;
        // The local stand-in for SQS fair queues holds messages and starts their visibility timeout
        // when it hands them out (local/held-messages.ts); SQS and Lambda's poller make no such request.
        if (who === 'outside' && key === 'SQS.ChangeMessageVisibilityBatch') return next(args);
        m.awsRequests[who][key] = (m.awsRequests[who][key] ?? 0) + 1;
        if (key === 'S3.PutObject') {
          const input = args.input as { Key?: string };
          const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
          storedBytes(m, input.Key ?? '', Number(headers['content-length'] ?? 0));
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: 'benchCostCounter' },
    );
  }
}

function storedBytes(m: CostMeasurement, key: string, bytes: number): void {
  if (key.startsWith(pipeline.keys.raw)) m.rawBytes.push(bytes);
  else if (key.startsWith('outcomes/') || key.startsWith('index/')) m.outcomeBytes += bytes;
  else m.retainedBytes += bytes;
}

/** Counts (and swallows) the JSON log lines written while `work` runs. */
async function countingLogs<T>(m: CostMeasurement, work: () => Promise<T>): Promise<T> {
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const counting =
    (original: typeof process.stdout.write) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (text.startsWith('{')) {
        m.logBytes += Buffer.byteLength(text);
        return true;
      }
      return (original as (c: string | Uint8Array, ...r: unknown[]) => boolean).call(
        process.stdout,
        chunk,
        ...rest,
      );
    };
  process.stdout.write = counting(writes.out) as typeof process.stdout.write;
  process.stderr.write = counting(writes.err) as typeof process.stderr.write;
  logger.setLogLevel('INFO');
  try {
    return await work();
  } finally {
    logger.setLogLevel('ERROR');
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
  }
}

function writtenRecords(stack: LocalStack): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const type of WRITTEN_TYPES) {
    for (const r of stack.emulator?.records(type) ?? []) sizes.set(String(r.Id), JSON.stringify(r).length);
  }
  return sizes;
}

async function sendAll(stack: LocalStack, labels: Label[], perSecond: number): Promise<number> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: stack.smtpPort,
    secure: false,
    pool: true,
    maxConnections: 8,
  });
  const started = Date.now();
  let refused = 0;
  try {
    const sends: Promise<void>[] = [];
    for (const [i, label] of labels.entries()) {
      const due = started + (i * 1000) / perSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      const raw = readFileSync(mailbox(`mails/${label.file}`));
      sends.push(
        transport.sendMail({ envelope: { from: label.mailFrom, to: label.rcpt }, raw }).then(
          () => {},
          () => void refused++,
        ),
      );
    }
    await Promise.all(sends);
  } finally {
    transport.close();
  }
  return refused;
}

export async function measureCost(): Promise<CostMeasurement> {
  const labels: Label[] = readFileSync(mailbox('labels.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Label);
  const orgs = (JSON.parse(readFileSync(mailbox('orgs.json'), 'utf8')) as { orgs: unknown[] }).orgs.length;
  const m: CostMeasurement = {
    emails: labels.length,
    awsRequests: { parse: {}, sync: {}, outside: {} },
    rawBytes: [],
    retainedBytes: 0,
    outcomeBytes: 0,
    invocations: { parse: { count: 0, seconds: 0 }, sync: { count: 0, seconds: 0 } },
    logBytes: 0,
    cpuSeconds: 0,
    salesforceRequests: 0,
    salesforceBytes: 0,
    orgs,
  };
  const stage = new AsyncLocalStorage<Who>();
  const stack = await startLocalStack({
    smtpPort: 0,
    sfPort: 0,
    configPath: mailbox('orgs.json'),
    seedPath: mailbox('seed.json'),
    allowTestVerdicts: true,
    wrapHandler: (name, handler) => (event: SQSEvent, context) =>
      stage.run(name, async () => {
        const start = performance.now();
        try {
          return await handler(event, context);
        } finally {
          m.invocations[name].count++;
          m.invocations[name].seconds += (performance.now() - start) / 1000;
        }
      }),
  });
  try {
    countRequests(stack, stage, m);
    const emulator = stack.emulator!;
    const recordsBefore = writtenRecords(stack);
    const callsBefore = emulator.apiRequestCount();
    const perSecond = MODEL.referenceEmailsPerDay / 86_400;
    const cpu = process.cpuUsage();
    const refused = await countingLogs(m, async () => {
      const n = await sendAll(stack, labels, perSecond);
      // The bench's own polling for idleness is not the pipeline's: left out of the counts.
      await stage.run('bench', () => stack.idle());
      return n;
    });
    const used = process.cpuUsage(cpu);
    m.cpuSeconds = (used.user + used.system) / 1e6;
    m.salesforceRequests = emulator.apiRequestCount() - callsBefore;
    for (const [id, bytes] of writtenRecords(stack)) if (!recordsBefore.has(id)) m.salesforceBytes += bytes;
    log(
      `cost pass: ${labels.length} mailbox emails at ${round(perSecond, 1)}/s (${refused} refused at SMTP), ` +
        `${m.invocations.parse.count} parse and ${m.invocations.sync.count} sync invocations, ` +
        `${m.salesforceRequests} Salesforce requests, ${round(m.logBytes / labels.length)} log bytes per email`,
    );
    return m;
  } finally {
    await stack.stop();
  }
}
