/**
 * The parse core: raw MIME (bytes or a stream) + org context → a validated CapturedEmail.
 * Streams: attachments go to an AttachmentSink as they are read, never held whole in memory
 * (only an attached message/rfc822 is buffered, up to a limit, to read its headers).
 * Pure of AWS: the sink is a port.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type AddressObject,
  type AttachmentStream,
  type Headers,
  MailParser,
  type MessageText,
} from 'mailparser';
import type { Org } from '../../config/registry.ts';
import { isInternalAddress } from '../../config/registry.ts';
import { PermanentError } from '../../errors.ts';
import type { AttachmentSink } from '../../ports/attachment-sink.ts';
import {
  type Attachment,
  CAPTURED_EMAIL_SCHEMA_VERSION,
  type CaptureContext,
  type CapturedEmail,
  CapturedEmailSchema,
  type CutShort,
  type CutShortCode,
  type Direction,
  type ForwardedOriginal,
  type MailAddress,
  type Participant,
  type ParticipantRole,
} from '../captured-email.ts';
import { squeezeLongWhitespace } from './bounded-text.ts';
import { CalendarCapture } from './calendar/capture.ts';
import type { CalendarLimits } from './calendar/read-invite.ts';
import { findHtmlForward, findInlineForward, flattenAddresses, followForwardChain } from './forwarded.ts';
import { HeaderBlockRepair } from './header-block.ts';
import { boundHtml, htmlToText } from './html-text.ts';
import { bulkKind, classifyKind } from './kind.ts';
import { MimeBudgetStream } from './mime-budget.ts';
import { findOrderNumbers, orderNumberMatchers } from './order-numbers.ts';
import { exclusionReason, maskCardNumbers } from './privacy.ts';

/**
 * Budgets that keep one message from holding up the others: every scan of untrusted input is
 * bounded by one of these. Whatever a budget cuts is reported in `cutShort` and `warnings`.
 */
export interface ParseLimits {
  /**
   * Top-level header block; beyond it the rest is read as body (warning). SES accepts headers of
   * any size, so this is generous: a 2 MB Subject must still leave the later headers readable.
   */
  maxHeaderBytes: number;
  /** Subject characters kept (`subject-truncated`); the Task keeps 255 of them anyway. */
  maxSubjectChars: number;
  /** Addresses kept per address header (To, Cc, Bcc, Reply-To); the rest are dropped (`recipients-truncated`). */
  maxAddressesPerHeader: number;
  /** Message ids kept from References, the newest ones (`references-truncated`). */
  maxReferences: number;
  /**
   * MIME parts read (bodies, attachments and multipart containers). The message is cut before
   * the next part (`mime-parts`); attachments beyond it are skipped (`attachments-skipped`).
   */
  maxParts: number;
  /** Nested multipart levels; the message is cut where a deeper one starts (`mime-depth`). */
  maxMultipartDepth: number;
  /** Plain-text body kept in the CapturedEmail (`text-truncated`, `textTruncated` when cut). */
  maxTextChars: number;
  /** HTML characters converted to text; the rest is left out (`html-truncated`). */
  maxHtmlBytes: number;
  /** HTML element nesting kept when converting; deeper tags are flattened, their text kept (`html-depth`). */
  maxHtmlDepth: number;
  /** HTML elements kept when converting; later tags are dropped, their text kept (`html-elements`). */
  maxHtmlElements: number;
  /** Body text searched for an inline forward; a forward starting later is not found (`forward-scan-truncated`). */
  maxForwardScanChars: number;
  /** An attached message/rfc822 larger than this is stored but not opened (`attached-message-unopened`). */
  maxAttachedMessageBytes: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxHeaderBytes: 4 * 1024 * 1024,
  maxSubjectChars: 2_048,
  maxAddressesPerHeader: 1_000,
  maxReferences: 100,
  maxParts: 500,
  maxMultipartDepth: 50,
  maxTextChars: 200_000,
  maxHtmlBytes: 5 * 1024 * 1024,
  maxHtmlDepth: 100,
  maxHtmlElements: 50_000,
  maxForwardScanChars: 100_000,
  maxAttachedMessageBytes: 10 * 1024 * 1024,
};

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

export async function parseEmail(raw: Buffer | Readable, options: ParseOptions = {}): Promise<CapturedEmail> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const org = options.org ?? null;
  const warnings: string[] = [];
  const cutShort: CutShort[] = [];
  const cut = (code: CutShortCode, detail: string) => {
    if (cutShort.some((c) => c.code === code && c.detail === detail)) return;
    cutShort.push({ code, detail });
    warnings.push(`${code}: ${detail}`);
  };
  const source = Buffer.isBuffer(raw) ? Readable.from([raw]) : raw;
  const repair = new HeaderBlockRepair(limits.maxHeaderBytes);
  const mime = new MimeBudgetStream({
    maxParts: limits.maxParts,
    maxMultipartDepth: limits.maxMultipartDepth,
  });
  const parser = newMailParser(limits);

  let headers: Headers = new Map();
  let text: MessageText | null = null;
  let parts = 0;
  const attachmentWork: Promise<CollectedAttachment | null>[] = [];
  const calendar = new CalendarCapture(options.calendar);

  const rawHeaders = new Map<string, string>();
  const dkimDomains: string[] = [];
  let topLevel = true;
  parser.on('headers', (h: Headers) => {
    headers = h;
  });
  parser.on('headerLines', (lines: { key: string; line: string }[]) => {
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
  parser.on('data', (data: AttachmentStream | MessageText) => {
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
    attachmentWork.push(readAttachment(data, parts - 1, options.attachmentSink, limits, cut));
  });

  try {
    await pipeline(source, repair, mime, parser);
  } catch (error) {
    if (!repair.result || repair.result.fieldCount === 0) {
      throw new UnreadableEmailError(
        `not an email: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    cut(
      'mime-unreadable',
      `the message could not be read past the headers (${error instanceof Error ? error.message : 'parse error'}): body and files may be missing`,
    );
  }
  const collected = (await Promise.all(attachmentWork)).filter((a): a is CollectedAttachment => a !== null);
  const invite = await calendar.invite(warnings);

  const repaired = repair.result;
  if (!repaired || repaired.fieldCount === 0 || repair.bytes === 0) {
    throw new UnreadableEmailError(repair.bytes === 0 ? 'empty input' : 'no header could be read');
  }
  warnings.unshift(...repaired.warnings);
  if (mime.cut === 'parts') {
    cut('mime-parts', `more than ${limits.maxParts} MIME parts: the rest of the message was not read`);
  } else if (mime.cut === 'depth') {
    cut(
      'mime-depth',
      `more than ${limits.maxMultipartDepth} nested multipart levels: the rest of the message was not read`,
    );
  }

  const header = (name: string): string | undefined => {
    const value = headers.get(name);
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'object' && value !== null && 'value' in value) {
      const v = (value as { value: unknown; text?: string }).value;
      return typeof v === 'string' ? v : ((value as { text?: string }).text ?? String(v));
    }
    return String(value);
  };

  const { from, sender, replyTo, to, cc, bcc, subject } = readAddressFields(headers, limits, warnings, cut);
  const messageId = normaliseId(headers.get('message-id'));
  const inReplyTo = normaliseId(headers.get('in-reply-to'));
  let references = idList(headers.get('references'));
  if (references.length > limits.maxReferences) {
    // The newest parents come last (RFC 5322): those are the ones threading needs.
    references = references.slice(-limits.maxReferences);
    cut('references-truncated', `only the last ${limits.maxReferences} References were kept`);
  }
  const date = readDate(headers, rawHeaders.get('date'), warnings);
  const contentType = contentTypeOf(headers);

  const body = text as MessageText | null;
  let plain = body?.text ?? '';
  if (typeof body?.html === 'string' && (plain.trim() === '' || mime.sawLooseHtml)) {
    // HTML-only mail, or HTML parts beside the text ones (not alternatives to them, so missing
    // from mailparser's text): the text a reader sees, which is also what the order patterns scan.
    const fromHtml = htmlBodyText(body.html, limits, cut);
    plain = plain.trim() === '' ? fromHtml : `${plain.trimEnd()}\n\n${fromHtml.trim()}`;
  }
  const topType = contentType?.toLowerCase() ?? 'text/plain';
  const hadTextPart = typeof body?.html !== 'string' || topType === 'text/plain' || mime.sawTextPlain;
  let forwarded = await findForwarded(
    collected,
    { plain, html: !hadTextPart && typeof body?.html === 'string' ? body.html : null, subject },
    limits,
    cut,
    warnings,
  );
  forwarded = followForwardChain(forwarded, colleagueOf(options.org ?? null, from), limits.maxTextChars);

  let bodyText = plain;
  let textTruncated = false;
  if (bodyText.length > limits.maxTextChars) {
    bodyText = bodyText.slice(0, limits.maxTextChars);
    textTruncated = true;
    cut('text-truncated', `the body text was cut at ${limits.maxTextChars} characters`);
  }
  if (org?.privacy.maskCardNumbers ?? true) {
    const masked = maskCardNumbers(bodyText);
    bodyText = masked.text;
    if (forwarded) forwarded = { ...forwarded, text: maskCardNumbers(forwarded.text).text };
    if (masked.masked > 0) warnings.push(`${masked.masked} payment card number(s) masked`);
  }

  const orderNumbers = findOrderNumbers(
    [options.capture?.target ?? null, subject, bodyText, forwarded?.subject, forwarded?.text],
    orderNumberMatchers(org?.orderNumbers),
  ).filter((n) => n !== options.capture?.target || isOrderLike(n, org));

  const bulk = bulkKind((name) => rawHeaders.get(name), options.org?.internalDomains ?? []);
  const kind = classifyKind({
    header: (name) => rawHeaders.get(name) ?? header(name),
    contentType,
    fromAddress: from?.address ?? null,
    envelopeFrom: options.envelope?.mailFrom,
  });

  const captureDomain = options.capture?.address.split('@')[1] ?? null;
  const participants = buildParticipants(
    { from, sender, replyTo, to, cc, bcc, forwarded },
    org,
    captureDomain,
  );
  const excludedReason = exclusionReason(
    org,
    subject,
    participants.map((p) => p.address),
  );

  const email: CapturedEmail = {
    schemaVersion: CAPTURED_EMAIL_SCHEMA_VERSION,
    messageId,
    subject,
    date,
    from,
    sender,
    replyTo,
    to,
    cc,
    bcc,
    inReplyTo,
    references,
    forwarded,
    orderNumbers,
    kind,
    attachments: collected.map((a) => a.meta),
    warnings,
    text: bodyText,
    textTruncated,
    participants,
    direction: directionOf(participants, org, forwarded !== null && options.capture?.mode === 'forward'),
    envelope: options.envelope ?? null,
    capture: options.capture ?? null,
    excluded: excludedReason ? { reason: excludedReason } : null,
    size: repair.bytes,
    invite,
    bulk,
    authentication: { dkimDomains },
    cutShort,
  };
  return CapturedEmailSchema.parse(email);
}

function newMailParser(limits: ParseLimits): MailParser {
  return new MailParser({
    skipImageLinks: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    // HTML is converted here, within budgets (html-text.ts): mailparser's own conversion is unbounded.
    skipHtmlToText: true,
    maxHtmlLengthToParse: limits.maxHtmlBytes,
    // mailsplit drops the whole message past its node limit (MimeBudgetStream cuts well before it)
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

/** The forwarded original: an attached message first, else an inline forward in bounded text. */
async function findForwarded(
  collected: CollectedAttachment[],
  body: { plain: string; html: string | null; subject: string | null },
  limits: ParseLimits,
  cut: Cut,
  warnings: string[],
): Promise<ForwardedOriginal | null> {
  const attached = collected.find((a) => a.attachedMessage !== null)?.attachedMessage;
  if (attached) {
    try {
      const original = await readAttachedOriginal(attached, limits, cut);
      if (original) return original;
    } catch {
      warnings.push('attached message could not be read');
    }
  }
  if (body.plain.length > limits.maxForwardScanChars) {
    cut(
      'forward-scan-truncated',
      `only the first ${limits.maxForwardScanChars} characters were searched for a forwarded message`,
    );
  }
  // The forward finder's library backtracks on long whitespace runs: hand it bounded, squeezed text.
  const text = squeezeLongWhitespace(body.plain.slice(0, limits.maxForwardScanChars));
  if (body.html === null) return findInlineForward(text, body.subject, 'inline-text', limits.maxTextChars);
  // HTML-only mail: the HTML is read again unwrapped, after the same linear pass that bounds its
  // nesting and element count for the body text.
  const bounded = boundHtml(body.html.slice(0, limits.maxHtmlBytes), {
    maxChars: limits.maxHtmlBytes,
    maxDepth: limits.maxHtmlDepth,
    maxElements: limits.maxHtmlElements,
  }).html;
  return findHtmlForward(text, bounded, body.subject, {
    maxHtmlChars: limits.maxHtmlBytes,
    maxTextChars: limits.maxTextChars,
  });
}

/**
 * An attached message/rfc822 read by this same parse core, so it is bounded by the same budgets
 * (a library parse of it converted HTML without limits). Messages attached inside it are not opened.
 */
async function readAttachedOriginal(
  raw: Buffer,
  limits: ParseLimits,
  cut: Cut,
): Promise<ForwardedOriginal | null> {
  const inner = await parseEmail(raw, { limits: { ...limits, maxAttachedMessageBytes: 0 } });
  for (const c of inner.cutShort ?? []) {
    if (c.code !== 'attached-message-unopened')
      cut(c.code as CutShortCode, `in the attached message: ${c.detail}`);
  }
  if (!inner.from && !inner.subject) return null;
  return {
    from: inner.from,
    to: inner.to,
    cc: inner.cc,
    subject: inner.subject,
    date: inner.date,
    messageId: inner.messageId,
    source: 'attachment',
    text: inner.text,
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
): string {
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
  return converted.text;
}

/** The sub-address target counts as an order number unless it is a Salesforce record id. */
function isOrderLike(value: string, _org: Org | null): boolean {
  return !/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(value) || /^\d+$/.test(value);
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
  const hash = createHash('sha256');
  let size = 0;
  const kept: Buffer[] = [];
  let keptBytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      hash.update(chunk);
      size += chunk.length;
      if (isMessage && keptBytes <= limits.maxAttachedMessageBytes) {
        kept.push(chunk);
        keptBytes += chunk.length;
      }
      callback(null, chunk);
    },
  });
  const filename = data.filename ?? (isMessage ? 'forwarded-message.eml' : null);
  let storageKey: string | null = null;
  try {
    if (sink && !inline) {
      const out = new PassThrough();
      const stored = sink.put({ index, filename, contentType }, out);
      await pipeline(data.content as Readable, meter, out);
      storageKey = (await stored).storageKey;
    } else {
      await pipeline(data.content as Readable, meter, new Writable({ write: (_c, _e, cb) => cb() }));
    }
  } catch (error) {
    data.release();
    // A failing sink (S3) must fail the whole parse so the message is retried, not stored without its files.
    if (sink && !inline) throw error;
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
      size,
      checksum: hash.digest('hex'),
      inline,
      contentId: data.contentId ?? null,
      storageKey,
    },
    attachedMessage: isMessage && keptBytes <= limits.maxAttachedMessageBytes ? Buffer.concat(kept) : null,
  };
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
  return new Date(parsed).toISOString();
}

function contentTypeOf(headers: Headers): string | undefined {
  const value = headers.get('content-type') as { value?: string } | string | undefined;
  return typeof value === 'string' ? value : value?.value;
}

function buildParticipants(
  fields: {
    from: MailAddress | null;
    sender: MailAddress | null;
    replyTo: MailAddress[];
    to: MailAddress[];
    cc: MailAddress[];
    bcc: MailAddress[];
    forwarded: ForwardedOriginal | null;
  },
  org: Org | null,
  captureDomain: string | null,
): Participant[] {
  const out: Participant[] = [];
  const seen = new Set<string>();
  const add = (role: ParticipantRole, list: (MailAddress | null)[]) => {
    for (const a of list) {
      if (!a) continue;
      if (captureDomain && a.address.endsWith(`@${captureDomain}`)) continue;
      const key = `${role}:${a.address}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ...a, role, internal: org ? isInternalAddress(org, a.address) : false });
    }
  };
  add('from', [fields.from]);
  add('sender', [fields.sender]);
  add('reply-to', fields.replyTo);
  add('to', fields.to);
  add('cc', fields.cc);
  add('bcc', fields.bcc);
  if (fields.forwarded) {
    add('forwarded-from', [fields.forwarded.from]);
    add('forwarded-to', fields.forwarded.to);
    add('forwarded-cc', fields.forwarded.cc);
  }
  return out;
}

function directionOf(participants: Participant[], org: Org | null, preferOriginal: boolean): Direction {
  if (!org) return 'unknown';
  const pick = (fromRole: ParticipantRole, recipientRoles: ParticipantRole[]) => {
    const from = participants.find((p) => p.role === fromRole);
    if (!from) return null;
    const recipients = participants.filter((p) => recipientRoles.includes(p.role));
    if (!from.internal) return 'inbound' as const;
    return recipients.some((r) => !r.internal) ? ('outbound' as const) : ('internal' as const);
  };
  const original = participants.some((p) => p.role === 'forwarded-from')
    ? pick('forwarded-from', ['forwarded-to', 'forwarded-cc'])
    : null;
  if (preferOriginal && original) return original;
  return pick('from', ['to', 'cc', 'bcc']) ?? original ?? 'unknown';
}

/**
 * Who counts as a colleague of the forwarder: the org's internal domains when the org is known,
 * else the forwarder's own domain.
 */
function colleagueOf(org: Org | null, forwarder: MailAddress | null): (address: string) => boolean {
  if (org) return (address) => isInternalAddress(org, address);
  const domain = forwarder?.address.split('@')[1];
  return (address) => domain !== undefined && address.split('@')[1] === domain;
}
