/**
 * The MIME reader: raw MIME (bytes or a stream) → a MimeReading, every scan within a budget,
 * then the pure parse rules (buildCapturedEmail) → a validated CapturedEmail.
 * Streams: attachments go to an AttachmentSink as they are read, never held whole in memory
 * (only an attached message/rfc822 is buffered, up to a limit, to read its headers).
 * mailparser, html-to-text and iconv-lite are used here and in this folder only.
 */
import { type Readable, Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import {
  type AddressObject,
  type AttachmentStream,
  type Headers,
  MailParser,
  type MessageText,
} from 'mailparser';
import type { Org } from '../../config/registry.ts';
import type {
  Attachment,
  CaptureContext,
  CapturedEmail,
  CutShort,
  CutShortCode,
  ForwardedOriginal,
  MailAddress,
} from '../../domain/captured-email.ts';
import { buildCapturedEmail } from '../../domain/parse/build-captured-email.ts';
import type { CalendarLimits } from '../../domain/parse/calendar/read-invite.ts';
import { DEFAULT_LIMITS, type ParseLimits } from '../../domain/parse/limits.ts';
import { SANE_YEARS } from '../../domain/sync/sanitize.ts';
import { CaptureError, describeError, PermanentError, TransientError } from '../../errors.ts';
import type { AttachmentSink } from '../../ports/attachment-sink.ts';
import type { MimeReading } from '../../ports/mime-reader.ts';
import { CalendarCapture } from './calendar-capture.ts';
import { flattenAddresses, forwardTextOfHtml } from './forward-html.ts';
import { asError, GuardedTransform } from './guarded-transform.ts';
import { HeaderBlockRepair } from './header-block.ts';
import { boundHtml, htmlToText } from './html-text.ts';
import { MimeBudgetScan } from './mime-budget.ts';

export { DEFAULT_LIMITS, type ParseLimits } from '../../domain/parse/limits.ts';

export interface ParseOptions {
  org?: Org | null;
  capture?: CaptureContext | null;
  envelope?: { mailFrom: string | null; recipients: string[] } | null;
  attachmentSink?: AttachmentSink;
  limits?: Partial<ParseLimits>;
  /** Bounds on reading meeting invites (text/calendar parts). */
  calendar?: Partial<CalendarLimits>;
}

/** No header could be read: the input is not an email (empty, binary, truncated before any header). */
export class UnreadableEmailError extends PermanentError {
  constructor(message: string) {
    super('UNREADABLE_EMAIL', message);
  }
}

interface CollectedAttachment {
  meta: Attachment;
  attachedMessage: Buffer | null;
}

/**
 * Whatever else went wrong reading one message (a fault of the parse code on this input): no
 * retry helps, the message is dead-lettered with this reason and can be replayed once fixed.
 */
export class ParseFailedError extends PermanentError {
  constructor(thrown: unknown) {
    const what = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : `thrown ${typeof thrown}`;
    super('PARSE_FAILED', `the message could not be parsed (${what.split('\n')[0]?.slice(0, 200)})`, {
      cause: thrown,
    });
  }
}

/** Storing an attachment failed (S3): retried, as the files must not be lost. */
export class AttachmentStoreError extends TransientError {
  constructor(thrown: unknown) {
    super('ATTACHMENT_STORE', describeError(thrown), { cause: thrown });
  }
}

/**
 * Reads the message and applies the parse rules: the entry point for every caller. It settles
 * with a CapturedEmail or one of Capture's errors, whatever the input: unreadable input is
 * UnreadableEmailError, a failing attachment store AttachmentStoreError, anything else
 * ParseFailedError.
 */
export async function parseEmail(raw: Buffer | Readable, options: ParseOptions = {}): Promise<CapturedEmail> {
  try {
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const reading = await readMime(raw, options, limits);
    return buildCapturedEmail(reading, {
      org: options.org ?? null,
      capture: options.capture ?? null,
      envelope: options.envelope ?? null,
      limits,
    });
  } catch (error) {
    throw error instanceof CaptureError ? error : new ParseFailedError(error);
  }
}

/** Streams the message through header repair, the MIME budget and mailparser. */
export async function readMime(
  raw: Buffer | Readable,
  options: Pick<ParseOptions, 'attachmentSink' | 'calendar'>,
  limits: ParseLimits,
): Promise<MimeReading> {
  const warnings: string[] = [];
  const cutShort: CutShort[] = [];
  const cut = (code: CutShortCode, detail: string) => {
    if (cutShort.some((c) => c.code === code && c.detail === detail)) return;
    cutShort.push({ code, detail });
    warnings.push(`${code}: ${detail}`);
  };
  const repair = new HeaderBlockRepair(limits.maxHeaderBytes);
  const mime = new MimeBudgetScan({
    maxParts: limits.maxParts,
    maxMultipartDepth: limits.maxMultipartDepth,
  });
  const parser = newMailParser(limits);
  const calendar = new CalendarCapture(options.calendar);
  const events = listen(parser, calendar, options.attachmentSink, limits, cut);

  await readThrough(raw, repair, mime, parser, cut);
  const collected = (await Promise.all(events.attachmentWork)).filter(
    (a): a is CollectedAttachment => a !== null,
  );
  const invite = await calendar.invite(warnings);

  const repaired = repair.result;
  if (!repaired || repaired.fieldCount === 0 || repair.bytes === 0) {
    throw new UnreadableEmailError(repair.bytes === 0 ? 'empty input' : 'no header could be read');
  }
  warnings.unshift(...repaired.warnings);
  reportMimeCut(mime, limits, cut);

  const headers = events.headers();
  const fields = readAddressFields(headers, limits, warnings, cut);
  let references = idList(headers.get('references'));
  if (references.length > limits.maxReferences) {
    // The newest parents come last (RFC 5322): those are the ones threading needs.
    references = references.slice(-limits.maxReferences);
    cut('references-truncated', `only the last ${limits.maxReferences} References were kept`);
  }
  const date = readDate(headers, events.rawHeaders.get('date'), warnings);
  const contentType = contentTypeOf(headers);

  const body = bodyText(events.text(), contentType, mime, limits, cut);
  const attachedOriginal = await readAttachedOriginalOf(collected, limits, cut, warnings);

  return {
    ...fields,
    messageId: normaliseId(headers.get('message-id')),
    inReplyTo: normaliseId(headers.get('in-reply-to')),
    references,
    date,
    contentType,
    rawHeaders: events.rawHeaders,
    ...body,
    attachedOriginal,
    attachments: collected.map((a) => a.meta),
    invite,
    dkimDomains: events.dkimDomains,
    size: repair.bytes,
    warnings,
    cutShort,
  };
}

/**
 * The body as text: mailparser's text, with the text a reader sees of HTML-only mail or of HTML
 * parts beside the text ones (not alternatives to them, so missing from mailparser's text), which
 * is also what the order patterns scan; and, for HTML-only mail, its unwrapped text on demand.
 */
function bodyText(
  body: MessageText | null,
  contentType: string | undefined,
  mime: MimeBudgetScan,
  limits: ParseLimits,
  cut: Cut,
): Pick<MimeReading, 'text' | 'unwrappedHtmlText'> {
  let text = body?.text ?? '';
  let boundedHtml: string | null = null;
  if (typeof body?.html === 'string' && (text.trim() === '' || mime.sawLooseHtml)) {
    const fromHtml = htmlBodyText(body.html, limits, cut);
    boundedHtml = fromHtml.boundedHtml;
    text = text.trim() === '' ? fromHtml.text : `${text.trimEnd()}\n\n${fromHtml.text.trim()}`;
  }
  const topType = contentType?.toLowerCase() ?? 'text/plain';
  const hadTextPart = typeof body?.html !== 'string' || topType === 'text/plain' || mime.sawTextPlain;
  const htmlOnly = !hadTextPart && typeof body?.html === 'string' ? body.html : null;
  return {
    text,
    unwrappedHtmlText:
      htmlOnly === null
        ? null
        : () => forwardTextOfHtml(boundedHtml ?? boundedFor(htmlOnly, limits), limits.maxHtmlBytes),
  };
}

/** The bytes through header repair, the MIME budget and mailparser; past the headers, a failure cuts the message short. */
async function readThrough(
  source: Buffer | Readable,
  repair: HeaderBlockRepair,
  mime: MimeBudgetScan,
  parser: MailParser,
  cut: Cut,
): Promise<void> {
  // The source failing first (S3 breaking off mid-object) is not the mail's fault: read it again
  // later. (A failure in the chain reaches the source too, but after the stream that failed.)
  let firstFailed: 'source' | 'chain' | null = null;
  try {
    if (Buffer.isBuffer(source)) await pushThrough(source, repair, mime, parser);
    else {
      const chain = [new GuardedTransform(repair), new GuardedTransform(mime), parser] as const;
      source.once('error', () => (firstFailed ??= 'source'));
      for (const stream of chain) stream.once('error', () => (firstFailed ??= 'chain'));
      await pipeline(source, ...chain);
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (firstFailed === 'source')
      throw new TransientError('RAW_READ_FAILED', `reading the raw mail broke off: ${detail}`);
    if (!repair.result || repair.result.fieldCount === 0)
      throw new UnreadableEmailError(`not an email: ${detail}`);
    cut(
      'mime-unreadable',
      `the message could not be read past the headers (${error instanceof Error ? error.message : 'parse error'}): body and files may be missing`,
    );
  }
}

/**
 * Bytes already in memory handed straight to the stages and mailparser: no source stream, no
 * stream per stage and no pipeline() (building and running them cost more than a small message's
 * parse). What the stages pass on reaches mailparser in one write where it can: each further
 * write costs mailparser a round of its stream work (about a tenth of a small invite's parse).
 * A stage that throws fails the read as its stream would, by destroying mailparser.
 */
function pushThrough(
  raw: Buffer,
  repair: HeaderBlockRepair,
  mime: MimeBudgetScan,
  parser: MailParser,
): Promise<void> {
  const done = finished(parser);
  const passed: Buffer[] = [];
  // Empty chunks pass nothing on a stream either.
  const toMime = (bytes: Buffer) => {
    if (bytes.length > 0) mime.read(bytes, (out) => passed.push(out));
  };
  try {
    repair.read(raw, toMime);
    repair.end(toMime);
    mime.end();
  } catch (error) {
    parser.destroy(asError(error));
    return done;
  }
  for (const bytes of joinPassed(passed)) {
    if (bytes.length > 0 && !parser.destroyed) parser.write(bytes);
  }
  parser.end();
  return done;
}

/** Copied into one buffer up to this size; past it, pieces that are not contiguous go as they are. */
const JOIN_MAX_BYTES = 1024 * 1024;

/**
 * The pieces as few buffers as can be had cheaply: neighbours that lie side by side in memory
 * (an unrepaired header block and the body after it) become one view, without a copy.
 */
export function joinPassed(pieces: Buffer[]): Buffer[] {
  const joined: Buffer[] = [];
  for (const piece of pieces) {
    const last = joined.at(-1);
    if (last && last.buffer === piece.buffer && last.byteOffset + last.length === piece.byteOffset) {
      joined[joined.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + piece.length);
    } else joined.push(piece);
  }
  if (joined.length < 2) return joined;
  const total = joined.reduce((n, b) => n + b.length, 0);
  return total <= JOIN_MAX_BYTES ? [Buffer.concat(joined, total)] : joined;
}

function reportMimeCut(mime: MimeBudgetScan, limits: ParseLimits, cut: Cut): void {
  if (mime.cut === 'parts') {
    cut('mime-parts', `more than ${limits.maxParts} MIME parts: the rest of the message was not read`);
  } else if (mime.cut === 'depth') {
    cut(
      'mime-depth',
      `more than ${limits.maxMultipartDepth} nested multipart levels: the rest of the message was not read`,
    );
  }
}

/** Collects what mailparser emits: headers, the top-level header lines, the body text and files. */
function listen(
  parser: MailParser,
  calendar: CalendarCapture,
  sink: AttachmentSink | undefined,
  limits: ParseLimits,
  cut: Cut,
) {
  let headers: Headers = new Map();
  let text: MessageText | null = null;
  let parts = 0;
  let topLevel = true;
  const rawHeaders = new Map<string, string>();
  const dkimDomains: string[] = [];
  const attachmentWork: Promise<CollectedAttachment | null>[] = [];
  // A listener runs inside mailparser's stream work: what it throws must fail this message only.
  const on = <A extends unknown[]>(event: string, listener: (...args: A) => void) =>
    (parser as NodeJS.EventEmitter).on(event, (...args: A) => {
      try {
        listener(...args);
      } catch (error) {
        parser.destroy(asError(error));
      }
    });
  on('headers', (h: Headers) => {
    headers = h;
  });
  on('headerLines', (lines: { key: string; line: string }[]) => {
    // mailparser emits the top-level block first; attached messages do not add signatures.
    if (!topLevel) return;
    topLevel = false;
    for (const { key, line } of lines) {
      if (!rawHeaders.has(key)) rawHeaders.set(key, line.slice(line.indexOf(':') + 1));
      if (key !== 'dkim-signature') continue;
      // Beyond ten signatures, an empty entry stands for the rest: it aligns with nothing.
      if (dkimDomains.length < 10) dkimDomains.push(dkimDomain(line));
      else if (dkimDomains.length === 10) dkimDomains.push('');
    }
  });
  on('data', (data: AttachmentStream | MessageText) => {
    if (data.type === 'text') {
      text = data;
      return;
    }
    parts++;
    if (parts > limits.maxParts) {
      cut('attachments-skipped', `more than ${limits.maxParts} attachments: the rest are not kept`);
      data.content.on('end', () => data.release());
      (data.content as Readable).resume();
      return;
    }
    calendar.watch(data);
    const work = readAttachment(data, parts - 1, sink, limits, cut);
    // Awaited once the whole message is read; a failure before then is not an unhandled one.
    work.catch(() => {});
    attachmentWork.push(work);
  });
  return {
    headers: () => headers,
    text: () => text as MessageText | null,
    rawHeaders,
    dkimDomains,
    attachmentWork,
  };
}

/** An HTML body cut and bounded as the body text conversion bounds it. */
function boundedFor(html: string, limits: ParseLimits): string {
  return boundHtml(html.slice(0, limits.maxHtmlBytes), {
    maxChars: limits.maxHtmlBytes,
    maxDepth: limits.maxHtmlDepth,
    maxElements: limits.maxHtmlElements,
  }).html;
}

function newMailParser(limits: ParseLimits): MailParser {
  return new MailParser({
    // Each file's checksum as the pipeline records it: mailparser hashes every part anyway.
    checksumAlgo: 'sha256',
    skipImageLinks: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    // HTML is converted here, within budgets (html-text.ts): mailparser's own conversion is unbounded.
    skipHtmlToText: true,
    maxHtmlLengthToParse: limits.maxHtmlBytes,
    // mailsplit drops the whole message past its node limit (MimeBudgetScan cuts well before it)
    // and refuses a header block over 1 MB (the top-level block is bounded by maxHeaderBytes).
    ...{
      maxChildNodes: Math.max(1_000, limits.maxParts * 4),
      maxHeadSize: limits.maxHeaderBytes + 64 * 1024,
    },
  });
}

type Cut = (code: CutShortCode, detail: string) => void;

/** From, Sender, the recipient lists and Subject, each within its budget. */
function readAddressFields(headers: Headers, limits: ParseLimits, warnings: string[], cut: Cut) {
  const capped = (name: string) => {
    const list = addressHeader(headers, name, warnings);
    if (list.length <= limits.maxAddressesPerHeader) return list;
    cut(
      'recipients-truncated',
      `only the first ${limits.maxAddressesPerHeader} addresses of a header were kept`,
    );
    return list.slice(0, limits.maxAddressesPerHeader);
  };
  let subject = normaliseSubject(headers.get('subject'));
  if (subject && subject.length > limits.maxSubjectChars) {
    subject = subject.slice(0, limits.maxSubjectChars);
    cut('subject-truncated', `the Subject was cut at ${limits.maxSubjectChars} characters`);
  }
  return {
    from: addressHeader(headers, 'from', warnings)[0] ?? null,
    sender: addressHeader(headers, 'sender', warnings)[0] ?? null,
    replyTo: capped('reply-to'),
    to: capped('to'),
    cc: capped('cc'),
    bcc: capped('bcc'),
    subject,
  };
}

/** The first attached message/rfc822, read as the forwarded original; null when there is none. */
async function readAttachedOriginalOf(
  collected: CollectedAttachment[],
  limits: ParseLimits,
  cut: Cut,
  warnings: string[],
): Promise<ForwardedOriginal | null> {
  const attached = collected.find((a) => a.attachedMessage !== null)?.attachedMessage;
  if (!attached) return null;
  try {
    return await readAttachedOriginal(attached, limits, cut);
  } catch {
    warnings.push('attached message could not be read');
    return null;
  }
}

/**
 * An attached message/rfc822 read by this same MIME reader, so it is bounded by the same budgets
 * (a library parse of it converted HTML without limits). Messages attached inside it are not
 * opened. Only what an original needs is taken: the parse rules (forwards, order numbers, card
 * masking) apply to it once, as part of the message that carries it.
 */
async function readAttachedOriginal(
  raw: Buffer,
  limits: ParseLimits,
  cut: Cut,
): Promise<ForwardedOriginal | null> {
  const inner = await readMime(raw, {}, { ...limits, maxAttachedMessageBytes: 0 });
  for (const c of inner.cutShort) {
    if (c.code !== 'attached-message-unopened')
      cut(c.code as CutShortCode, `in the attached message: ${c.detail}`);
  }
  if (!inner.from && !inner.subject) return null;
  let text = inner.text;
  if (text.length > limits.maxTextChars) {
    text = text.slice(0, limits.maxTextChars);
    cut(
      'text-truncated',
      `in the attached message: the body text was cut at ${limits.maxTextChars} characters`,
    );
  }
  return {
    from: inner.from,
    to: inner.to,
    cc: inner.cc,
    subject: inner.subject,
    date: inner.date,
    messageId: inner.messageId,
    source: 'attachment',
    text,
  };
}

/** The `d=` tag of a DKIM-Signature header line, lower-cased; empty when absent. */
function dkimDomain(line: string): string {
  const value = line.slice(line.indexOf(':') + 1).replace(/\s+/g, '');
  for (const tag of value.split(';')) {
    if (tag.startsWith('d=')) return tag.slice(2).toLowerCase().replace(/\.$/, '');
  }
  return '';
}

function htmlBodyText(
  html: string,
  limits: ParseLimits,
  cut: (code: CutShortCode, detail: string) => void,
): { text: string; boundedHtml: string } {
  const converted = htmlToText(html, {
    maxChars: limits.maxHtmlBytes,
    maxDepth: limits.maxHtmlDepth,
    maxElements: limits.maxHtmlElements,
  });
  if (converted.truncated) {
    cut('html-truncated', `only the first ${limits.maxHtmlBytes} characters of the HTML body were converted`);
  }
  if (converted.flattenedDepth) {
    cut('html-depth', `HTML nested deeper than ${limits.maxHtmlDepth} levels was flattened (text kept)`);
  }
  if (converted.droppedElements) {
    cut('html-elements', `HTML elements after the first ${limits.maxHtmlElements} were dropped (text kept)`);
  }
  return converted;
}

async function readAttachment(
  data: AttachmentStream,
  index: number,
  sink: AttachmentSink | undefined,
  limits: ParseLimits,
  cut: (code: CutShortCode, detail: string) => void,
): Promise<CollectedAttachment | null> {
  const contentType = (data.contentType || 'application/octet-stream').toLowerCase();
  const isImage = contentType.startsWith('image/');
  const inline =
    data.related === true ||
    (isImage &&
      data.contentDisposition !== 'attachment' &&
      (data.contentDisposition === 'inline' || !!data.cid));
  const isMessage = contentType === 'message/rfc822';
  // Size and SHA-256 come from mailparser (checksumAlgo), set before the content stream ends.
  const kept: Buffer[] = [];
  let keptBytes = 0;
  const measure = (chunk: Buffer) => {
    if (isMessage && keptBytes <= limits.maxAttachedMessageBytes) {
      kept.push(chunk);
      keptBytes += chunk.length;
    }
  };
  const filename = data.filename ?? (isMessage ? 'forwarded-message.eml' : null);
  let storageKey: string | null = null;
  try {
    if (sink && !inline) {
      const meter = new Transform({
        transform(chunk: Buffer, _enc, callback) {
          measure(chunk);
          callback(null, chunk);
        },
      });
      const stored = sink.put({ index, filename, contentType }, meter);
      // The sink failing (S3) ends the wait at once, whatever the stream is doing.
      const [, result] = await Promise.all([pumpInto(data.content as Readable, meter), stored]).catch(
        (error: unknown) => {
          // The rest of the part is read and dropped, so the message's other parts still flow.
          (data.content as Readable).unpipe(meter);
          (data.content as Readable).resume();
          meter.destroy();
          throw error;
        },
      );
      storageKey = result.storageKey;
    } else {
      // Nothing to store: the chunks are only measured and hashed, with no pipeline per part.
      await drain(data.content as Readable, measure);
    }
  } catch (error) {
    data.release();
    // A failing sink (S3) must fail the whole parse so the message is retried, not stored without its files.
    if (sink && !inline) throw error instanceof CaptureError ? error : new AttachmentStoreError(error);
    cut('attachment-unreadable', `attachment ${index + 1} could not be read`);
    return null;
  }
  data.release();
  if (isMessage && keptBytes > limits.maxAttachedMessageBytes) {
    cut(
      'attached-message-unopened',
      `an attached message over ${limits.maxAttachedMessageBytes} bytes was kept as a file but not read`,
    );
  }
  return {
    meta: {
      filename,
      contentType,
      size: data.size,
      checksum: data.checksum,
      inline,
      contentId: data.contentId ?? null,
      storageKey,
    },
    attachedMessage: isMessage && keptBytes <= limits.maxAttachedMessageBytes ? Buffer.concat(kept) : null,
  };
}

/**
 * Pipes a part's content into the stream a sink reads, resolving once all of it is written there;
 * either side failing destroys both. (No pipeline(): its AbortController and per-stream
 * bookkeeping cost more than a small attachment's copy.)
 */
function pumpInto(from: Readable, to: Transform): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      from.destroy(error);
      to.destroy(error);
      reject(error);
    };
    from.once('error', fail);
    from.once('close', () => {
      if (!from.readableEnded) fail(new Error('attachment stream closed before its end'));
    });
    to.once('error', fail);
    to.once('finish', () => resolve());
    from.pipe(to);
  });
}

/** Reads a stream to its end, handing each chunk to `onChunk`. */
function drain(stream: Readable, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.on('data', onChunk);
    stream.once('end', resolve);
    stream.once('error', reject);
    stream.once('close', () => {
      if (!stream.readableEnded) reject(new Error('attachment stream closed before its end'));
    });
  });
}

function addressHeader(headers: Headers, name: string, warnings: string[]): MailAddress[] {
  const value = headers.get(name) as AddressObject | AddressObject[] | undefined;
  if (value === undefined) return [];
  const addresses = flattenAddresses(value);
  if (addresses.length === 0) warnings.push(`${name} header has no readable address`);
  return addresses;
}

function normaliseSubject(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return value.replace(/\s+/g, ' ').trim();
}

function normaliseId(value: unknown): string | null {
  const first = idList(value)[0];
  return first ?? null;
}

function idList(value: unknown): string[] {
  const raw = Array.isArray(value) ? value.join(' ') : typeof value === 'string' ? value : '';
  const bracketed = raw.match(/<[^<>\s]+>/g);
  if (bracketed) return bracketed;
  return raw
    .split(/\s+/)
    .filter((s) => s.length > 0)
    .map((s) => (s.includes('@') ? `<${s}>` : s));
}

function readDate(headers: Headers, rawDate: string | undefined, warnings: string[]): string | null {
  if (rawDate === undefined) return null;
  const value = headers.get('date');
  // mailparser substitutes the current time for an unreadable Date: only trust what parses.
  const own = Date.parse(rawDate.trim());
  const parsed = Number.isNaN(own) ? (value instanceof Date ? value.getTime() : Number.NaN) : own;
  const readable = !Number.isNaN(parsed) && (!Number.isNaN(own) || Math.abs(parsed - Date.now()) > 60_000);
  if (!readable || rawDate.trim() === '') {
    warnings.push('Date header could not be read');
    return null;
  }
  if (parsed > Date.now() + 2 * 86_400_000) {
    warnings.push('Date header is in the future: ignored');
    return null;
  }
  if (parsed < Date.UTC(SANE_YEARS.first, 0, 1)) {
    warnings.push(`Date header is before ${SANE_YEARS.first}: ignored`);
    return null;
  }
  return new Date(parsed).toISOString();
}

function contentTypeOf(headers: Headers): string | undefined {
  const value = headers.get('content-type') as { value?: string } | string | undefined;
  return typeof value === 'string' ? value : value?.value;
}
