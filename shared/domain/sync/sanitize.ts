/**
 * Text from mail made safe for Salesforce fields and terminals, in one place: no terminal escape
 * sequences (ESC or C1 CSI/OSC… that recolour, retitle or rewrite a screen a record or log is
 * shown on), no NUL or other control characters (they break exports, reports and some
 * integrations), no bidirectional embeddings, overrides or isolates (they make "evil‮fdp.exe"
 * display as "evilexe.pdf"), filenames without path parts (`../`, `/`, `\`) so a File never names
 * a place outside itself when someone downloads it, and dates within a sane range.
 * Pure: the mapping of every record Capture writes calls these.
 */

/**
 * Terminal escape sequences, removed whole (not just their ESC, which would leave "[31m"):
 * CSI (ESC [ or C1 0x9B) with parameters and a final byte; OSC, DCS, SOS, PM and APC strings
 * (ESC ] P X ^ _, or their C1 forms) up to BEL or ST; any other ESC and the byte after it.
 */
const ESCAPES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?|(?:\u001b[\]PX^_]|[\u009d\u0090\u0098\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[\s\S]?/g;
// C0 controls, DEL and C1 controls; \t and \n are handled by the callers that keep them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** Bidirectional embeddings and overrides (U+202A–E) and isolates (U+2066–9); marks (LRM, RLM) stay. */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/** Text a terminal shows as it is: escape sequences and bidi controls go, every control character becomes a space. */
export function inert(text: string): string {
  return text.replace(ESCAPES, '').replace(CONTROL_ALL, ' ').replace(BIDI, '');
}

/** One line of text: inert, runs of spaces collapsed, trimmed. */
export function singleLine(text: string): string {
  return inert(text).replace(/ {2,}/g, ' ').trim();
}

/** Multi-line text: escape sequences go, CRLF, CR and U+2028/9 become LF; \n and \t stay; other control characters go. */
export function multiLine(text: string): string {
  return text
    .replace(ESCAPES, '')
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(CONTROL, '')
    .replace(BIDI, '');
}

/**
 * The last path segment of a filename, without control characters or leading dots; a name that
 * is nothing but path parts becomes `fallback`.
 */
export function safeFilename(name: string | null | undefined, fallback = 'attachment'): string {
  const segments = singleLine(name ?? '').split(/[/\\]+/);
  const last = (segments.at(-1) ?? '').replace(/^[.\s]+/, '').trim();
  return last.length > 0 ? last : fallback;
}

/** A File's Title (the name without its extension) and PathOnClient (the name) from an attachment name. */
export function fileNames(name: string | null | undefined): { title: string; pathOnClient: string } {
  const pathOnClient = safeFilename(name);
  const title = pathOnClient.replace(/\.[^.]+$/, '') || pathOnClient;
  return { title, pathOnClient };
}

/** Dates Capture writes (ActivityDate, MessageDate, Event times): from 1970 to five years ahead. */
export const SANE_YEARS = { first: 1970, aheadOfNow: 5 } as const;

/**
 * An ISO date or date-time from mail, or null when it lies outside SANE_YEARS (a mail dated 1601
 * or 9999 says nothing true about when it was sent); `warn` hears why.
 */
export function saneDate(iso: string | null, now: Date, warn?: (message: string) => void): string | null {
  if (iso === null) return null;
  const at = Date.parse(iso);
  const first = Date.UTC(SANE_YEARS.first, 0, 1);
  const last = Date.UTC(now.getUTCFullYear() + SANE_YEARS.aheadOfNow, 11, 31, 23, 59, 59);
  if (Number.isNaN(at) || at < first || at > last) {
    warn?.(
      `date ${iso.slice(0, 40)} is outside ${SANE_YEARS.first}..${now.getUTCFullYear() + SANE_YEARS.aheadOfNow}: not used`,
    );
    return null;
  }
  return iso;
}
