/**
 * The SES receiving stand-in: an SMTP server that accepts mail for capture addresses only,
 * writes the raw message to S3 with the headers SES prepends (Return-Path, Received), and
 * publishes one SES-shaped receipt notification (S3 action) per message to SNS, listing every
 * accepted capture recipient in receipt.recipients.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { Upload } from '@aws-sdk/lib-storage';
import { type HeaderLines, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { pipeline } from '#shared/config/pipeline.ts';
import { type Registry, resolveCaptureAddress } from '#shared/config/registry.ts';

export interface SmtpInboundOptions {
  port: number;
  host?: string;
  registry: Registry;
  s3: S3Client;
  bucket: string;
  sns: SNSClient;
  topicArn: string;
  maxBytes?: number;
  /** Honour `X-Capture-Test-Verdicts: spam=FAIL,virus=FAIL,dmarc=FAIL` (tests only). */
  allowTestVerdicts?: boolean;
}

export interface SmtpInbound {
  port: number;
  close(): Promise<void>;
}

class SmtpReply extends Error {
  readonly responseCode: number;
  constructor(responseCode: number, message: string) {
    super(message);
    this.responseCode = responseCode;
  }
}

const HEADER_CAPTURE_BYTES = 64 * 1024;

export async function startSmtpInbound(options: SmtpInboundOptions): Promise<SmtpInbound> {
  const maxBytes = options.maxBytes ?? pipeline.maxMessageBytes;
  const server = new SMTPServer({
    name: 'inbound-smtp.local',
    banner: 'Capture local SES receiving stand-in',
    size: maxBytes,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const resolved = resolveCaptureAddress(options.registry, address.address);
      if (resolved.ok) return callback();
      const why =
        resolved.reason === 'org-disabled'
          ? 'capture address disabled'
          : resolved.reason === 'not-capture-domain'
            ? `this server only receives mail for ${options.registry.captureDomain}`
            : 'unknown capture address';
      callback(new SmtpReply(550, `5.1.1 <${address.address}>: ${why}`));
    },
    onData(stream, session, callback) {
      receive(stream, session).then(
        (id) => callback(null, `Ok: queued as ${id}`),
        (error: unknown) => {
          stream.resume();
          callback(
            error instanceof SmtpReply
              ? error
              : new SmtpReply(451, '4.3.0 temporary failure storing the message; please retry'),
          );
        },
      );
    },
  });

  async function receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const sesMessageId = randomId();
    const objectKey = `${pipeline.keys.raw}${sesMessageId}`;
    const now = new Date();
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const recipients = session.envelope.rcptTo.map((r) => r.address);
    const prepended = Buffer.from(
      `Return-Path: <${mailFrom}>\r\nReceived: from ${session.clientHostname || 'unknown'} (${session.remoteAddress}) by inbound-smtp.local with SMTP id ${sesMessageId} for ${recipients[0] ?? ''}; ${now.toUTCString()}\r\n`,
    );
    const captured: Buffer[] = [];
    let capturedBytes = 0;
    let total = 0;
    async function* body() {
      yield prepended;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > maxBytes)
          throw new SmtpReply(552, `5.3.4 message size exceeds fixed limit of ${maxBytes} bytes`);
        if (capturedBytes < HEADER_CAPTURE_BYTES) {
          captured.push(chunk);
          capturedBytes += chunk.length;
        }
        yield chunk;
      }
    }
    const upload = new Upload({
      client: options.s3,
      params: {
        Bucket: options.bucket,
        Key: objectKey,
        Body: Readable.from(body()),
        ContentType: 'message/rfc822',
      },
    });
    try {
      await upload.done();
    } catch (error) {
      if (error instanceof SmtpReply) throw error;
      const reply = findReply(error);
      if (reply) throw reply;
      throw error;
    }
    if (stream.sizeExceeded)
      throw new SmtpReply(552, `5.3.4 message size exceeds fixed limit of ${maxBytes} bytes`);

    const head = Buffer.concat(captured);
    const end = head.indexOf('\r\n\r\n') !== -1 ? head.indexOf('\r\n\r\n') + 4 : head.indexOf('\n\n') + 2;
    const headerBlock = end > 1 ? head.subarray(0, end) : head;
    const parsed = await simpleParser(headerBlock).catch(() => null);
    const headerLines: HeaderLines = parsed?.headerLines ?? [];
    const headerValue = (name: string) => {
      const line = headerLines.find((h) => h.key === name)?.line;
      return line ? line.slice(line.indexOf(':') + 1).trim() : undefined;
    };
    const verdicts = verdictsFrom(
      options.allowTestVerdicts ? headerValue('x-capture-test-verdicts') : undefined,
    );
    const accepted = recipients.filter((r) => resolveCaptureAddress(options.registry, r).ok);
    const headers = [
      { name: 'Return-Path', value: `<${mailFrom}>` },
      ...headerLines.map((h) => ({
        name: h.line.slice(0, h.line.indexOf(':')),
        value: h.line.slice(h.line.indexOf(':') + 1).trim(),
      })),
    ];
    let headersTruncated = false;
    while (JSON.stringify(headers).length > 100_000) {
      headers.pop();
      headersTruncated = true;
    }
    const list = (v: string | undefined) =>
      v
        ? v
            .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined;
    const notification = {
      notificationType: 'Received',
      mail: {
        timestamp: now.toISOString(),
        source: mailFrom,
        messageId: sesMessageId,
        destination: recipients,
        headersTruncated,
        headers,
        commonHeaders: {
          returnPath: mailFrom,
          ...(list(headerValue('from')) ? { from: list(headerValue('from')) } : {}),
          ...(headerValue('date') ? { date: headerValue('date') } : {}),
          ...(list(headerValue('to')) ? { to: list(headerValue('to')) } : {}),
          ...(list(headerValue('cc')) ? { cc: list(headerValue('cc')) } : {}),
          ...(headerValue('message-id') ? { messageId: headerValue('message-id') } : {}),
          ...(parsed?.subject !== undefined ? { subject: parsed.subject } : {}),
        },
      },
      receipt: {
        timestamp: now.toISOString(),
        processingTimeMillis: Date.now() - now.getTime(),
        recipients: accepted,
        spamVerdict: { status: verdicts.spam },
        virusVerdict: { status: verdicts.virus },
        spfVerdict: { status: verdicts.spf },
        dkimVerdict: { status: verdicts.dkim },
        dmarcVerdict: { status: verdicts.dmarc },
        action: {
          type: 'S3',
          topicArn: options.topicArn,
          bucketName: options.bucket,
          objectKeyPrefix: pipeline.keys.raw,
          objectKey,
        },
      },
    };
    await options.sns.send(
      new PublishCommand({
        TopicArn: options.topicArn,
        Subject: 'Amazon SES Email Receipt Notification',
        Message: JSON.stringify(notification),
      }),
    );
    return sesMessageId;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {
    // Client-level errors (dropped connections, protocol errors) are answered per session.
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function findReply(error: unknown): SmtpReply | null {
  let current: unknown = error;
  for (let i = 0; i < 5 && current; i++) {
    if (current instanceof SmtpReply) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function verdictsFrom(header: string | undefined) {
  const verdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' };
  for (const part of (header ?? '').split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim().toLowerCase());
    if (k && v && k in verdicts) verdicts[k as keyof typeof verdicts] = v.toUpperCase();
  }
  return verdicts;
}

/** SES message ids are 20+ lower-case letters and digits. */
function randomId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(20)].map((b) => alphabet[b % alphabet.length]).join('');
}
