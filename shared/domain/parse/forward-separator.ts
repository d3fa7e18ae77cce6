/**
 * A fast first look for the separator lines email-forward-parser reads forwards by ("Begin
 * forwarded message:", "---------- Forwarded message ---------", "On … wrote:" and 70-odd more).
 * The library looks for them by splitting the body once per pattern, and several patterns run
 * `.+` over every line: on 100 KB of ordinary text that costs milliseconds, for mail that almost
 * never is a forward. Here each pattern's required word ("forwarded", "schrieb", "kirjoitti") is
 * looked for first, all words in one pass; only text holding one of them meets the patterns.
 *
 * Built from the library's own patterns, so it follows them; a pattern without a word it surely
 * needs is tried as it is, and if the patterns are not where they are expected, every body goes
 * to the library.
 */

export type SeparatorSearch = (body: string) => boolean;

/** Everything goes to the library. */
const always: SeparatorSearch = () => true;

export function separatorSearch(library: unknown): SeparatorSearch {
  const internals = library as { parser?: { regexes?: { separator?: unknown } } };
  const patterns = internals.parser?.regexes?.separator;
  if (!Array.isArray(patterns) || patterns.length === 0) return always;
  if (!patterns.every((p) => p instanceof RegExp && p.flags === 'm')) return always;
  const words: string[] = [];
  const direct: { pattern: RegExp; run: string | null }[] = [];
  for (const p of patterns as RegExp[]) {
    const word = requiredWord(p.source);
    if (word) words.push(word);
    else direct.push({ pattern: p, run: requiredRun(p.source) });
  }
  const anyWord = words.length > 0 ? new RegExp(words.map(escapeRegExp).join('|')) : null;
  const all = new RegExp((patterns as RegExp[]).map((p) => `(?:${p.source})`).join('|'), 'm');
  const directHit = (text: string) =>
    direct.some(({ pattern, run }) => (run === null || text.includes(run)) && pattern.test(text));
  return (body) => {
    const text = cleaned(body);
    const candidate = anyWord?.test(text) || directHit(text);
    return candidate && all.test(text);
  };
}

/** The body as the library cleans it before looking for separators. */
function cleaned(body: string): string {
  const text = body.replace(/\r\n/g, '\n').replace(/\uFEFF/g, '');
  // Most text has no no-break space: one native search, not two regular expressions over it.
  return text.includes('\u00A0') ? text.replace(/\u00A0$/gm, '').replace(/\u00A0/g, ' ') : text;
}

/**
 * The longest run of letters (and spaces) every match of the pattern contains, or null when the
 * pattern has groups or alternatives (a word inside one may be optional) or no run of three
 * letters. A letter followed by a quantifier (`s?`, `e*`, `x{2}`) ends the run without it.
 */
export function requiredWord(source: string): string | null {
  let best = '';
  let run = '';
  const end = () => {
    if (run.trim().length > best.trim().length) best = run;
    run = '';
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '(' || c === ')' || c === '|') return null;
    if (c === '\\') {
      end();
      i++;
    } else if (c === '[') {
      end();
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
    } else if (c === '?' || c === '*' || c === '{') {
      run = run.slice(0, -1);
      end();
    } else if (c === ' ' || /\p{L}/u.test(c)) {
      run += c;
    } else {
      end();
    }
  }
  end();
  const word = best.trim();
  return word.length >= 3 ? word : null;
}

/**
 * A run of one character every match of the pattern contains, from a plain character repeated a
 * fixed number of times (`_{32}` in Outlook's rule line: 32 underscores), or null. Only a
 * pattern without groups or alternatives qualifies, as for requiredWord.
 */
export function requiredRun(source: string): string | null {
  if (/[()|]/.test(source)) return null;
  const repeated = /(?:^|[^\\])([_=*~#-])\{(\d+)(?:,\d*)?\}/.exec(source);
  const count = Number(repeated?.[2] ?? 0);
  return repeated?.[1] && count >= 3 ? repeated[1].repeat(count) : null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
