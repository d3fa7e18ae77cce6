/**
 * Text from mail made safe for Salesforce fields: no NUL or other control characters (they break
 * exports, reports and some integrations), filenames without path parts (`../`, `/`, `\`) so a
 * File never names a place outside itself when someone downloads it.
 */

// C0 controls, DEL and C1 controls; \t and \n are handled by the callers that keep them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f]/g;
// Bidirectional overrides can make a name like "evil<RLO>fdp.exe" display as "evilexe.pdf".
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/** One line of text: every control character becomes a space, runs of spaces collapse. */
export function singleLine(text: string): string {
  return text.replace(CONTROL_ALL, ' ').replace(BIDI, '').replace(/ {2,}/g, ' ').trim();
}

/** Multi-line text: CRLF and CR become LF; \n and \t stay; other control characters go. */
export function multiLine(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL, '').replace(BIDI, '');
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
