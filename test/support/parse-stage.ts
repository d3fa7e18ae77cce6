/**
 * The parse Lambda's handler as deployed (createParseHandler, the real MIME reader) over
 * in-memory stores: raw mails go in as one SQS batch, and each one's outcome, sync message or
 * DLQ entry comes back. For tests of what hostile input does to the parse stage.
 */
import type { Context, SQSRecord } from 'aws-lambda';
import { createParseHandler } from '#functions/parse/handler.ts';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import type { Registry } from '#shared/config/registry.ts';
import type { CapturedEmail } from '#shared/domain/captured-email.ts';
import type { OutcomeRecord } from '#shared/domain/outcome.ts';
import type { SyncMessage } from '#shared/events/sync-message.ts';
import { MemoryMailStore, MemoryQueue, silentLogger } from './memory-stores.ts';
import { BCC_TOKEN, testRegistry } from './registry.ts';

export interface ParsedMail {
  sesMessageId: string;
  /** The record was not settled in this invocation (SQS would deliver it again). */
  retried: boolean;
  outcome: OutcomeRecord | null;
  /** The CapturedEmail handed to the sync stage, when it was. */
  email: CapturedEmail | null;
  deadLetter: { reason: string } | null;
}

export interface ParseStageOptions {
  registry?: Registry;
  /** Envelope recipient of every mail (default: acme's bcc address). */
  recipient?: string;
  /** SES's verdicts (default: all PASS). */
  verdicts?: Partial<Record<'spam' | 'virus' | 'spf' | 'dkim' | 'dmarc', string>>;
}

/** One mail of a batch: its bytes (latin1 when a string), and its own envelope recipient if it has one. */
export type BatchMail = string | Buffer | { raw: string | Buffer; recipient: string };

/** Runs one batch of raw mails through the parse handler, in order. */
export async function runParseStage(mails: BatchMail[], options: ParseStageOptions = {}) {
  const registry = options.registry ?? testRegistry();
  const recipient = options.recipient ?? `${BCC_TOKEN}@${registry.captureDomain}`;
  const mail = new MemoryMailStore();
  const syncQueue = new MemoryQueue();
  const deadLetterQueue = new MemoryQueue();
  const lines = new MemoryQueue();
  const handler = createParseHandler(() => ({
    registry,
    route: { registry, lines },
    mail,
    outcomes: mail,
    syncQueue,
    deadLetterQueue,
    deadLetterMarks: mail,
    logger: silentLogger,
    parse: (raw, request) =>
      parseEmail(raw, { org: request.org, capture: request.capture, envelope: request.envelope }),
  }));
  const records = mails.map((m, i) => {
    const sesMessageId = `ses-${i}`;
    const raw = typeof m === 'object' && 'recipient' in m ? m.raw : m;
    mail.raw.set(`raw/${sesMessageId}`, Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'latin1'));
    const to = typeof m === 'object' && 'recipient' in m ? m.recipient : recipient;
    return intakeRecord(sesMessageId, to, options.verdicts ?? {});
  });
  // As from SES: each mail is first put in its org's line on the lines queue, then parsed from there.
  const failed = new Set<string>();
  const run = async (batch: SQSRecord[]) => {
    const response = await handler({ Records: batch }, { functionName: 'parse' } as Context);
    for (const f of response?.batchItemFailures ?? []) failed.add(f.itemIdentifier);
  };
  await run(records);
  const routed = lines.messages.map((m, i) => {
    const original = records.find((r) => r.body === m.body);
    if (!original) throw new Error('the lines queue got a body no record had');
    const messageAttributes = Object.fromEntries(
      Object.entries(m.attributes).map(([k, v]) => [k, { stringValue: v, dataType: 'String' }]),
    );
    return { ...original, messageId: `${original.messageId}-routed-${i}`, messageAttributes };
  });
  await run(routed);
  for (const r of routed) if (failed.has(r.messageId)) failed.add(r.messageId.replace(/-routed-\d+$/, ''));
  return records.map((record, i): ParsedMail => {
    const sesMessageId = `ses-${i}`;
    const sent = syncQueue.messages.find((m) => (m.body as SyncMessage).sesMessageId === sesMessageId);
    const dead = deadLetterQueue.messages.find((m) => m.body === record.body);
    const message = sent?.body as SyncMessage | undefined;
    return {
      sesMessageId,
      retried: failed.has(record.messageId),
      outcome: [...mail.outcomes.values()].find((o) => o.sesMessageId === sesMessageId) ?? null,
      email: message
        ? ((message.email as CapturedEmail | undefined) ?? mail.parsed.get(message.parsedKey) ?? null)
        : null,
      deadLetter: dead ? { reason: dead.attributes[pipeline.deadLetterAttributes.reason] ?? '' } : null,
    };
  });
}

function intakeRecord(
  sesMessageId: string,
  recipient: string,
  verdicts: ParseStageOptions['verdicts'] & object,
): SQSRecord {
  const verdict = (name: keyof typeof verdicts) => ({ status: verdicts[name] ?? 'PASS' });
  const notification = {
    notificationType: 'Received',
    mail: {
      timestamp: '2026-03-02T10:00:00.000Z',
      source: 'alice@acme.example',
      messageId: sesMessageId,
      destination: [recipient],
    },
    receipt: {
      timestamp: '2026-03-02T10:00:00.000Z',
      recipients: [recipient],
      spamVerdict: verdict('spam'),
      virusVerdict: verdict('virus'),
      spfVerdict: verdict('spf'),
      dkimVerdict: verdict('dkim'),
      dmarcVerdict: verdict('dmarc'),
      action: { type: 'S3', bucketName: 'mail', objectKey: `raw/${sesMessageId}` },
    },
  };
  return {
    messageId: `record-${sesMessageId}`,
    receiptHandle: 'h',
    body: JSON.stringify({
      Type: 'Notification',
      MessageId: sesMessageId,
      Message: JSON.stringify(notification),
    }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: '0',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:intake',
    awsRegion: 'us-east-1',
  };
}

/** A mail from acme's rep to a customer unless `headers` say otherwise (CRLF), then the body. */
export function rawMail(headers: string[], body = 'Hello'): string {
  const given = new Set(headers.map((h) => h.slice(0, h.indexOf(':')).toLowerCase()));
  const defaults = [
    'From: Alice Rep <alice@acme.example>',
    'To: Jane Doe <jane.doe@globex.example>',
    'Date: Mon, 2 Mar 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
  ].filter((h) => !given.has(h.slice(0, h.indexOf(':')).toLowerCase()));
  return [...defaults, ...headers, '', body].join('\r\n');
}
