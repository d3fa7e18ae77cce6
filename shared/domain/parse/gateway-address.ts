/**
 * Addresses as mail gateways leave them. Exchange wraps an address it could not route natively
 * in an IMCEA address on its own domain (`IMCEANOTES-+22Jane+20Doe+22+20+3Cjane+40globex+2Ecom+3E
 * +40ACME@acme.com`, `IMCEAINVALID-jane+40globex+2Ecom@acme.com`); Lotus Notes names its users
 * `Jane Doe/Sales/ACME@ACME`; Outlook's plain text writes `jane@globex.com <mailto:jane@globex.com>`
 * and `'jane@globex.com'; 'CARL@GLOBEX.COM'`. Each is read back to the internet address it stands
 * for; a wrapper never wins over the address it wraps, and a Notes name or an Exchange directory
 * name (no internet address inside) is a name, never an address.
 */
import type { MailAddress } from '../captured-email.ts';

/** A mailbox read back: `address` is null when the text names someone without an internet address. */
export interface ReadMailbox {
  address: string | null;
  name: string;
}

/** Text this long is not one address: it is not read (a bound on every scan here). */
const MAX_MAILBOX_CHARS = 1_000;

/** `IMCEA<type>-<encoded>@<gateway domain>` (IMCEANOTES, IMCEAEX, IMCEAINVALID, IMCEASMTP, IMCEAX400…). */
const ENCAPSULATED = /^IMCEA[A-Z0-9]{0,20}-(.+)@[^@]+$/i;

/** An address written inside brackets: `<jane@x.com>`, `[mailto:jane@x.com]`, `<mailto:jane@x.com>`. */
const BRACKETED = /[<[](?:\s*mailto:)?\s*([^\s<>[\]@]+@[^\s<>[\]@]+)\s*[>\]]/gi;

/**
 * Undoes Exchange's encapsulation: `+XX` is the character with hex code XX and `_` stands for `/`
 * (a literal `_` is written `+5F`).
 */
export function decodeEncapsulated(encoded: string): string {
  return encoded
    .replace(/_/g, '/')
    .replace(/\+([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The text without the given characters at either end (a loop: linear on any input). */
function trimChars(text: string, chars: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && chars.includes(text[start] ?? '')) start++;
  while (end > start && chars.includes(text[end - 1] ?? '')) end--;
  return text.slice(start, end);
}

const SPACE = ' \t\r\n\u00a0';

/** Quotes, brackets, `mailto:` and list separators around an address. */
function bare(text: string): string {
  let out = text;
  for (let i = 0; i < 4; i++) {
    const before = out;
    out = trimChars(out, `${SPACE}'"<>[](),;`);
    if (/^mailto:/i.test(out)) out = out.slice('mailto:'.length);
    // An obsolete source route before the address: "@relay.example:jane@globex.com".
    out = out.replace(/^@[^\s@:,]{1,255}(?:,@[^\s@:,]{1,255}){0,10}:/, '');
    if (out === before) break;
  }
  return out;
}

/** A display name without quotes, bracketed addresses, `[mailto:…]` tails or a Notes `@ORG` suffix. */
function cleanName(name: string): string {
  // Most names are plain words: nothing below changes them but the spaces at their ends.
  if (!/[<>"'@[]|\s\s|[^\S ]/.test(name)) return name.trim();
  const cleaned = trimChars(
    name
      .replace(/[[<]\s*mailto:[^[\]<>]*[\]>]/gi, ' ')
      .replace(/\s+/g, ' ')
      // `"Jane Doe" <jane@x.com>@ACME`: the Notes domain Exchange appended after the address…
      .replace(/([>"]) ?@[A-Za-z0-9-]+(?= |$)/g, '$1')
      // … or a Notes domain (upper case) right after the name: "Jane Doe@ACME".
      .replace(/@[A-Z0-9-]{2,}(?= |$)/g, '')
      .replace(/<[^<>]*>/g, ' ')
      .replace(/\s+/g, ' '),
    // Double quotes at the ends delimit the name (one may be left alone once an address inside
    // the quotes is taken out); quotes inside it, escaped in the header, are part of it.
    `${SPACE}<>"`,
  );
  // Single quotes around the whole name go; one that only starts it ("'Carl' via Sales") stays.
  return cleaned.length > 1 && cleaned.startsWith("'") && cleaned.endsWith("'")
    ? cleaned.slice(1, -1).trim()
    : cleaned;
}

/** The person a Notes name or an Exchange directory name stands for: "Jane Doe/Sales/ACME@ACME" → "Jane Doe". */
function directoryName(text: string): string {
  const exchange = /\/CN=([^/]+)$/i.exec(text);
  if (exchange?.[1]) return exchange[1].trim();
  const notes = text.replace(/@[^@]*$/, '').split('/')[0] ?? '';
  return cleanName(notes.replace(/^CN=/i, ''));
}

/** Whether a local part and domain are a Notes name (`Jane Doe/Sales/ACME@ACME`) rather than an address. */
function isNotesName(local: string, domain: string): boolean {
  return !domain.includes('.') && (/[/\s]/.test(local) || /^[A-Z0-9-]+$/.test(domain));
}

/** The first address written in brackets in the text, and the name around it. */
function embeddedAddress(text: string): ReadMailbox | null {
  for (const match of text.matchAll(BRACKETED)) {
    const inner = readAddressText(match[1] ?? '', 1);
    if (!inner.address) continue;
    // The name is what stands around the address: `"Jane Doe <jane@x.com>"@ACME` → "Jane Doe".
    const around = `${text.slice(0, match.index)} ${text.slice(match.index + match[0].length)}`;
    return { address: inner.address, name: cleanName(around) };
  }
  return null;
}

/** An address string read back, `depth` bounding how many wrappers inside wrappers are opened. */
function readAddressText(raw: string, depth: number): ReadMailbox {
  const text = bare(raw);
  const encapsulated = ENCAPSULATED.exec(text);
  if (encapsulated?.[1] && depth < 3) {
    const decoded = decodeEncapsulated(encapsulated[1]);
    const inner = embeddedAddress(decoded) ?? readAddressText(decoded, depth + 1);
    if (inner.address) return inner;
    return { address: null, name: decoded.includes('/') ? directoryName(decoded) : inner.name };
  }
  // "Jane Doe <jane@globex.com>"@ACME: a quoted local part that holds the real address.
  if (/[<[]/.test(text) && depth < 3) {
    const inner = embeddedAddress(text);
    if (inner) return inner;
  }
  const at = text.lastIndexOf('@');
  if (at <= 0) return { address: null, name: cleanName(text) };
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (isNotesName(local, domain)) return { address: null, name: directoryName(text) };
  // Anything else with an "@" and no space is kept as the sender wrote it, lower-cased.
  return /\s/.test(text)
    ? { address: null, name: cleanName(text) }
    : { address: text.toLowerCase(), name: '' };
}

/**
 * A mailbox as a parser split it (address and display name) read back to the internet address it
 * stands for. The name is kept, cleaned of quotes and bracketed addresses; when the address field
 * is a wrapper or a Notes name and the display name holds a real address, that address wins.
 */
export function readMailbox(
  address: string | null | undefined,
  name: string | null | undefined,
): ReadMailbox {
  const rawAddress = (address ?? '').slice(0, MAX_MAILBOX_CHARS);
  const rawName = (name ?? '').slice(0, MAX_MAILBOX_CHARS);
  const read = readAddressText(rawAddress, 0);
  const named = cleanName(rawName);
  if (read.address) return { address: read.address, name: named || read.name };
  const fromName = embeddedAddress(rawName);
  if (fromName?.address) return { address: fromName.address, name: fromName.name || read.name };
  // Parsers split a Notes name at its first space: "Jane" + "Doe/Sales/ACME@ACME".
  const person =
    named && read.name && !named.includes(read.name) ? `${named} ${read.name}` : named || read.name;
  return { address: null, name: person };
}

/**
 * A mailbox written out as text, as a forwarded header block holds it: `"Jane Doe" <jane@x.com>`,
 * `"Doe, Jane" <jane@x.com>@ACME [mailto:IMCEANOTES-…]`, `Jane Doe/Sales/ACME@ACME`, `jane@x.com`
 * or a bare name.
 */
export function readMailboxText(text: string): ReadMailbox {
  const bounded = text.slice(0, MAX_MAILBOX_CHARS);
  return embeddedAddress(bounded) ?? readAddressText(bounded, 0);
}

/** A mailbox read back, or null when it names no internet address. */
export function toMailAddress(
  address: string | null | undefined,
  name: string | null | undefined,
): MailAddress | null {
  const read = readMailbox(address, name);
  return read.address ? { address: read.address, name: read.name } : null;
}
