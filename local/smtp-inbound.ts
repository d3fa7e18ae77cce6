/**
 * The SES receiving stand-in: an SMTP server that accepts mail for capture addresses only,
 * streams the raw message to S3 with the headers SES prepends (Return-Path, Received and the
 * scan verdicts), and publishes one SES-shaped receipt notification (S3 action) per message to
 * SNS, listing every accepted capture recipient in receipt.recipients.
 *
 * Like the deployed receipt rule, which lists the capture domain as its recipient, it takes mail
 * for every address of that domain: an unknown token, a retired address or a disabled org is
 * the parse stage's decision, recorded as a `rejected` outcome with its reason, so locally and
 * deployed the same mail ends the same way and `capture status` finds it.
 *
 * SMTP replies follow what a sender needs to know: 550 at RCPT for other domains and malformed
 * addresses (SES has no rule for them; retrying cannot help), 552 for messages over the size
 * limit, 451 when storing or publishing failed (the sender keeps the message and retries, so
 * nothing is lost).
 */
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { Upload } from '@aws-sdk/lib-storage';
import { type HeaderLines, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { pipeline } from '#shared/config/pipeline.ts';
import { type Registry, resolveCaptureAddress } from '#shared/config/registry.ts';
import { describeError } from '#shared/errors.ts';
import { logger } from '#shared/observability.ts';

export interface SmtpInboundOptions {
  /** 0 picks a free port. */
  port: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  registry: Registry;
  s3: S3Client;
  bucket: string;
  sns: SNSClient;
  topicArn: string;
  /** Defaults to pipeline.maxMessageBytes (SES's 40 MB). */
  maxBytes?: number;
  /** Honour `X-Capture-Test-Verdicts: spam=FAIL,virus=FAIL,dmarc=FAIL` (tests and demos only). */
  allowTestVerdicts?: boolean;
  /** Called with every message stored and announced (tests, status output). */
  onReceived?: (received: { sesMessageId: string; objectKey: string; recipients: string[] }) => void;
  /**
   * Runs after the raw message is in S3 and before the notification is published; a throw
   * there fails like a failed publish (451). The soak injects crashes at this point.
   */
  beforePublish?: (stored: {
    sesMessageId: string;
    objectKey: string;
    /** The message's own Message-ID header, if it has one. */
    messageId: string | null;
  }) => Promise<void> | void;
  /** Called when a message was refused with 451 because S3 or SNS failed. */
  onError?: (error: unknown) => void;
}

export interface SmtpInbound {
  port: number;
  close(): Promise<void>;
}

/** An SMTP reply carried through smtp-server's callbacks (it reads `responseCode`). */
export class SmtpReply extends Error {
  readonly responseCode: number;
  constructor(responseCode: number, message: string) {
    super(message);
    this.name = 'SmtpReply';
    this.responseCode = responseCode;
  }
}

/** Bytes kept from the start of the message to read its header block for the notification. */
const HEADER_CAPTURE_BYTES = 256 * 1024;
/** SES includes at most 10 KB of headers in a notification and then sets headersTruncated. */
const NOTIFICATION_HEADER_BYTES = 10 * 1024;
/**
 * Caps on each commonHeaders value: SNS refuses messages over 256 KB, so a 2 MB Subject or a
 * 300 KB To header must not make the notification unpublishable (that answered 451 forever).
 * The raw message in S3 keeps every header whole; the parse stage reads it from there.
 */
const COMMON_HEADER_CHARS = 2 * 1024;
const COMMON_ADDRESS_LIST_CHARS = 10 * 1024;
const HOST = 'inbound-smtp.local';

type VerdictName = 'spam' | 'virus' | 'spf' | 'dkim' | 'dmarc';
type Verdicts = Record<VerdictName, string>;

export async function startSmtpInbound(options: SmtpInboundOptions): Promise<SmtpInbound> {
  const maxBytes = options.maxBytes ?? pipeline.maxMessageBytes;
  const receiver = new Receiver(options, maxBytes);
  const server = smtpServer(options.registry, maxBytes, (stream, session) =>
    receiver.receive(stream, session),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {
    // Client-level errors (dropped connections, protocol errors) end only that session.
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Receive = (stream: SMTPServerDataStream, session: SMTPServerSession) => Promise<string>;

/** The SMTP server: its limits, and the envelope checks SES's receipt rule makes. */
function smtpServer(registry: Registry, maxBytes: number, receive: Receive): SMTPServer {
  return new SMTPServer({
    name: HOST,
    banner: 'Capture local SES receiving stand-in',
    size: maxBytes,
    // smtp-server answers 552 itself once the stream went over `size`, and keeps reading the
    // rest of the DATA so the session stays in step.
    rejectOversized: true,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    // A reverse DNS lookup per connection can stall 1.5 s on machines without DNS.
    disableReverseLookup: true,
    logger: false,
    // SES receiving decides on the sending IP and the recipients; the envelope sender only feeds
    // SPF and `mail.source` (docs/local-stack.md names the pages). smtp-server's strict parsing
    // refuses local parts with dots doubled or at either end, which company directories hold
    // (`first..last@`): addresses are parsed leniently and the sender's other checks made here.
    lenientAddressParsing: true,
    onMailFrom(address, _session, callback) {
      const problem = envelopeSenderProblem(address.address);
      if (!problem) return callback();
      callback(new SmtpReply(501, `5.1.7 Bad sender address syntax (${problem}): <${address.address}>`));
    },
    onRcptTo(address, _session, callback) {
      const refusal = rcptRefusal(registry, address.address);
      if (refusal === null) return callback();
      callback(new SmtpReply(550, `${refusal}: <${address.address}>`));
    },
    onData(stream, session, callback) {
      receive(stream, session).then(
        (id) => callback(null, `Ok: queued as ${id}`),
        // `receive` answers every failure as an SmtpReply (451 for what the sender should retry).
        (error: SmtpReply) => callback(error),
      );
    },
  });
}

const tooLarge = (maxBytes: number) =>
  new SmtpReply(552, `5.3.4 message size exceeds fixed limit of ${maxBytes} bytes`);

/**
 * The DATA stream fed to the upload through `body`, with its first bytes kept in `head` for the
 * header block. The SMTP stream is never destroyed (smtp-server needs to see its end to answer),
 * so on oversize or a failed upload the rest is drained and dropped.
 */
class DataTee {
  /** Room for the whole header block: the stream must keep flowing until it has been read. */
  readonly body = new PassThrough({ highWaterMark: HEADER_CAPTURE_BYTES + 64 * 1024 });
  readonly head: Buffer[] = [];
  headBytes = 0;
  total = 0;
  #dropping = false;
  readonly #stream: SMTPServerDataStream;

  constructor(stream: SMTPServerDataStream, maxBytes: number) {
    this.#stream = stream;
    const { body } = this;
    stream.on('data', (chunk: Buffer) => {
      this.total += chunk.length;
      if (this.#dropping) return;
      if (this.total > maxBytes) {
        this.drop();
        body.destroy(tooLarge(maxBytes));
        return;
      }
      if (this.headBytes < HEADER_CAPTURE_BYTES) {
        this.head.push(chunk);
        this.headBytes += chunk.length;
      }
      if (!body.write(chunk)) stream.pause();
    });
    // Errors put on `body` reach the upload through its reads; this only keeps them from being
    // reported as unhandled while nothing reads it yet.
    body.on('error', () => {});
    body.on('drain', () => {
      if (!this.#dropping) stream.resume();
    });
    stream.on('end', () => {
      if (!this.#dropping) body.end();
    });
    // The client went away mid-DATA: abandon the upload (nothing was acknowledged).
    stream.on('error', (error) => body.destroy(error));
    stream.on('close', () => {
      if (!stream.readableEnded) body.destroy(new Error('connection closed during DATA'));
    });
  }

  drop(): void {
    this.#dropping = true;
    this.#stream.resume();
  }
}

/** One message at a time: stored in S3 with SES's headers in front, then announced on SNS. */
class Receiver {
  readonly #options: SmtpInboundOptions;
  readonly #maxBytes: number;

  constructor(options: SmtpInboundOptions, maxBytes: number) {
    this.#options = options;
    this.#maxBytes = maxBytes;
  }

  async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    try {
      return await this.#receive(stream, session);
    } catch (error) {
      throw this.#asReply(error);
    }
  }

  async #receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const sesMessageId = randomSesId();
    const objectKey = `${pipeline.keys.raw}${sesMessageId}`;
    const received = new Date();
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const recipients = session.envelope.rcptTo.map((r) => r.address);
    const tee = new DataTee(stream, this.#maxBytes);

    // The verdict override sits in the message's own headers, which SES would have read before
    // prepending its X-SES-* lines; read them first from the head of the stream.
    const headerLines = await readHeaderLines(stream, tee.head, () => tee.headBytes, this.#maxBytes);
    if (tee.total > this.#maxBytes) {
      tee.drop();
      throw tooLarge(this.#maxBytes);
    }
    const verdicts = verdictsFrom(
      this.#options.allowTestVerdicts ? headerValue(headerLines, 'x-capture-test-verdicts') : undefined,
    );
    const prepended = sesHeaders({ session, sesMessageId, recipients, mailFrom, received, verdicts });
    // Nothing has read `body` yet, so this lands in front of the message.
    tee.body.unshift(Buffer.from(prepended.map((h) => `${h.name}: ${h.value}\r\n`).join('')));
    await this.#store(objectKey, tee, stream);

    const { bucket, topicArn } = this.#options;
    const notification = buildNotification({
      sesMessageId,
      objectKey,
      received,
      mailFrom,
      recipients,
      headers: [...prepended, ...headerLines.map(toNameValue)],
      headerLines,
      verdicts,
      bucket,
      topicArn,
      subject: await subjectOf(headerLines),
    });
    await this.#announce(notification, {
      sesMessageId,
      objectKey,
      messageId: headerValue(headerLines, 'message-id') ?? null,
    });
    this.#options.onReceived?.({ sesMessageId, objectKey, recipients });
    return sesMessageId;
  }

  /** The raw message into S3; a message that went over the size limit is refused (552) and removed. */
  async #store(objectKey: string, tee: DataTee, stream: SMTPServerDataStream): Promise<void> {
    const { s3, bucket } = this.#options;
    const upload = new Upload({
      client: s3,
      params: { Bucket: bucket, Key: objectKey, Body: tee.body, ContentType: 'message/rfc822' },
    });
    try {
      await upload.done();
    } catch (error) {
      tee.drop();
      if (tee.total > this.#maxBytes || stream.sizeExceeded) throw tooLarge(this.#maxBytes);
      throw new StoreError('storing the raw message in S3 failed', error);
    }
    if (stream.sizeExceeded || tee.total > this.#maxBytes) {
      await this.#deleteQuietly(objectKey);
      throw tooLarge(this.#maxBytes);
    }
  }

  /** The SES notification onto SNS; without it nobody would ever read the object, so a failure removes it (the sender retries). */
  async #announce(
    notification: unknown,
    stored: { sesMessageId: string; objectKey: string; messageId: string | null },
  ): Promise<void> {
    try {
      await this.#options.beforePublish?.(stored);
      await this.#options.sns.send(
        new PublishCommand({
          TopicArn: this.#options.topicArn,
          Subject: 'Amazon SES Email Receipt Notification',
          Message: JSON.stringify(notification),
        }),
      );
    } catch (error) {
      await this.#deleteQuietly(stored.objectKey);
      throw new StoreError('publishing the SES notification to SNS failed', error);
    }
  }

  async #deleteQuietly(key: string): Promise<void> {
    await this.#options.s3
      .send(new DeleteObjectCommand({ Bucket: this.#options.bucket, Key: key }))
      .catch(() => {});
  }

  #asReply(error: unknown): SmtpReply {
    if (error instanceof SmtpReply) return error;
    // A deferral repeats on every retry of the sender: say why, once per attempt.
    logger.error('message refused with 451', { reason: describeError(error) });
    this.#options.onError?.(error);
    return new SmtpReply(451, '4.3.0 temporary failure storing the message; please retry later');
  }
}

/** The headers SES puts in front of a received message: Return-Path, Received and the scan verdicts. */
function sesHeaders(m: {
  session: SMTPServerSession;
  sesMessageId: string;
  recipients: string[];
  mailFrom: string;
  received: Date;
  verdicts: Verdicts;
}): { name: string; value: string }[] {
  const helo = m.session.hostNameAppearsAs || 'unknown';
  return [
    { name: 'Return-Path', value: `<${m.mailFrom}>` },
    {
      name: 'Received',
      // SES: "from <helo> (<rDNS> [<ip>]) by inbound-smtp.<region>.amazonaws.com with SMTP id
      // <id> for <first recipient>; <date>". There is no rDNS here, so the HELO name stands in.
      value: `from ${helo} (${helo} [${m.session.remoteAddress}]) by ${HOST} with SMTP id ${m.sesMessageId} for ${m.recipients[0] ?? ''}; ${rfc5322Date(m.received)}`,
    },
    { name: 'X-SES-Spam-Verdict', value: m.verdicts.spam },
    { name: 'X-SES-Virus-Verdict', value: m.verdicts.virus },
  ];
}

/**
 * What SES's receipt rule (recipients: the capture domain) refuses at RCPT TO, or null when it
 * takes the address. Every address of the capture domain is taken, known or not: the parse stage
 * decides (and records) unknown, retired and disabled ones.
 */
export function rcptRefusal(registry: Registry, recipient: string): string | null {
  const resolved = resolveCaptureAddress(registry, recipient);
  if (resolved.ok) return null;
  switch (resolved.reason) {
    case 'not-capture-domain':
      return `5.7.1 this server only receives mail for ${registry.captureDomain}`;
    case 'malformed-address':
      return '5.1.3 malformed address';
    default:
      return null;
  }
}

/** S3 or SNS failed: the message was not taken, the sender should retry. */
class StoreError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'StoreError';
  }
}

/**
 * Waits until the header block (up to the first blank line) is in `head`, or the message ended,
 * or HEADER_CAPTURE_BYTES were read, then parses it into header lines.
 */
async function readHeaderLines(
  stream: SMTPServerDataStream,
  head: Buffer[],
  headBytes: () => number,
  maxBytes: number,
): Promise<HeaderLines> {
  const complete = () => {
    const buffer = Buffer.concat(head);
    return headerEnd(buffer) !== -1 || headBytes() >= Math.min(HEADER_CAPTURE_BYTES, maxBytes);
  };
  if (!complete() && !stream.readableEnded) {
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!complete()) return;
        done();
      };
      const done = () => {
        stream.off('data', check);
        stream.off('end', done);
        stream.off('close', done);
        resolve();
      };
      stream.on('data', check);
      stream.on('end', done);
      stream.on('close', done);
    });
  }
  const buffer = Buffer.concat(head);
  const end = headerEnd(buffer);
  const block = end === -1 ? buffer : buffer.subarray(0, end);
  const parsed = await simpleParser(Buffer.concat([block, Buffer.from('\r\n')])).catch(() => null);
  return parsed?.headerLines ?? [];
}

function headerEnd(buffer: Buffer): number {
  const crlf = buffer.indexOf('\r\n\r\n');
  if (crlf !== -1) return crlf + 2;
  const lf = buffer.indexOf('\n\n');
  return lf === -1 ? -1 : lf + 1;
}

function toNameValue(line: HeaderLines[number]): { name: string; value: string } {
  const colon = line.line.indexOf(':');
  return { name: line.line.slice(0, colon), value: unfold(line.line.slice(colon + 1)) };
}

function unfold(value: string): string {
  return value.replace(/\r?\n(?=[ \t])/g, '').trim();
}

function headerValue(lines: HeaderLines, name: string): string | undefined {
  const line = lines.find((h) => h.key === name);
  return line ? toNameValue(line).value : undefined;
}

/** Address lists split on commas outside quotes, as SES lists them in commonHeaders (one linear pass). */
function addressList(value: string | undefined): string[] | undefined {
  if (!value) return undefined;
  const list: string[] = [];
  let quoted = false;
  let start = 0;
  // Only the start of a huge header can fit in the notification anyway.
  const text = value.slice(0, COMMON_ADDRESS_LIST_CHARS * 4);
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    if ((c === ',' && !quoted) || i === text.length) {
      const entry = text.slice(start, i).trim();
      if (entry) list.push(entry);
      start = i + 1;
    }
  }
  return list.length > 0 ? list : undefined;
}

/** The decoded Subject (SES decodes encoded words in commonHeaders.subject). */
async function subjectOf(lines: HeaderLines): Promise<string | undefined> {
  const line = lines.find((h) => h.key === 'subject');
  if (!line) return undefined;
  const parsed = await simpleParser(`${line.line}\r\n\r\n`).catch(() => null);
  return parsed?.subject ?? headerValue(lines, 'subject');
}

function buildNotification(input: {
  sesMessageId: string;
  objectKey: string;
  received: Date;
  mailFrom: string;
  recipients: string[];
  headers: { name: string; value: string }[];
  headerLines: HeaderLines;
  verdicts: Verdicts;
  bucket: string;
  topicArn: string;
  subject: string | undefined;
}) {
  const headers: { name: string; value: string }[] = [];
  let size = 0;
  let headersTruncated = false;
  for (const h of input.headers) {
    size += h.name.length + h.value.length + 4;
    if (size > NOTIFICATION_HEADER_BYTES) {
      headersTruncated = true;
      break;
    }
    headers.push(h);
  }
  const raw = (name: string) => headerValue(input.headerLines, name);
  const value = (name: string) => capText(raw(name));
  const commonHeaders: Record<string, string | string[]> = { returnPath: input.mailFrom };
  const from = capList(addressList(raw('from')));
  if (from) commonHeaders.from = from;
  const date = value('date');
  if (date) commonHeaders.date = date;
  const to = capList(addressList(raw('to')));
  if (to) commonHeaders.to = to;
  const cc = capList(addressList(raw('cc')));
  if (cc) commonHeaders.cc = cc;
  const messageId = value('message-id');
  if (messageId) commonHeaders.messageId = messageId;
  if (input.subject !== undefined) commonHeaders.subject = capText(input.subject) ?? '';
  const timestamp = input.received.toISOString();
  return {
    notificationType: 'Received',
    mail: {
      timestamp,
      source: input.mailFrom,
      messageId: input.sesMessageId,
      destination: input.recipients,
      headersTruncated,
      headers,
      commonHeaders,
    },
    receipt: {
      timestamp,
      processingTimeMillis: Date.now() - input.received.getTime(),
      // Every recipient in the envelope passed RCPT TO, so all of them are at the capture domain.
      recipients: input.recipients,
      spamVerdict: { status: input.verdicts.spam },
      virusVerdict: { status: input.verdicts.virus },
      spfVerdict: { status: input.verdicts.spf },
      dkimVerdict: { status: input.verdicts.dkim },
      dmarcVerdict: { status: input.verdicts.dmarc },
      action: {
        type: 'S3',
        topicArn: input.topicArn,
        bucketName: input.bucket,
        objectKeyPrefix: pipeline.keys.raw,
        objectKey: input.objectKey,
      },
    },
  };
}

function capText(value: string | undefined): string | undefined {
  return value === undefined || value.length <= COMMON_HEADER_CHARS
    ? value
    : value.slice(0, COMMON_HEADER_CHARS);
}

/** The first addresses of a list, up to COMMON_ADDRESS_LIST_CHARS in all (each capped too). */
function capList(list: string[] | undefined): string[] | undefined {
  if (!list) return undefined;
  const out: string[] = [];
  let size = 0;
  for (const entry of list) {
    const capped = capText(entry) ?? '';
    size += capped.length + 4;
    if (size > COMMON_ADDRESS_LIST_CHARS && out.length > 0) break;
    out.push(capped);
  }
  return out;
}

const VERDICT_STATUSES = new Set(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED']);

/** `spam=FAIL,virus=FAIL,dmarc=FAIL` over all-PASS defaults; unknown names or statuses are ignored. */
export function verdictsFrom(header: string | undefined): Verdicts {
  const verdicts: Verdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' };
  for (const part of (header ?? '').split(',')) {
    const [name, status] = part.split('=').map((s) => s.trim());
    const key = name?.toLowerCase();
    const value = status?.toUpperCase();
    if (key && value && key in verdicts && VERDICT_STATUSES.has(value)) verdicts[key as VerdictName] = value;
  }
  return verdicts;
}

/** SES receipt message ids: lower-case letters and digits (20 here). */
export /** RFC 5321's path limit (4.5.3.1.3): local part, "@" and domain in 253 octets. */
const MAX_PATH_CHARS = 253;

/**
 * Why an envelope sender cannot be one, or null. The null sender (`MAIL FROM:<>`, bounces) is
 * taken; the local part may hold any printable characters, dots included in any place; the
 * domain must be a host name or an address literal, and the whole within RFC 5321's length.
 */
export function envelopeSenderProblem(address: string): string | null {
  if (address === '') return null;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return 'no local part and domain';
  if (address.length > MAX_PATH_CHARS) return `longer than ${MAX_PATH_CHARS} characters`;
  const domain = address.slice(at + 1);
  if (/^\[(?:IPv6:[0-9A-Fa-f:.]+|\d{1,3}(?:\.\d{1,3}){3})\]$/.test(domain)) return null;
  const hostName = /^[a-zA-Z0-9\u0080-\uFFFF.-]+$/.test(domain) && !/^[.-]|[.-]$|\.\.|\.-|-\./.test(domain);
  return hostName ? null : 'malformed domain';
}

function randomSesId(length = 20): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  // 252 is the largest multiple of 36 below 256: rejecting bytes above it keeps ids uniform.
  let id = '';
  while (id.length < length) {
    for (const b of randomBytes(length)) if (b < 252 && id.length < length) id += alphabet[b % 36];
  }
  return id;
}

/** "Fri, 11 Sep 2015 20:32:33 +0000 (UTC)", the date format in SES's Received header. */
function rfc5322Date(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000 (UTC)');
}
