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

const MONTHS: [RegExp, string][] = [
  [/\b(jan(?:uar|vier|eiro|naio|uari)?|ene(?:ro)?|gen(?:naio)?|janv)\.?(?=\s|,|$)/i, 'Jan'],
  [/\b(feb(?:ruar|rero|braio|ruari)?|f[ée]v(?:rier)?|fev(?:ereiro)?)\.?(?=\s|,|$)/i, 'Feb'],
  [/\b(m[äa]r(?:z|s|zo|ço|et)?|mrt)\.?(?=\s|,|$)/i, 'Mar'],
  [/\b(apr(?:il|ile)?|avr(?:il)?|abr(?:il)?)\.?(?=\s|,|$)/i, 'Apr'],
  [/\b(mai|mei|mayo|maggio|maio|may)\.?(?=\s|,|$)/i, 'May'],
  [/\b(jun[io]?|juin|giu(?:gno)?|jun(?:ho)?)\.?(?=\s|,|$)/i, 'Jun'],
  [/\b(jul[io]?|juil(?:let)?|lug(?:lio)?|jul(?:ho)?)\.?(?=\s|,|$)/i, 'Jul'],
  [/\b(aug(?:ust|ustus)?|ao[ûu]t|ago(?:sto)?)\.?(?=\s|,|$)/i, 'Aug'],
  [/\b(sep(?:t|tember|tembre|tiembre|tembro)?|set(?:tembre|embro)?)\.?(?=\s|,|$)/i, 'Sep'],
  [/\b(o[ck]t(?:ober|obre|ubre|obre)?|ott(?:obre)?|out(?:ubro)?)\.?(?=\s|,|$)/i, 'Oct'],
  [/\b(nov(?:ember|embre|iembre|embro)?)\.?(?=\s|,|$)/i, 'Nov'],
  [/\b(de[zcs](?:ember|embre|iembre|embro)?|d[ée]c(?:embre)?|dic(?:iembre|embre)?)\.?(?=\s|,|$)/i, 'Dec'],
];
const WEEKDAYS =
  /\b(mo|di|mi|do|fr|sa|so|lun|mar|mer|jeu|ven|sam|dim|lu|mi|ju|vi|s[áa]|do|gio|sab|dom|ma|wo|vr|za|zo|seg|ter|qua|qui|sex)[a-zäéèáíóúç]*\.?,/i;

/**
 * Dates as clients print them, in several languages: "Mon, 16 Nov 2026 at 10:12",
 * "Monday, November 16, 2026 10:12 AM", "Mo., 16. Nov. 2026 um 10:12 Uhr", "lun. 16 nov. 2026 à 10:12".
 * Without a zone the time is read as UTC (the forward does not say).
 */
export function parseLooseDate(value: string | null | undefined): string | null {
  if (!value) return null;
  const direct = Date.parse(
    value
      .replace(/\s+at\s+/i, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
  if (!Number.isNaN(direct)) return new Date(direct).toISOString();
  let text = value
    .replace(WEEKDAYS, '')
    .replace(/\s+(um|à|a las|alle ore|alle|om|às|at|kl\.?)\s+/gi, ' ')
    .replace(/\s*(uhr|h)\s*$/i, '')
    .replace(/(\d{1,2})\.(?=\s)/g, '$1')
    .replace(/\s+de\s+/gi, ' ');
  for (const [pattern, month] of MONTHS) text = text.replace(pattern, month);
  text = text.replace(/\s+/g, ' ').trim();
  const m = /(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4})(?: (\d{1,2}):(\d{2}))?/.exec(
    text,
  );
  if (!m) return null;
  const time = Date.parse(`${m[1]} ${m[2]} ${m[3]} ${m[4] ?? '00'}:${m[5] ?? '00'} UTC`);
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
