/**
 * Bounding text handed to scanners we do not control (the forward finder's library backtracks
 * on long runs of blank lines and spaces: 10,000 newlines took 9 s, 20,000 took 37 s).
 */

/** Whitespace runs longer than this are squeezed; shorter ones are left exactly as written. */
const LONG_RUN = 32;
/** A run longer than LONG_RUN (`\s` is the same set as isSpace); one quantifier, so linear. */
const HAS_LONG_RUN = new RegExp(`\\s{${LONG_RUN + 1}}`);

function isNewline(c: number): boolean {
  return c === 10 || c === 0x2028 || c === 0x2029;
}

/** The characters JavaScript's `\s` matches. */
export function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * Squeezes each whitespace run longer than LONG_RUN characters: to a blank line when it holds
 * two or more line breaks, one line break when it holds one, otherwise four spaces. Linear.
 */
export function squeezeLongWhitespace(text: string): string {
  // Most text has no long run: one native scan, then the text as it is.
  if (!HAS_LONG_RUN.test(text)) return text;
  const parts: string[] = [];
  let from = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    if (!isSpace(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i;
    let newlines = 0;
    while (j < n && isSpace(text.charCodeAt(j))) {
      if (isNewline(text.charCodeAt(j))) newlines++;
      j++;
    }
    if (j - i > LONG_RUN) {
      parts.push(text.slice(from, i), newlines >= 2 ? '\n\n' : newlines === 1 ? '\n' : '    ');
      from = j;
    }
    i = j;
  }
  parts.push(text.slice(from));
  return parts.join('');
}
