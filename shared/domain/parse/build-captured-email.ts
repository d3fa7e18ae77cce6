/**
 * The parse rules, pure: what the MIME reader read → a CapturedEmail (validated where the sync stage reads it). Forwards,
 * privacy (card masking, exclusions), order numbers, kind, participants and direction are
 * decided here from plain values; no bytes, streams or MIME libraries.
 */
import type { Org } from '../../config/registry.ts';
import type {
  CaptureContext,
  CapturedEmail,
  CutShortCode,
  Direction,
  ForwardedOriginal,
  Invite,
  MailAddress,
  Participant,
  ParticipantRole,
} from '../captured-email.ts';
import { CAPTURED_EMAIL_SCHEMA_VERSION } from '../captured-email-version.ts';
import { isInternalAddress } from '../internal-address.ts';
import { isRecordId } from '../record-id.ts';
import { squeezeLongWhitespace } from './bounded-text.ts';
import { findHtmlForward, findInlineForward, followForwardChain } from './forwarded.ts';
import { bulkKind, classifyKind } from './kind.ts';
import type { ParseLimits } from './limits.ts';
import type { MimeReading } from './mime-reading.ts';
import { findOrderNumbers, orderNumberMatchers } from './order-numbers.ts';
import { exclusionReason, maskCardNumbers } from './privacy.ts';
import { wellFormedDeep } from './well-formed.ts';

export interface BuildContext {
  org: Org | null;
  capture: CaptureContext | null;
  envelope: { mailFrom: string | null; recipients: string[] } | null;
  limits: Pick<ParseLimits, 'maxForwardScanChars' | 'maxTextChars'>;
}

export function buildCapturedEmail(reading: MimeReading, context: BuildContext): CapturedEmail {
  const { org, capture, limits } = context;
  const warnings = [...reading.warnings];
  const cutShort = [...reading.cutShort];
  const cut = (code: CutShortCode, detail: string) => {
    cutShort.push({ code, detail });
    warnings.push(`${code}: ${detail}`);
  };

  let forwarded = followForwardChain(
    reading.attachedOriginal ?? findInlineOriginal(reading, limits, cut),
    colleagueOf(org, reading.from),
    limits.maxTextChars,
  );

  const body = boundText(reading.text, limits.maxTextChars, cut);
  const masked = maskCards(org, { text: body.text, forwarded, invite: reading.invite ?? null }, warnings);
  const { text, invite } = masked;
  forwarded = masked.forwarded;
  const textTruncated = body.truncated;

  const target = capture?.target ?? null;
  const orderNumbers = findOrderNumbers(
    [target, reading.subject, text, forwarded?.subject, forwarded?.text],
    orderNumberMatchers(org?.orderNumbers),
  ).filter((n) => n !== target || isOrderLike(n));

  const header = (name: string) => reading.rawHeaders.get(name);
  const captureDomain = capture?.address.split('@')[1] ?? null;
  const participants = buildParticipants({ ...reading, forwarded }, org, captureDomain);
  const excludedReason = exclusionOf(org, reading.subject, participants, invite);

  const email: CapturedEmail = {
    schemaVersion: CAPTURED_EMAIL_SCHEMA_VERSION,
    messageId: reading.messageId,
    subject: reading.subject,
    date: reading.date,
    from: reading.from,
    sender: reading.sender,
    replyTo: reading.replyTo,
    to: reading.to,
    cc: reading.cc,
    bcc: reading.bcc,
    inReplyTo: reading.inReplyTo,
    references: reading.references,
    forwarded,
    orderNumbers,
    kind: classifyKind({
      header,
      contentType: reading.contentType,
      fromAddress: reading.from?.address ?? null,
      envelopeFrom: context.envelope?.mailFrom,
    }),
    attachments: reading.attachments,
    warnings,
    text,
    textTruncated,
    participants,
    direction: directionOf(participants, org, forwarded !== null && capture?.mode === 'forward'),
    envelope: context.envelope,
    capture,
    excluded: excludedReason ? { reason: excludedReason } : null,
    size: reading.size,
    invite,
    bulk: bulkKind(header, org?.internalDomains ?? []),
    authentication: { dkimDomains: reading.dkimDomains },
    cutShort,
  };
  // Built from typed values, so not re-validated here (zod cost more than the rules): the sync
  // stage validates every CapturedEmail where it reads one from the store. Every string leaves
  // the parse stage well-formed, whatever the charsets made of the bytes.
  return wellFormedDeep(email);
}

/** The body text, cut at `maxChars` (and said so). */
function boundText(
  text: string,
  maxChars: number,
  cut: (code: CutShortCode, detail: string) => void,
): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  cut('text-truncated', `the body text was cut at ${maxChars} characters`);
  return { text: text.slice(0, maxChars), truncated: true };
}

interface Texts {
  text: string;
  forwarded: ForwardedOriginal | null;
  invite: Invite | null;
}

/** Card numbers masked in the body, a forwarded original and an invite (its text becomes an Event's Description), unless the org turned masking off. */
function maskCards(org: Org | null, texts: Texts, warnings: string[]): Texts {
  if (!(org?.privacy.maskCardNumbers ?? true)) return texts;
  const masked = maskCardNumbers(texts.text);
  const forwarded = texts.forwarded
    ? { ...texts.forwarded, text: maskCardNumbers(texts.forwarded.text).text }
    : null;
  const inviteMasked = texts.invite ? maskInvite(texts.invite) : null;
  const count = masked.masked + (inviteMasked?.masked ?? 0);
  if (count > 0) warnings.push(`${count} payment card number(s) masked`);
  return { text: masked.text, forwarded, invite: inviteMasked?.invite ?? texts.invite };
}

/**
 * Why the mail is not logged, if it is excluded: the private tag and excluded people count in an
 * invite as in the mail (its title is a subject, its organizer and attendees are people of it).
 */
function exclusionOf(
  org: Org | null,
  subject: string | null,
  participants: Participant[],
  invite: Invite | null,
): string | null {
  return (
    exclusionReason(
      org,
      subject,
      participants.map((p) => p.address),
    ) ??
    (invite
      ? exclusionReason(org, invite.summary, [
          ...(invite.organizer ? [invite.organizer.address] : []),
          ...invite.attendees.map((a) => a.address),
        ])
      : null)
  );
}

/** An invite with the card numbers in its title, place and description masked. */
function maskInvite(invite: Invite): { invite: Invite; masked: number } {
  let masked = 0;
  const mask = (value: string | null) => {
    if (value === null) return null;
    const result = maskCardNumbers(value);
    masked += result.masked;
    return result.text;
  };
  const summary = mask(invite.summary);
  const location = mask(invite.location);
  const description = mask(invite.description);
  return { invite: { ...invite, summary, location, description }, masked };
}

/** An inline forward, searched for in bounded text (the whole body is never scanned). */
function findInlineOriginal(
  reading: MimeReading,
  limits: BuildContext['limits'],
  cut: (code: CutShortCode, detail: string) => void,
): ForwardedOriginal | null {
  if (reading.text.length > limits.maxForwardScanChars) {
    cut(
      'forward-scan-truncated',
      `only the first ${limits.maxForwardScanChars} characters were searched for a forwarded message`,
    );
  }
  // The forward finder's library backtracks on long whitespace runs: hand it bounded, squeezed text.
  const text = squeezeLongWhitespace(reading.text.slice(0, limits.maxForwardScanChars));
  if (reading.unwrappedHtmlText === null) {
    return findInlineForward(text, reading.subject, 'inline-text', limits.maxTextChars);
  }
  return findHtmlForward(text, reading.unwrappedHtmlText, reading.subject, limits.maxTextChars);
}

/** The sub-address target counts as an order number unless it is a Salesforce record id. */
function isOrderLike(value: string): boolean {
  return !isRecordId(value) || /^\d+$/.test(value);
}

type ParticipantFields = Pick<MimeReading, 'from' | 'sender' | 'replyTo' | 'to' | 'cc' | 'bcc'> & {
  forwarded: ForwardedOriginal | null;
};

function buildParticipants(
  fields: ParticipantFields,
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
