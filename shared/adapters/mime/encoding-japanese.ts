/**
 * encoding-japanese's `convert()` as mailparser and libmime call it (Japanese bytes to text, for
 * ISO-2022-JP, which iconv-lite lacks, and EUC-JP), read by Node's TextDecoder. The Lambda bundle
 * puts this module where they require encoding-japanese (infra/bundling.ts): about 225 KB less.
 * Anything else is refused, and both libraries then fall back to their charset decoder.
 */
export function convert(
  data: Buffer | Uint8Array | string,
  options: { to: string; from: string; type?: string },
): string {
  const label = japaneseLabel(options.from);
  if (label === null || options.to.toUpperCase() !== 'UNICODE' || options.type !== 'string') {
    throw new Error(`conversion from ${options.from} to ${options.to} is not supported`);
  }
  const bytes = typeof data === 'string' ? Buffer.from(data, 'binary') : Buffer.from(data);
  return new TextDecoder(label).decode(label === 'iso-2022-jp' ? withoutIdleEscapes(bytes) : bytes);
}

/** ISO-2022-JP escape sequences: to ASCII or JIS X 0201 (ESC ( B, J, I) or to JIS X 0208/0212 (ESC $ @, B, ESC $ ( D). */
const ESCAPE = '\x1b(?:\\(|\\$\\(?)[@A-Z]';
const IDLE_ESCAPES = new RegExp(`(?:${ESCAPE})+(?=${ESCAPE})`, 'g');

/**
 * Drops escape sequences another one follows at once. Two encoded words of one Subject decoded
 * together end the first with "ESC ( B" right before the second's "ESC $ B"; the WHATWG decoder
 * TextDecoder follows reads such a pair as an error (U+FFFD), where mail readers read on.
 */
function withoutIdleEscapes(bytes: Buffer): Buffer {
  const text = bytes.toString('latin1');
  const cleaned = text.replace(IDLE_ESCAPES, '');
  return cleaned === text ? bytes : Buffer.from(cleaned, 'latin1');
}

function japaneseLabel(from: string): string | null {
  const name = from.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (name === 'jis' || name.startsWith('iso2022jp')) return 'iso-2022-jp';
  if (name.startsWith('eucjp')) return 'euc-jp';
  if (name === 'sjis' || name === 'shiftjis') return 'shift_jis';
  return null;
}

export default { convert };
