/**
 * Forwarded originals: inline forwards written by mail clients (Gmail, Outlook, Apple Mail,
 * Thunderbird, Yahoo, HubSpot… in many languages, via email-forward-parser) and messages
 * attached as message/rfc822 parts.
 */
import EmailForwardParser from 'email-forward-parser';
import { type AddressObject, simpleParser } from 'mailparser';
import type { ForwardedOriginal, MailAddress } from '../captured-email.ts';

const forwardParser = new EmailForwardParser();

interface ForwardParserAddress {
  address?: string | null;
  name?: string | null;
}

function toAddress(a: ForwardParserAddress | undefined | null): MailAddress | null {
  const address = a?.address?.trim().toLowerCase();
  if (!address?.includes('@')) return null;
  return { address, name: (a?.name ?? '').trim() };
}

/** Dates as clients print them ("Mon, 16 Nov 2026 at 10:12", "Monday, November 16, 2026 10:12 AM"). */
export function parseLooseDate(value: string | null | undefined): string | null {
  if (!value) return null;
  const cleaned = value
    .replace(/\s+at\s+/i, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const time = Date.parse(cleaned);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

export function findInlineForward(
  body: string,
  subject: string | null,
  source: 'inline-text' | 'inline-html',
  maxTextChars: number,
): ForwardedOriginal | null {
  if (!body.trim()) return null;
  // Without the subject first: the library then reads the forwarded header block's own Subject line.
  let result = forwardParser.read(body);
  if (!result.forwarded && subject) result = forwardParser.read(body, subject);
  if (!result.forwarded || !result.email) return null;
  const from = toAddress(result.email.from as ForwardParserAddress);
  if (!from) return null;
  const list = (items: unknown) =>
    (Array.isArray(items) ? (items as ForwardParserAddress[]) : [])
      .map(toAddress)
      .filter((a): a is MailAddress => a !== null);
  return {
    from,
    to: list(result.email.to),
    cc: list(result.email.cc),
    subject: result.email.subject?.trim() || null,
    date: parseLooseDate(result.email.date),
    messageId: null,
    source,
    text: (result.email.body ?? '').slice(0, maxTextChars),
  };
}

export function flattenAddresses(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const out: MailAddress[] = [];
  const walk = (entries: { address?: string; name?: string; group?: unknown[] }[]) => {
    for (const entry of entries) {
      if (Array.isArray(entry.group)) walk(entry.group as typeof entries);
      else if (entry.address?.includes('@')) {
        out.push({ address: entry.address.trim().toLowerCase(), name: (entry.name ?? '').trim() });
      }
    }
  };
  for (const object of objects) walk(object.value);
  return out;
}

/** Reads the headers (and text) of an attached message/rfc822 part. */
export async function parseAttachedMessage(
  raw: Buffer,
  maxTextChars: number,
): Promise<ForwardedOriginal | null> {
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  const from = flattenAddresses(parsed.from)[0] ?? null;
  if (!from && !parsed.subject) return null;
  const date = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null;
  return {
    from,
    to: flattenAddresses(parsed.to),
    cc: flattenAddresses(parsed.cc),
    subject: parsed.subject ?? null,
    date,
    messageId: parsed.messageId ?? null,
    source: 'attachment',
    text: (parsed.text ?? '').slice(0, maxTextChars),
  };
}
