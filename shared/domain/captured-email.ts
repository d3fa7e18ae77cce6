/**
 * CapturedEmail: the normalised, validated form of one received message. The parse stage writes
 * it to S3 (parsed/), the sync stage reads it. `capture parse` prints it. Versioned: readers
 * reject versions they do not know instead of guessing.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { CAPTURED_EMAIL_SCHEMA_VERSION } from './captured-email-version.ts';

export { CAPTURED_EMAIL_SCHEMA_VERSION } from './captured-email-version.ts';

export const MailAddressSchema = z.object({
  /** Lower-cased addr-spec, e.g. `jane.doe@example.com`. */
  address: z.string(),
  /** Display name, decoded; empty string when absent. */
  name: z.string(),
});
export type MailAddress = z.infer<typeof MailAddressSchema>;

/** Where an address stood: the message's own headers, or the headers of a forwarded original. */
const HEADER_ROLES = ['from', 'sender', 'reply-to', 'to', 'cc', 'bcc'] as const;
const FORWARDED_ROLES = ['forwarded-from', 'forwarded-to', 'forwarded-cc'] as const;
export const ParticipantRole = z.enum([...HEADER_ROLES, ...FORWARDED_ROLES]);
export type ParticipantRole = z.infer<typeof ParticipantRole>;

export const ParticipantSchema = MailAddressSchema.extend({
  role: ParticipantRole,
  /** True when the address is in one of the org's internal domains. */
  internal: z.boolean(),
});
export type Participant = z.infer<typeof ParticipantSchema>;

export const ForwardedOriginalSchema = z.object({
  from: MailAddressSchema.nullable(),
  to: z.array(MailAddressSchema),
  cc: z.array(MailAddressSchema),
  subject: z.string().nullable(),
  /** ISO 8601 when the forward's header block had a readable date. */
  date: z.string().nullable(),
  messageId: z.string().nullable().default(null),
  /** How it was found: an inline forward in the body or an attached message/rfc822 part. */
  source: z.enum(['inline-text', 'inline-html', 'attachment']),
  /** The original message's body text (bounded). */
  text: z.string().default(''),
});
export type ForwardedOriginal = z.infer<typeof ForwardedOriginalSchema>;

export const AttachmentSchema = z.object({
  filename: z.string().nullable(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  /** Hex SHA-256 of the decoded content. */
  checksum: z.string(),
  /** Inline parts (signature logos, embedded images) are not uploaded as Files. */
  inline: z.boolean(),
  contentId: z.string().nullable().default(null),
  /** Where the parse stage stored the content (S3 key), when it stored it. */
  storageKey: z.string().nullable().default(null),
});
export type Attachment = z.infer<typeof AttachmentSchema>;

export const InviteAttendeeSchema = MailAddressSchema.extend({
  /** PARTSTAT upper-cased (NEEDS-ACTION, ACCEPTED, DECLINED, TENTATIVE, DELEGATED); null when absent. */
  partstat: z.string().nullable(),
  /** ROLE upper-cased (REQ-PARTICIPANT, OPT-PARTICIPANT, CHAIR, NON-PARTICIPANT); null when absent. */
  role: z.string().nullable(),
  /** CUTYPE upper-cased: INDIVIDUAL unless the calendar says ROOM, RESOURCE, GROUP or UNKNOWN. */
  cutype: z.string(),
});
export type InviteAttendee = z.infer<typeof InviteAttendeeSchema>;

/** A meeting invite read from a text/calendar part (iCalendar, RFC 5545 / iTIP RFC 5546). */
export const InviteSchema = z.object({
  /** METHOD as sent, upper-cased (REQUEST, CANCEL, REPLY, PUBLISH…); empty when the calendar has none. */
  method: z.string(),
  /** What sync should do with it; `ignore` comes with `ignoredReason`. */
  action: z.enum(['request', 'cancel', 'ignore']),
  ignoredReason: z.string().nullable(),
  uid: z.string(),
  sequence: z.number().int().nonnegative(),
  /** Set when the component changes one occurrence of a series rather than the series. */
  recurrenceId: z.string().nullable(),
  summary: z.string().nullable(),
  /** Bounded; `descriptionTruncated` when cut. */
  description: z.string().nullable(),
  descriptionTruncated: z.boolean(),
  location: z.string().nullable(),
  /** STATUS upper-cased (TENTATIVE, CONFIRMED, CANCELLED); null when absent. */
  status: z.string().nullable(),
  allDay: z.boolean(),
  /** UTC ISO 8601; for all-day events midnight UTC of the first and of the day after the last day. */
  start: z.string().nullable(),
  end: z.string().nullable(),
  /** All-day events only: first and last day (inclusive), YYYY-MM-DD. */
  startDate: z.string().nullable(),
  endDate: z.string().nullable(),
  /** The start's TZID as sent (IANA, Windows or custom name); null for UTC, floating or all-day times. */
  timeZone: z.string().nullable(),
  organizer: MailAddressSchema.nullable(),
  attendees: z.array(InviteAttendeeSchema),
  /** More attendees were listed than kept. */
  attendeesTruncated: z.boolean(),
  /** RRULE as text for a recurring series; start/end are its first occurrence. */
  rrule: z.string().nullable(),
  /** Where it was found: a body alternative (text/calendar) or an attached .ics file. */
  source: z.enum(['inline', 'attachment']),
});
export type Invite = z.infer<typeof InviteSchema>;

export const EmailKind = z.enum(['normal', 'auto-reply', 'bounce']);
export type EmailKind = z.infer<typeof EmailKind>;

export const Direction = z.enum(['outbound', 'inbound', 'internal', 'unknown']);
export type Direction = z.infer<typeof Direction>;

export const CaptureContextSchema = z.object({
  orgId: z.string(),
  /** The capture address the message was resolved through (lower-cased). */
  address: z.string(),
  mode: z.enum(['bcc', 'forward']),
  /** Sub-address target (`token+SO-104233@…` → `SO-104233`). */
  target: z.string().nullable(),
});
export type CaptureContext = z.infer<typeof CaptureContextSchema>;

/**
 * Where the message came from, as the parse stage proved it: what the sync stage's write rights
 * are decided on (shared/domain/sync/write-rights.ts). Optional: CapturedEmails written before it
 * was recorded still validate, and get the rights of an unproven sender.
 */
export const OriginSchema = z.object({
  /**
   * The From address is proven: SES's DMARC verdict PASS, or SPF or DKIM passing for the From's own
   * domain. Always true for mail that reached a `bcc` address (the intake policy requires it).
   */
  senderVerified: z.boolean(),
  /**
   * A digest naming the stored raw message (its S3 object): the same for every delivery and
   * replay of that one message, different for any other message, whatever its Message-ID.
   */
  sourceDigest: z.string(),
});
export type Origin = z.infer<typeof OriginSchema>;

/** The origin digest of a raw message stored under `objectKey`. */
export function storedMessageDigest(objectKey: string): string {
  return createHash('sha256').update(`stored-message\n${objectKey}`).digest('hex').slice(0, 40);
}

/**
 * Stable codes for a capture that was cut short by a parse budget (the Task says so, the outcome
 * carries them). Readers treat unknown codes like any other: as a cut.
 */
export const CUT_SHORT_CODES = [
  'mime-parts',
  'mime-depth',
  'mime-unreadable',
  'attachments-skipped',
  'attachment-unreadable',
  'attached-message-unopened',
  'html-truncated',
  'html-depth',
  'html-elements',
  'text-truncated',
  'forward-scan-truncated',
  'subject-truncated',
  'recipients-truncated',
  'references-truncated',
] as const;
export type CutShortCode = (typeof CUT_SHORT_CODES)[number];

export const CutShortSchema = z.object({
  /** One of CUT_SHORT_CODES. */
  code: z.string(),
  /** What was left out, in plain words. */
  detail: z.string(),
});
export type CutShort = z.infer<typeof CutShortSchema>;

/**
 * Where a rep said an unresolved mail belongs, in a reply to Capture's notice about it
 * (docs/notices.md). Set only on a mail replayed for that reply; the Task is logged there.
 */
export const ResolutionSchema = z.object({
  /** The rep who chose: the mail's own verified sender. */
  by: z.string(),
  at: z.string(),
  /** The WhoId: a Contact's id (a Contact's email address is added to the participants instead). */
  whoId: z.string().nullable(),
  /** A Contact's email address the rep named, when they named one. */
  whoEmail: z.string().nullable(),
  /** The WhatId: a record id or an order number (also the mail's sub-address target). */
  what: z.string().nullable(),
});
export type Resolution = z.infer<typeof ResolutionSchema>;

export const CapturedEmailSchema = z.object({
  schemaVersion: z.literal(CAPTURED_EMAIL_SCHEMA_VERSION),
  /** Message-ID as in the header, with angle brackets; null when missing. */
  messageId: z.string().nullable(),
  subject: z.string().nullable(),
  date: z.string().nullable(),
  from: MailAddressSchema.nullable(),
  sender: MailAddressSchema.nullable().default(null),
  replyTo: z.array(MailAddressSchema).default([]),
  to: z.array(MailAddressSchema),
  cc: z.array(MailAddressSchema),
  bcc: z.array(MailAddressSchema).default([]),
  inReplyTo: z.string().nullable(),
  references: z.array(z.string()),
  forwarded: ForwardedOriginalSchema.nullable(),
  orderNumbers: z.array(z.string()),
  kind: EmailKind,
  attachments: z.array(AttachmentSchema),
  warnings: z.array(z.string()),
  /** Plain-text body (from text/plain, or converted from HTML), bounded; card numbers masked. */
  text: z.string(),
  textTruncated: z.boolean(),
  participants: z.array(ParticipantSchema),
  direction: Direction,
  /** SMTP envelope when known (from the SES notification or --recipient). */
  envelope: z
    .object({
      mailFrom: z.string().nullable(),
      recipients: z.array(z.string()),
    })
    .nullable(),
  capture: CaptureContextSchema.nullable(),
  /** Set when privacy rules say this message must not be logged. */
  excluded: z.object({ reason: z.string() }).nullable(),
  /** Size of the raw message in bytes. */
  size: z.number().int().nonnegative(),
  /**
   * A meeting invite carried in a text/calendar part; null when there is none. Optional so that
   * CapturedEmails written before invites were read still validate.
   */
  invite: InviteSchema.nullable().optional(),
  /** Bulk or mailing-list mail (Precedence, List-Id, List-Unsubscribe); null for a personal message. */
  bulk: z.enum(['bulk-mail', 'list-mail']).nullable().optional(),
  /** What the sender check needs beyond SES's verdicts: the `d=` domains of the DKIM-Signature headers. */
  authentication: z.object({ dkimDomains: z.array(z.string()) }).optional(),
  /** What a parse budget left out (also listed in `warnings` as `code: detail`); empty when read whole. */
  cutShort: z.array(CutShortSchema).optional(),
  /** Sender proof and stored-message digest (see OriginSchema); absent in older CapturedEmails. */
  origin: OriginSchema.optional(),
  /** The rep's choice from a reply to a notice; absent on mail as received. */
  resolution: ResolutionSchema.optional(),
});
export type CapturedEmail = z.infer<typeof CapturedEmailSchema>;
